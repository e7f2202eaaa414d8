// The paged and per-dialog reads the automation page is built on: a page of dialogs (heading and
// interaction count) or the dialogs a search finds, and one dialog's subtree — each reading only
// the nodes it needs, at any bot size.
import { must, readableDialog, readableInteraction, type BotContent } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../content.js';
import { dialogPage, readDialogSubtree } from '../content-tree.js';
import { nodeCache } from '../node-cache.js';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

describe.each(testDatabaseKinds())('dialog reads on %s', (kind) => {
  let api: TestApi;
  let automation: string;
  let content: BotContent;
  let root: string;
  beforeAll(async () => {
    api = await createTestApi(kind);
    const doc = generateBotExport({ seed: 21, dialogs: 120, interactionsPerDialog: 15 });
    const imported = await api.as('editor').automations.import({ document: doc, name: 'Big' });
    automation = imported.id;
    ({ content, root } = await api.as('viewer').automations.content({ automation }));
  });
  afterAll(() => api.close());

  const dialogAt = (n: number) => must(content.dialogs[n], `dialog ${n}`);

  it('pages the dialogs with their names, kinds and interaction counts', async () => {
    const page = await api.as('viewer').automations.dialogs({ automation, offset: 40, limit: 10 });
    expect(page).toMatchObject({ total: 120, matching: 120, offset: 40, limit: 10, root });
    expect(page.dialogs).toEqual(
      content.dialogs.slice(40, 50).map((d, n) => ({
        ...readableDialog(d.dialog),
        position: 40 + n,
        interactions: d.interactions.length,
      })),
    );
    const last = await api.as('viewer').automations.dialogs({ automation, offset: 115 });
    expect(last.dialogs.map((d) => d.position)).toEqual([115, 116, 117, 118, 119]);
  });

  it('reads a page of dialogs and one dialog from a cold cache without loading the bot', async () => {
    nodeCache.clear();
    const paging = new ContentStore(api.database.db);
    await dialogPage(api.database.db, paging.snap, root, { offset: 60, limit: 10 });
    // 1,800 interactions in 120 dialogs: the dialog list, 10 dialog nodes, lists and entities.
    expect(paging.snap.store.size).toBeLessThan(50);

    nodeCache.clear();
    const one = new ContentStore(api.database.db);
    const d = dialogAt(77);
    const read = await readDialogSubtree(api.database.db, one.snap, root, String(d.dialog.id));
    expect(read).toEqual({ dialog: d.dialog, interactions: d.interactions });
    expect(one.snap.store.size).toBeLessThan(40);
  });

  it('answers one dialog with its interactions as CB stores them, and names an unknown one', async () => {
    const d = dialogAt(3);
    const read = await api
      .as('viewer')
      .automations.dialog({ automation, dialogId: String(d.dialog.id) });
    expect(read).toMatchObject({ root, dialog: d.dialog, interactions: d.interactions });
    const error = await failure(
      api.as('viewer').automations.dialog({ automation, dialogId: 'no-such-dialog' }),
    );
    expect(error).toMatchObject({ code: 'NOT_FOUND', path: 'dialogId' });
  });

  it('finds dialogs by dialog name, interaction name or text, paged, and only where asked', async () => {
    const viewer = api.as('viewer').automations;
    // A dialog name: found by "dialog" and "all", not by interaction names or texts.
    const named = readableDialog(dialogAt(9).dialog).name;
    const byDialog = await viewer.dialogs({
      automation,
      search: named.toUpperCase(),
      in: 'dialog',
    });
    expect(byDialog.dialogs.map((d) => d.name)).toContain(named);
    expect(byDialog.dialogs.every((d) => d.name.toLowerCase().includes(named.toLowerCase()))).toBe(
      true,
    );

    // One interaction renamed to something unique: found by its name, not by text.
    const d = dialogAt(55);
    const target = must(d.interactions[4], 'interaction 4');
    const edited = await api.as('editor').editing.updateInteraction({
      automation,
      baseRevision: (await viewer.show({ automation })).revision,
      dialogId: String(d.dialog.id),
      interaction: { ...target, name: 'Zebra crossing' },
    });
    const found = await viewer.dialogs({ automation, search: 'zebra', in: 'interaction' });
    expect(found).toMatchObject({ total: 120, matching: 1, revision: edited.revision });
    expect(found.dialogs).toEqual([
      expect.objectContaining({ id: String(d.dialog.id), position: 55, matches: 1 }),
    ]);
    expect((await viewer.dialogs({ automation, search: 'zebra', in: 'text' })).matching).toBe(0);
    expect((await viewer.dialogs({ automation, search: 'zebra', in: 'dialog' })).matching).toBe(0);

    // A text: every dialog holding it, counted per dialog, paged over the matches.
    const text = must(
      content.dialogs
        .flatMap((x) => x.interactions.map((i) => readableInteraction(i)))
        .flatMap((i) => i.texts)[0],
      'a text',
    );
    const word = must(text.split(' ')[0], 'a word');
    const expected = content.dialogs.filter((x) =>
      x.interactions.some((i) => {
        const r = readableInteraction(i);
        return [...r.texts, ...r.buttons].some((t) => t.toLowerCase().includes(word.toLowerCase()));
      }),
    );
    const all = await viewer.dialogs({ automation, search: word, in: 'text', limit: 500 });
    expect(all.matching).toBe(expected.length);
    expect(all.dialogs.map((x) => x.id)).toEqual(expected.map((x) => String(x.dialog.id)));
    const second = await viewer.dialogs({
      automation,
      search: word,
      in: 'text',
      offset: 5,
      limit: 5,
    });
    expect(second.dialogs).toEqual(all.dialogs.slice(5, 10));
  });

  it('refuses a bad page with the field named', async () => {
    const viewer = api.as('viewer').automations;
    expect(await failure(viewer.dialogs({ automation, limit: 0 }))).toMatchObject({
      code: 'VALIDATION',
      path: 'limit',
    });
    expect(await failure(viewer.dialogs({ automation, offset: -1 }))).toMatchObject({
      code: 'VALIDATION',
      path: 'offset',
    });
  });
});
