import { allFixtures, fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import type { BotContent } from './content.js';
import { diffSnapshots } from './diff.js';
import { FLOW_DIALOG_PREFIX, flowGraph } from './flow-graph.js';
import {
  dialogFlowGraph,
  dialogFlowPart,
  dialogMarks,
  flowIndex,
  flowOverview,
  type FlowIndex,
} from './flow-overview.js';
import { must } from './must.js';
import { importGenerated, must as unwrap, newSnapshotter } from './test-support/bots.js';
import { generateBotExport, simBot, simRule } from './testing.js';

const load = (text: string): BotContent => {
  const r = importCbExport(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.content;
};
const indexOf = (content: BotContent): FlowIndex =>
  flowIndex(content.dialogs.map((d) => dialogFlowPart(d.dialog, d.interactions)));
const D = (name: string) => `${FLOW_DIALOG_PREFIX}d-${name}`;

/** Three dialogs: Start jumps to Billing's second interaction, Billing to Help (as a dialog), Help by name in code back to Start. */
const linked = () =>
  load(
    JSON.stringify(
      simBot({
        dialogs: [
          {
            name: 'Start',
            interactions: [
              { name: 'hello', type: 'DIALOG_STARTER', patterns: ['hi'] },
              {
                name: 'menu',
                type: 'TEXT_QUESTION',
                rules: [
                  simRule.pattern(['bill'], '@bill-amount'),
                  simRule.pattern(['again'], '@hello'),
                  simRule.pattern(['pay'], '@bill-pay'),
                ],
              },
            ],
          },
          {
            name: 'Billing',
            interactions: [
              { name: 'bill-start', type: 'DIALOG_STARTER' },
              { name: 'bill-amount', type: 'TEXT' },
              { name: 'bill-pay', type: 'TEXT', next: '#Help' },
            ],
          },
          {
            name: 'Help',
            interactions: [
              {
                name: 'help-start',
                type: 'DIALOG_STARTER',
                next: 'close_dialog',
                extra: { preProcessMessage: "botContext.setTriggerNextMessage('menu');" },
              },
            ],
          },
          { name: 'Alone', interactions: [{ name: 'alone', type: 'TEXT' }] },
        ],
      }),
    ),
  );

describe('dialogFlowPart', () => {
  it('keeps a dialog names and the links that may leave it, not those inside it', () => {
    const content = linked();
    const start = must(content.dialogs[0], 'Start');
    const part = dialogFlowPart(start.dialog, start.interactions);
    expect(part).toMatchObject({ id: 'd-Start', name: 'Start', type: 'DIALOG' });
    expect(part.interactions).toEqual([
      { id: 'i-hello', name: 'hello' },
      { id: 'i-menu', name: 'menu' },
    ]);
    // "again" jumps to hello, in the same dialog: no exit; the two jumps into Billing are.
    expect(part.exits.map((e) => [e.from, e.by, e.target])).toEqual([
      ['i-menu', 'interaction', 'i-bill-amount'],
      ['i-menu', 'interaction', 'i-bill-pay'],
    ]);
  });
});

describe('flowOverview', () => {
  it('has a node per dialog and an edge per pair of linked dialogs, counting their links', () => {
    const overview = flowOverview(indexOf(linked()));
    expect(overview.nodes.map((n) => [n.id, n.name, n.interactions, n.status])).toEqual([
      [D('Start'), 'Start', 2, 'unchanged'],
      [D('Billing'), 'Billing', 3, 'unchanged'],
      [D('Help'), 'Help', 1, 'unchanged'],
      [D('Alone'), 'Alone', 1, 'unchanged'],
    ]);
    expect(overview.edges.map((e) => [e.source, e.target, e.links])).toEqual([
      [D('Start'), D('Billing'), 2],
      // A DIALOG action and a jump by name in code.
      [D('Billing'), D('Help'), 1],
      [D('Help'), D('Start'), 1],
    ]);
    expect(overview.changed).toEqual([]);
  });

  it('skips names used twice and links to nothing', () => {
    const content = load(
      JSON.stringify(
        simBot({
          dialogs: [
            {
              name: 'A',
              interactions: [
                {
                  name: 'twice',
                  type: 'TEXT',
                  next: '@nowhere',
                  extra: { preProcessMessage: "botContext.setTriggerNextMessage('twice');" },
                },
              ],
            },
            {
              name: 'B',
              interactions: [
                { name: 'other', type: 'TEXT', next: '#Missing', extra: { name: 'twice' } },
              ],
            },
          ],
        }),
      ),
    );
    // Both interactions are named "twice": code cannot jump to either by that name.
    expect(flowOverview(indexOf(content)).edges).toEqual([]);
  });

  it.each(allFixtures())(
    '%s: links the dialogs between which the whole graph has an edge, and no others',
    (file) => {
      const content = load(fixture(file));
      const whole = flowGraph(content);
      const dialogOf = new Map<string, string>();
      for (const n of whole.nodes)
        dialogOf.set(n.id, n.kind === 'dialog' ? n.id : FLOW_DIALOG_PREFIX + String(n.dialogId));
      const expected = new Set<string>();
      for (const e of whole.edges) {
        if (e.kind === 'start') continue;
        const from = must(dialogOf.get(e.source), 'a source');
        const to = must(dialogOf.get(e.target), 'a target');
        if (from !== to) expected.add(`${from}->${to}`);
      }
      const overview = flowOverview(indexOf(content));
      expect(new Set(overview.edges.map((e) => e.id))).toEqual(expected);
      expect(overview.nodes.map((n) => n.id)).toEqual(
        whole.nodes.filter((n) => n.kind === 'dialog').map((n) => n.id),
      );
    },
  );

  it('links the dialogs of a generated bot where their last interaction jumps back', () => {
    const doc = generateBotExport({
      seed: 5,
      dialogs: 60,
      interactionsPerDialog: 3,
      dialogLinks: 0.5,
    });
    const overview = flowOverview(indexOf(load(JSON.stringify(doc))));
    expect(overview.nodes).toHaveLength(60);
    expect(overview.edges.length).toBeGreaterThan(15);
    const position = new Map(overview.nodes.map((n, i) => [n.id, i]));
    for (const e of overview.edges)
      expect(must(position.get(e.target), 'a target')).toBeLessThan(
        must(position.get(e.source), 'a source'),
      );
    // Without the option the generator writes what it always wrote: no links between dialogs.
    const plain = generateBotExport({ seed: 5, dialogs: 60, interactionsPerDialog: 3 });
    expect(flowOverview(indexOf(load(JSON.stringify(plain)))).edges).toEqual([]);
  });
});

describe('dialogMarks and the marked overview', () => {
  it('marks each dialog a diff touches, and counts the changes inside it', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 7, dialogs: 5, interactionsPerDialog: 4 });
    const before = snap.write(content);
    const [d0, d1, d2, d3] = content.dialogs.map((d) => String(d.dialog.id));
    const first = must(content.dialogs[0], 'dialog 0');
    const i0 = must(first.interactions[1], 'interaction 1');
    let after = unwrap(
      snap.edit(before, {
        op: 'updateInteraction',
        dialogId: must(d0, 'd0'),
        interaction: { ...i0, name: 'renamed' },
      }),
    );
    const second = must(content.dialogs[1], 'dialog 1').dialog;
    after = unwrap(snap.edit(after, { op: 'updateDialog', dialog: { ...second, name: 'New' } }));
    after = unwrap(snap.edit(after, { op: 'removeDialog', dialogId: must(d2, 'd2') }));
    const diff = diffSnapshots(snap, before, after);
    const marks = dialogMarks(diff.changes);
    expect(marks.get(must(d0, 'd0'))).toMatchObject({
      status: 'changed',
      own: false,
      interactions: diff.changes.filter((c) => c.kind === 'interaction' && c.dialogId === d0)
        .length,
    });
    expect(marks.get(must(d1, 'd1'))).toMatchObject({
      status: 'changed',
      own: true,
      interactions: 0,
      changes: 1,
    });
    expect(marks.get(must(d2, 'd2'))).toMatchObject({ status: 'removed', own: true, changes: 5 });
    expect(marks.has(must(d3, 'd3'))).toBe(false);

    const overview = flowOverview(indexOf(content), marks);
    expect(overview.changed).toEqual([d0, d1, d2].map((d) => FLOW_DIALOG_PREFIX + String(d)));
    expect(overview.nodes.find((n) => n.id === FLOW_DIALOG_PREFIX + String(d3))).toMatchObject({
      status: 'unchanged',
      changes: 0,
    });
  });
});

