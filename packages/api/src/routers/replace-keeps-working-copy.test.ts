// Rule 15 across every operation that replaces a working copy (restore, import into, upgrade,
// rollback): an unsaved edit made just before is kept in a version, restorable, and survives gc.
import { gzipSync } from 'node:zlib';
import { must } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../security.js';
import { createTestApi, testDatabaseKinds, type TestApi } from '../test-support/harness.js';

const bot = (seed: number) =>
  generateBotExport({ seed, dialogs: 2, interactionsPerDialog: 3, name: `Bot ${seed}` });

describe.each(testDatabaseKinds())('replacing a working copy on %s', (kind) => {
  let api: TestApi;
  let n = 0;
  const unique = (label: string) => `${label} ${++n}`;

  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const editor = () => api.as('editor');
  const viewer = () => api.as('viewer');

  /** An unsaved edit of the working copy: returns its root and content, which no version holds. */
  async function unsavedEdit(automation: string) {
    const { revision } = await viewer().automations.show({ automation });
    const edited = await editor().editing.addDialog({
      automation,
      baseRevision: revision,
      dialog: { name: unique('Unsaved dialog') },
    });
    const held = (await viewer().versions.list({ automation })).filter(
      (v) => v.contentHash === edited.contentHash,
    );
    expect(held).toEqual([]);
    return viewer().automations.content({ automation });
  }

  it('every content-replacing operation keeps the unsaved working copy in a version that restores it, and gc keeps it', async () => {
    const dev = await editor().automations.import({ document: bot(1), name: unique('Dev') });
    const prod = await editor().automations.import({ document: bot(2), name: unique('Prod') });
    await editor().versions.save({ automation: prod.id, name: 'first' });
    await api.as('release-creator').releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.0.0',
    });

    const operations: [string, () => Promise<unknown>][] = [
      ['restore', () => editor().versions.restore({ automation: prod.id, version: 'first' })],
      ['import into', () => editor().automations.import({ document: bot(3), into: prod.id })],
      [
        'upgrade',
        // The generated bot uses variables Prod's environment does not define: forced.
        () => api.as('release-acceptor').releases.upgrade({ target: prod.id, force: true }),
      ],
      ['rollback', () => api.as('release-acceptor').releases.rollback({ target: prod.id })],
    ];
    const kept: { operation: string; root: string; content: unknown }[] = [];
    for (const [operation, run] of operations) {
      const before = await unsavedEdit(prod.id);
      await run();
      const after = await viewer().automations.content({ automation: prod.id });
      expect(after.root, operation).not.toBe(before.root);
      const backups = (await viewer().versions.list({ automation: prod.id })).filter(
        (v) => v.contentHash === before.root,
      );
      expect(backups, operation).toHaveLength(1);
      expect(must(backups[0], `the backup ${operation} kept`).automatic, operation).toBe(true);
      kept.push({ operation, root: before.root, content: before.content });
    }

    // Garbage the gc must take (the replaced copies' nodes may stay as delta bases of kept ones): a
    // node uploaded for a sync that was never committed.
    const stray = JSON.stringify({ stray: 'never committed' });
    await editor().sync.upload({
      hashes: [sha256(stray)],
      data: gzipSync(stray).toString('base64'),
    });
    const { removed } = await api.as('admin').admin.gc();
    expect(removed).toBeGreaterThan(0); // the gc ran and had garbage to take; none of it ours
    expect((await api.as('admin').admin.verify()).ok).toBe(true);
    for (const { operation, root, content } of kept) {
      const [found] = (await viewer().versions.list({ automation: prod.id })).filter(
        (v) => v.contentHash === root,
      );
      const backup = must(found, `the backup ${operation} kept, after gc`);
      expect(
        (await viewer().automations.content({ automation: prod.id, version: backup.id })).content,
        operation,
      ).toEqual(content);
      const { revision } = await viewer().automations.show({ automation: prod.id });
      await editor().versions.restore({
        automation: prod.id,
        version: backup.id,
        baseRevision: revision,
      });
      const restored = await viewer().automations.content({ automation: prod.id });
      expect(restored.root, operation).toBe(root);
      expect(restored.content, operation).toEqual(content);
    }
  });

  it('import A into X, then B into X: A is kept as version #N "Before import" and restores', async () => {
    const x = await editor().automations.create({ name: unique('X') });
    const a = await editor().automations.import({ document: bot(4), into: x.id });
    // X's empty working copy was in no version: it is kept too.
    expect(a.backup).toMatchObject({ number: 1, name: 'Before import', kind: 'before-import' });
    const aRoot = (await viewer().automations.show({ automation: x.id })).root;
    const b = await editor().automations.import({
      document: bot(5),
      into: x.id,
      baseRevision: a.revision,
    });
    expect(b).toMatchObject({
      revision: a.revision + 1,
      backup: { number: 2, name: 'Before import', automatic: true, contentHash: aRoot },
    });
    await api.as('admin').admin.gc();
    await editor().versions.restore({ automation: x.id, version: '#2' });
    expect((await viewer().automations.show({ automation: x.id })).root).toBe(aRoot);
    const { entries } = await viewer().audit.list({
      automation: x.id,
      action: 'automation.import',
    });
    expect(must(entries[0], 'the newest automation.import audit entry').details).toMatchObject({
      into: true,
      backupNumber: 2,
    });
  });

  it('import into keeps nothing when a saved version already holds the working copy', async () => {
    const x = await editor().automations.import({ document: bot(6), name: unique('X') });
    await editor().versions.save({ automation: x.id, name: 'saved' });
    const imported = await editor().automations.import({ document: bot(7), into: x.id });
    expect(imported.backup).toBeNull();
    expect((await viewer().versions.list({ automation: x.id })).map((v) => v.name)).toEqual([
      'saved',
    ]);
  });

  it('import into a stale revision is a conflict and keeps no backup', async () => {
    const x = await editor().automations.import({ document: bot(8), name: unique('X') });
    const edited = await unsavedEdit(x.id);
    await expect(
      editor().automations.import({ document: bot(9), into: x.id, baseRevision: x.revision }),
    ).rejects.toMatchObject({ ferryCode: 'CONFLICT' });
    expect(await viewer().versions.list({ automation: x.id })).toEqual([]);
    expect((await viewer().automations.show({ automation: x.id })).root).toBe(edited.root);
  });
});
