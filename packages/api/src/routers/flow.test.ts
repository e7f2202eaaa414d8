// The flow view's reads: the overview of dialogs and their links, one dialog's graph with the
// dialogs around it, a search of names, and the same over a comparison with the changes marked —
// computed once per dialog node hash, so that an edit reads only the dialog it changed.
import {
  FLOW_DIALOG_PREFIX,
  dialogFlowPart,
  flowIndex,
  flowOverview,
  must,
  type BotContent,
} from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowCacheStats } from '../flow.js';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

const overviewOf = (content: BotContent) =>
  flowOverview(flowIndex(content.dialogs.map((d) => dialogFlowPart(d.dialog, d.interactions))));

describe.each(testDatabaseKinds())('flow reads on %s', (kind) => {
  let api: TestApi;
  let automation: string;
  let content: BotContent;
  let revision: number;
  beforeAll(async () => {
    api = await createTestApi(kind);
    const doc = generateBotExport({
      seed: 31,
      dialogs: 80,
      interactionsPerDialog: 4,
      dialogLinks: 0.5,
    });
    const imported = await api.as('editor').automations.import({ document: doc, name: 'Linked' });
    automation = imported.id;
    revision = imported.revision;
    ({ content } = await api.as('viewer').automations.content({ automation }));
    await api.as('editor').versions.save({ automation, name: 'Imported' });
  });
  afterAll(() => api.close());

  const dialogAt = (n: number) => must(content.dialogs[n], `dialog ${n}`);
  const idOf = (n: number) => String(dialogAt(n).dialog.id);

  it('answers the overview: a node per dialog, an edge where one links into another', async () => {
    const overview = await api.as('viewer').flow.overview({ automation });
    const expected = overviewOf(content);
    expect(overview.nodes).toEqual(expected.nodes);
    expect(overview.edges).toEqual(expected.edges);
    expect(overview.edges.length).toBeGreaterThan(20);
    expect(overview).toMatchObject({ id: automation, diff: null, changed: [] });
  });

  it('keeps each dialog by its content hash: after an edit only the edited dialog is read', async () => {
    await api.as('viewer').flow.overview({ automation });
    const before = flowCacheStats();
    const first = dialogAt(5);
    // Named for the database: the process's cache outlives one suite, and content is content.
    const edited = {
      ...must(first.interactions[1], 'an interaction'),
      name: `renamed here ${kind}`,
    };
    const saved = await api.as('editor').editing.updateInteraction({
      automation,
      baseRevision: revision,
      dialogId: idOf(5),
      interaction: edited,
    });
    revision = saved.revision;
    const overview = await api.as('viewer').flow.overview({ automation });
    expect(flowCacheStats().parts).toBe(before.parts + 1);
    expect(overview.nodes).toHaveLength(80);
    // The same content asked for again is one view, not a new one.
    const views = flowCacheStats().views;
    await api.as('viewer').flow.overview({ automation });
    expect(flowCacheStats().views).toBe(views);
  });

  it('answers one dialog with its interactions, links and the dialogs around it', async () => {
    // A dialog others jump into, which jumps on itself.
    const overview = await api.as('viewer').flow.overview({ automation });
    const target = must(
      overview.nodes.find(
        (n) =>
          overview.edges.some((e) => e.target === n.id) &&
          overview.edges.some((e) => e.source === n.id),
      ),
      'a dialog linked both ways',
    );
    const dialogId = target.id.slice(FLOW_DIALOG_PREFIX.length);
    const graph = await api.as('viewer').flow.dialog({ automation, dialogId });
    const inside = graph.nodes.filter((n) => !n.external);
    expect(inside.map((n) => n.id)).toEqual([
      target.id,
      ...must(
        content.dialogs.find((d) => d.dialog.id === dialogId),
        'the dialog',
      ).interactions.map((i) => String(i.id)),
    ]);
    const around = new Set(graph.nodes.filter((n) => n.external).map((n) => n.id));
    const linked = overview.edges
      .filter((e) => e.source === target.id || e.target === target.id)
      .map((e) => (e.source === target.id ? e.target : e.source));
    expect(around).toEqual(new Set(linked));
    expect(graph.marked).toEqual([]);

    const missing = await failure(
      api.as('viewer').flow.dialog({ automation, dialogId: 'no-such-dialog' }),
    );
    expect(missing).toMatchObject({ code: 'NOT_FOUND', path: 'dialogId' });
  });

  it('finds dialogs and interactions by name, in order, up to the limit', async () => {
    const viewer = api.as('viewer').flow;
    const found = await viewer.search({ automation, query: 'RENAMED HERE' });
    expect(found).toMatchObject({ total: 1 });
    expect(found.matches).toEqual([
      {
        node: String(must(dialogAt(5).interactions[1], 'renamed').id),
        dialogId: idOf(5),
        dialogName: String(dialogAt(5).dialog.name),
        interactionName: `renamed here ${kind}`,
      },
    ]);
    // Dialog names ("007 - …") and interaction names ("text_7_2") hold "7": dialogs first in place.
    const sevens = await viewer.search({ automation, query: '07 -', limit: 2 });
    expect(sevens.total).toBe(1);
    expect(sevens.matches[0]).toMatchObject({
      node: FLOW_DIALOG_PREFIX + idOf(7),
      interactionName: null,
    });
    const many = await viewer.search({ automation, query: '_1', limit: 5 });
    expect(many.matches).toHaveLength(5);
    expect(many.total).toBeGreaterThan(5);

    const blank = await failure(viewer.search({ automation, query: '   ' }));
    expect(blank).toMatchObject({ code: 'VALIDATION', path: 'query' });
  });

  it('marks the changes of a comparison: dialogs in the overview, nodes in a dialog', async () => {
    const editor = api.as('editor');
    // Version #1 is the import; since then dialog 5 has a renamed interaction. Now dialog 9 goes.
    const removed = await editor.editing.deleteDialog({
      automation,
      baseRevision: revision,
      dialogId: idOf(9),
    });
    revision = removed.revision;
    const viewer = api.as('viewer').flow;
    const overview = await viewer.overview({ automation, from: 1 });
    expect(overview.diff).toMatchObject({
      from: { label: '#1 Imported' },
      to: { label: `working copy (revision ${revision})` },
    });
    expect(overview.changed).toEqual([FLOW_DIALOG_PREFIX + idOf(5), FLOW_DIALOG_PREFIX + idOf(9)]);
    // The removed dialog is back, from the "before" side, marked; the changed one counts its nodes.
    expect(overview.nodes.at(-1)).toMatchObject({
      id: FLOW_DIALOG_PREFIX + idOf(9),
      status: 'removed',
      changes: 5,
    });
    expect(overview.nodes.find((n) => n.id === FLOW_DIALOG_PREFIX + idOf(5))).toMatchObject({
      status: 'changed',
      changes: 1,
    });

    const five = await viewer.dialog({ automation, from: 1, dialogId: idOf(5) });
    expect(five.marked).toEqual([String(must(dialogAt(5).interactions[1], 'renamed').id)]);
    const nine = await viewer.dialog({ automation, from: '#1', dialogId: idOf(9) });
    expect(nine.marked).toHaveLength(5);
    expect(nine.nodes.filter((n) => !n.external).every((n) => n.status === 'removed')).toBe(true);
    // Without the comparison the removed dialog is not there.
    expect(await failure(viewer.dialog({ automation, dialogId: idOf(9) }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    // Version #1 alone: nothing marked, dialog 9 present.
    const v1 = await viewer.overview({ automation, version: 1 });
    expect(v1.changed).toEqual([]);
    expect(v1.nodes).toHaveLength(80);
  });

  it('refuses a version and a comparison at once, and names a missing version', async () => {
    const viewer = api.as('viewer').flow;
    expect(await failure(viewer.overview({ automation, version: 1, from: 1 }))).toMatchObject({
      code: 'VALIDATION',
      path: 'version',
    });
    expect(await failure(viewer.overview({ automation, from: 1, to: 42 }))).toMatchObject({
      code: 'NOT_FOUND',
      path: 'to',
    });
    expect(await failure(viewer.search({ automation, version: 9, query: 'x' }))).toMatchObject({
      code: 'NOT_FOUND',
      path: 'version',
    });
  });
});