describe('dialogFlowGraph', () => {
  it('draws one dialog with the dialogs it links to and from, outside it', () => {
    const content = linked();
    const index = indexOf(content);
    const billing = must(content.dialogs[1], 'Billing');
    const g = dialogFlowGraph(billing, index);
    expect(g.nodes.map((n) => [n.id, n.kind, n.external ?? false])).toEqual([
      [D('Billing'), 'dialog', false],
      ['i-bill-start', 'interaction', false],
      ['i-bill-amount', 'interaction', false],
      ['i-bill-pay', 'interaction', false],
      [D('Start'), 'dialog', true],
      [D('Help'), 'dialog', true],
    ]);
    const edges = g.edges.map((e) => [e.source, e.target, e.kind]);
    expect(edges).toContainEqual(['i-bill-pay', D('Help'), 'match']);
    expect(edges).toContainEqual([D('Start'), 'i-bill-amount', 'match']);
    expect(edges).toContainEqual([D('Start'), 'i-bill-pay', 'match']);
    expect(edges).toContainEqual([D('Billing'), 'i-bill-start', 'start']);
    expect(g.marked).toEqual([]);
    // Help jumps by name, through the whole bot's names, to Start's "menu".
    const help = dialogFlowGraph(must(content.dialogs[2], 'Help'), index);
    expect(help.edges.map((e) => [e.source, e.target, e.label])).toContainEqual([
      'i-help-start',
      D('Start'),
      'code',
    ]);
  });

  it('marks what changed inside a dialog and lists the marked nodes in order', () => {
    const snap = newSnapshotter();
    const content = linked();
    const before = snap.write(content);
    const billing = must(content.dialogs[1], 'Billing');
    const amount = must(billing.interactions[1], 'bill-amount');
    const after = unwrap(
      snap.edit(before, {
        op: 'updateInteraction',
        dialogId: 'd-Billing',
        interaction: { ...amount, name: 'amount due' },
      }),
    );
    const diff = diffSnapshots(snap, before, after);
    const marks = dialogMarks(diff.changes);
    const afterContent = snap.read(after);
    const g = dialogFlowGraph(must(afterContent.dialogs[1], 'Billing'), indexOf(afterContent), {
      changes: diff.changes.filter((c) => c.dialogId === 'd-Billing'),
      marks,
    });
    expect(g.marked).toEqual(['i-bill-amount']);
    expect(g.nodes.find((n) => n.id === D('Billing'))?.status).toBe('changed');
    expect(g.nodes.find((n) => n.id === 'i-bill-amount')).toMatchObject({
      status: 'changed',
      name: 'amount due',
    });
    expect(marks.get('d-Billing')?.changes).toBe(g.marked.length);
  });
});
