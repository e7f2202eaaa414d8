import { importCbExport } from './cb-export.js';
import type { BotContent } from './content.js';
import type { Change } from './diff.js';
import type { JsonObject } from './json.js';
import { allFixtures, fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import { flowGraph, FLOW_DIALOG_PREFIX, type FlowGraph } from './flow-graph.js';
import { must } from './must.js';

const load = (file: string): BotContent => {
  const r = importCbExport(fixture(file));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.content;
};
const byName = (g: FlowGraph, name: string) => {
  const found = g.nodes.filter((n) => n.name === name);
  expect(found).toHaveLength(1);
  return must(found[0], 'found[0]');
};
const edge = (g: FlowGraph, from: string, to: string) =>
  g.edges.find((e) => e.source === byName(g, from).id && e.target === byName(g, to).id);

describe('flowGraph on the returns-desk bot', () => {
  const content = load('returns-desk.json');
  const g = flowGraph(content);

  it('has a node per dialog and per interaction', () => {
    expect(g.nodes.filter((n) => n.kind === 'dialog').map((n) => n.name)).toEqual(
      content.dialogs.map((d) => d.dialog.name),
    );
    expect(g.nodes.filter((n) => n.kind === 'interaction')).toHaveLength(9);
    const reply = byName(g, 'quick_reply_7');
    expect(reply.type).toBe('QUICK_REPLY');
    expect(reply.text).toBe(
      "Step 2 of 3: is the item damaged or just unwanted? Pick 'Continue' once you hav…",
    );
    expect(reply.text.length).toBe(80);
    expect(reply.status).toBe('unchanged');
  });

  it('links a dialog to its starter, "next" to nextMessageId and jumps to their target', () => {
    const starter = byName(g, 'dialog_starter');
    expect(
      g.edges.find((e) => e.target === starter.id && e.source.startsWith(FLOW_DIALOG_PREFIX)),
    ).toMatchObject({ kind: 'start', source: FLOW_DIALOG_PREFIX + starter.dialogId });
    expect(edge(g, 'dialog_starter', 'text_6')).toMatchObject({ kind: 'next', label: '' });
    // quick_reply_7: "continue" goes to the next interaction, "back" jumps to text_5.
    expect(edge(g, 'quick_reply_7', 'text_5')).toMatchObject({ kind: 'match', label: 'back' });
    const next = g.edges.find(
      (e) => e.source === byName(g, 'quick_reply_7').id && e.label === 'continue',
    );
    expect(next?.target).toBe(
      content.dialogs.flatMap((d) => d.interactions).find((i) => i.name === 'quick_reply_7')
        ?.nextMessageId,
    );
  });

  it('follows setTriggerNextMessage by name in code', () => {
    // 'choose parcel' runs setTriggerNextMessage('lookup failed') in its code.
    const api = flowGraph(load('order-tracker.json'));
    expect(edge(api, 'choose parcel', 'lookup failed')).toMatchObject({
      label: 'code',
    });
    // returns-desk names 'Returning Customer', which it does not have: no edge to nowhere.
    expect(g.edges.filter((e) => e.kind === 'code')).toEqual([]);
  });
});

describe('flowGraph on every fixture', () => {
  it.each(allFixtures())('%s: edges join existing nodes, every interaction is a node', (file) => {
    const content = load(file);
    const g = flowGraph(content);
    const ids = new Set(g.nodes.map((n) => n.id));
    expect(ids.size).toBe(g.nodes.length);
    for (const e of g.edges) {
      expect(ids.has(e.source)).toBe(true);
      expect(ids.has(e.target)).toBe(true);
    }
    const count = content.dialogs.reduce((n, d) => n + d.interactions.length, 0);
    expect(g.nodes.filter((n) => n.kind === 'interaction')).toHaveLength(count);
    // Every dialog with interactions starts somewhere.
    for (const d of content.dialogs)
      if (d.interactions.length > 0)
        expect(g.edges.some((e) => e.source === FLOW_DIALOG_PREFIX + d.dialog.id)).toBe(true);
  });
});

describe('flowGraph with a diff', () => {
  it('marks changed, added and moved nodes and brings removed ones back', () => {
    const content = load('returns-desk.json');
    const [first, second] = content.dialogs;
    const removed: JsonObject = {
      ...must(must(second, 'second').interactions[0], 'second!.interactions[0]'),
      id: 'gone',
      name: '<img src=x onerror=alert(1)>',
    };
    const changes: Change[] = [
      {
        kind: 'interaction',
        op: 'changed',
        id: String(must(must(first, 'first').interactions[0], 'first!.interactions[0]').id),
        name: null,
        dialogId: String(must(first, 'first').dialog.id),
        fields: [],
      },
      {
        kind: 'dialog',
        op: 'added',
        id: String(must(second, 'second').dialog.id),
        name: null,
        fields: [],
      },
      {
        kind: 'interaction',
        op: 'moved',
        id: String(must(must(second, 'second').interactions[1], 'second!.interactions[1]').id),
        name: null,
        dialogId: String(must(second, 'second').dialog.id),
        fields: [],
      },
      {
        kind: 'interaction',
        op: 'removed',
        id: 'gone',
        name: null,
        dialogId: String(must(first, 'first').dialog.id),
        before: removed,
        fields: [],
      },
      {
        kind: 'dialog',
        op: 'removed',
        id: 'old-dialog',
        name: 'Old',
        before: { id: 'old-dialog', name: 'Old dialog' },
        fields: [],
      },
    ];
    // An interaction of the removed dialog listed before the dialog itself.
    changes.unshift({
      kind: 'interaction',
      op: 'removed',
      id: 'gone-too',
      name: null,
      dialogId: 'old-dialog',
      before: { ...removed, id: 'gone-too', name: 'Gone too' },
      fields: [],
    });
    const g = flowGraph(content, changes);
    const status = (id: string) => g.nodes.find((n) => n.id === id)?.status;
    expect(
      status(String(must(must(first, 'first').interactions[0], 'first!.interactions[0]').id)),
    ).toBe('changed');
    expect(status(FLOW_DIALOG_PREFIX + String(must(second, 'second').dialog.id))).toBe('added');
    expect(
      status(String(must(must(second, 'second').interactions[1], 'second!.interactions[1]').id)),
    ).toBe('moved');
    expect(g.nodes.find((n) => n.id === 'gone')).toMatchObject({
      status: 'removed',
      name: '<img src=x onerror=alert(1)>',
      dialogId: String(must(first, 'first').dialog.id),
    });
    expect(g.nodes.find((n) => n.id === FLOW_DIALOG_PREFIX + 'old-dialog')).toMatchObject({
      status: 'removed',
      name: 'Old dialog',
    });
    expect(g.nodes.find((n) => n.id === 'gone-too')).toMatchObject({
      status: 'removed',
      dialogId: 'old-dialog',
    });
    expect(
      status(String(must(must(first, 'first').interactions[1], 'first!.interactions[1]').id)),
    ).toBe('unchanged');
  });
});
