// Reading content for a diff loads the trees' structure and only the entities that changed.
import { must, importCbExport } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from './content.js';
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
    // 2,000 interactions: the lazy diff holds the structure and the two versions of one entity.
    expect(lazy.snap.store.size).toBeLessThan(400);

    const full = new ContentStore(api.database.db);
    await full.load(before, after);
    expect(full.snap.store.size).toBeGreaterThan(2000);
    expect(await full.diff(before, after)).toEqual(diff);
  });
});
