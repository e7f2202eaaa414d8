// Reading content reads only the nodes on the paths an operation touches (through the process-wide
// node cache), and a node the cache still holds after gc swept it is written again when needed.
import { must, importCbExport } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from './content.js';
import { nodeCache } from './node-cache.js';
import { createTestApi, testDatabaseKinds, type TestApi } from './test-support/harness.js';

describe.each(testDatabaseKinds())('content store on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  it('a diff fetches the changed entities, not the whole bot, and equals the full-load diff', async () => {
    const imported = importCbExport(
      generateBotExport({ seed: 5, dialogs: 100, interactionsPerDialog: 20 }),
    );
    if (!imported.ok) throw new Error(imported.error.message);
    const { content } = imported.value;
    const writer = new ContentStore(api.database.db);
    const before = await writer.write(content);
    const d = must(content.dialogs[40], 'content.dialogs[40]');
    const after = await writer.edit(before, [
      {
        op: 'updateInteraction',
        dialogId: d.dialog.id as string,
        interaction: { ...must(d.interactions[7], 'd.interactions[7]'), name: 'changed' },
      },
    ]);

    const lazy = new ContentStore(api.database.db);
    const diff = await lazy.diff(before, after);
    expect(diff.summary.text).toBe('1 interaction changed.');
    expect(must(diff.changes[0], 'diff.changes[0]').fields).toEqual([
      {
        path: '/name',
        before: must(d.interactions[7], 'd.interactions[7]').name,
        after: 'changed',
      },
    ]);
    // 2,000 interactions: the lazy diff holds the changed paths and the two versions of one entity.
    expect(lazy.snap.store.size).toBeLessThan(40);

    // An edit reads the path to the interaction it changes, from the cache or the database alike.
    const e = must(content.dialogs[77], 'content.dialogs[77]');
    for (const cold of [true, false]) {
      if (cold) nodeCache.clear();
      const editor = new ContentStore(api.database.db);
      await editor.edit(after, [
        {
          op: 'updateInteraction',
          dialogId: e.dialog.id as string,
          interaction: { ...must(e.interactions[3], 'e.interactions[3]'), name: `again ${cold}` },
        },
      ]);
      expect(editor.snap.store.size).toBeLessThan(40);
    }

    const full = new ContentStore(api.database.db);
    await full.load(before, after);
    expect(full.snap.store.size).toBeGreaterThan(2000);
    expect(await full.diff(before, after)).toEqual(diff);
  });

  it('gc then an edit that recreates swept nodes (still in the process cache) stores them again', async () => {
    const editor = api.as('editor');
    const automations = editor.automations;
    const doc = generateBotExport({ seed: 11, dialogs: 30, interactionsPerDialog: 20 });
    const imported = await automations.import({ document: doc, name: 'gc then edit' });
    const { content, root } = await automations.content({ automation: imported.id });
    const d = must(content.dialogs[12], 'content.dialogs[12]');
    const original = must(d.interactions[4], 'd.interactions[4]');
    const edit = async (revision: number, name: string) =>
      editor.editing.updateInteraction({
        automation: imported.id,
        baseRevision: revision,
        dialogId: d.dialog.id as string,
        interaction: { ...original, name },
      });
    const first = await edit(imported.revision, 'changed');
    // Editing back reads the changed path (into the process cache) and leaves it unreachable.
    const back = await edit(first.revision, original.name as string);
    expect(back.contentHash).toBe(root);
    const swept = await api.as('admin').admin.gc();
    expect(swept.removed).toBeGreaterThan(0);
    // The same change again: its nodes are cached, but gone from the database.
    const again = await edit(back.revision, 'changed');
    expect(again.contentHash).toBe(first.contentHash);
    await editor.versions.save({ automation: imported.id, baseRevision: again.revision });
    expect(await api.as('admin').admin.verify()).toMatchObject({ ok: true, missing: [] });
    nodeCache.clear();
    const exported = await automations.content({ automation: imported.id });
    expect(
      must(
        must(exported.content.dialogs[12], 'exported dialog 12').interactions[4],
        'exported interaction',
      ).name,
    ).toBe('changed');
  });

  it('an edit of the root the last edit wrote reads its path from memory, not the database', async () => {
    const imported = importCbExport(
      generateBotExport({ seed: 6, dialogs: 30, interactionsPerDialog: 10 }),
    );
    if (!imported.ok) throw new Error(imported.error.message);
    const { content } = imported.value;
    const d = must(content.dialogs[9], 'content.dialogs[9]');
    const edit = (root: string, name: string) =>
      new ContentStore(api.database.db).edit(root, [
        {
          op: 'updateInteraction',
          dialogId: d.dialog.id as string,
          interaction: { ...must(d.interactions[2], 'd.interactions[2]'), name },
        },
      ]);
    let root = await new ContentStore(api.database.db).write(content);
    root = await edit(root, 'first');
    const misses = nodeCache.misses;
    root = await edit(root, 'second');
    expect(nodeCache.misses - misses).toBe(0);
    // What it wrote is stored all the same: read from the database alone, it is the edit.
    nodeCache.clear();
    const read = await new ContentStore(api.database.db).read(root);
    expect(must(must(read.dialogs[9], 'dialog').interactions[2], 'interaction').name).toBe(
      'second',
    );
  });
});
