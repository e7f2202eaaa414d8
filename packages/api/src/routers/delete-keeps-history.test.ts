// Rule 15: deleting an automation keeps every release and upgrade another automation sent or
// received, named as the deleted automation was; the target's ledger, rollback and floor still work.
import { generateBotExport } from '@ferry/core/testing';
import { schema } from '@ferry/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

const bot = (seed: number) =>
  generateBotExport({ seed, dialogs: 2, interactionsPerDialog: 3, name: `Bot ${seed}` });

describe.each(testDatabaseKinds())('deleting an automation on %s', (kind) => {
  let api: TestApi;
  let n = 0;
  const unique = (label: string) => `${label} ${++n}`;

  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const editor = () => api.as('editor');
  const creator = () => api.as('release-creator');
  const acceptor = () => api.as('release-acceptor');
  const viewer = () => api.as('viewer');
  const admin = () => api.as('admin');

  const newBot = async (label: string, seed: number) =>
    editor().automations.import({ document: bot(seed), name: unique(label) });
  /** Release the source's working copy to the target and accept it (forced: generated bots use variables). */
  async function ship(source: string, target: string, version: string) {
    const release = await creator().releases.create({ source, target, version });
    await acceptor().releases.upgrade({ target, force: true });
    return release;
  }

  it('deleting the source of two accepted releases keeps the target’s ledger, rollback and semver floor', async () => {
    const dev = await newBot('Support (Dev)', 1);
    const prod = await newBot('Support (Prod)', 2);
    const first = await ship(dev.id, prod.id, '1.0.0');
    const devRoot1 = first.contentHash;
    await editor().editing.addDialog({
      automation: dev.id,
      baseRevision: (await viewer().automations.show({ automation: dev.id })).revision,
      dialog: { name: 'New in 1.1.0' },
    });
    const second = await ship(dev.id, prod.id, '1.1.0');

    expect(await admin().automations.delete({ automation: dev.id })).toMatchObject({
      deleted: true,
      releasesKept: 2,
      closedRelease: null,
    });

    const history = await viewer().releases.history({ automation: prod.id });
    expect(history.upgrades.map((u) => u.release)).toMatchObject([
      { id: second.id, version: '1.1.0', sourceName: dev.name, sourceDeleted: true },
      { id: first.id, version: '1.0.0', sourceName: dev.name, sourceDeleted: true },
    ]);
    expect(
      history.releases.map((r) => [r.version, r.status, r.sourceName, r.sourceDeleted]),
    ).toEqual([
      ['1.1.0', 'upgraded', dev.name, true],
      ['1.0.0', 'upgraded', dev.name, true],
    ]);
    expect(history).toMatchObject({ semverFloor: '1.1.0', runsRelease: { version: '1.1.0' } });

    // The floor holds against a release from any other source.
    const hotfix = await newBot('Hotfix', 3);
    expect(
      await failure(
        creator().releases.create({ source: hotfix.id, target: prod.id, version: '1.0.5' }),
      ),
    ).toMatchObject({ code: 'CONFLICT', path: 'version', details: { floor: '1.1.0' } });

    // gc keeps the deleted source's release content: the ledger still reaches it.
    await admin().admin.gc();
    expect((await admin().admin.verify()).ok).toBe(true);
    const shown = await viewer().releases.show({ release: first.id });
    expect(shown.release).toMatchObject({
      sourceName: dev.name,
      sourceDeleted: true,
      targetDeleted: false,
    });

    const rolledBack = await acceptor().releases.rollback({ target: prod.id });
    expect(rolledBack).toMatchObject({
      release: { id: second.id, status: 'rolled-back', sourceName: dev.name, sourceDeleted: true },
      runsRelease: { id: first.id, version: '1.0.0' },
    });
    expect((await viewer().automations.show({ automation: prod.id })).root).toBe(devRoot1);
    expect((await viewer().releases.history({ automation: prod.id })).semverFloor).toBe('1.0.0');
    await acceptor().releases.rollback({ target: prod.id });
    expect((await viewer().releases.history({ automation: prod.id })).semverFloor).toBeNull();

    const { entries } = await viewer().audit.list({ action: 'automation.delete' });
    expect(entries.find((e) => e.automationId === dev.id)?.details).toMatchObject({
      name: dev.name,
      releasesKept: 2,
    });
  });

  it('a pending release from a deleted source can still be upgraded or rejected by its target', async () => {
    const dev = await newBot('Dev', 4);
    const prod = await newBot('Prod', 5);
    const staging = await newBot('Staging', 6);
    const toProd = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '2.0.0',
    });
    const toStaging = await creator().releases.create({
      source: dev.id,
      target: staging.id,
      version: '2.0.0',
    });
    await admin().automations.delete({ automation: dev.id });

    const upgraded = await acceptor().releases.upgrade({ target: prod.id, force: true });
    expect(upgraded.release).toMatchObject({
      id: toProd.id,
      status: 'upgraded',
      sourceDeleted: true,
    });
    expect((await viewer().automations.show({ automation: prod.id })).root).toBe(
      toProd.contentHash,
    );
    const rejected = await acceptor().releases.reject({ target: staging.id, reason: 'orphaned' });
    expect(rejected).toMatchObject({ id: toStaging.id, status: 'rejected', sourceName: dev.name });
  });

  it('a deleted target’s pending release is closed as rejected, and its source keeps the history', async () => {
    const dev = await newBot('Dev', 7);
    const staging = await newBot('Staging', 8);
    const accepted = await ship(dev.id, staging.id, '1.0.0');
    const pending = await creator().releases.create({
      source: dev.id,
      target: staging.id,
      version: '1.1.0',
    });

    expect(await admin().automations.delete({ automation: staging.id })).toMatchObject({
      releasesKept: 2,
      closedRelease: { id: pending.id, version: '1.1.0' },
    });
    const history = await viewer().releases.history({ automation: dev.id });
    expect(
      history.releases.map((r) => [r.id, r.status, r.role, r.targetName, r.targetDeleted]),
    ).toEqual([
      [pending.id, 'rejected', 'source', staging.name, true],
      [accepted.id, 'upgraded', 'source', staging.name, true],
    ]);
    expect(history.releases[0]).toMatchObject({
      decidedBy: 'admin',
      rejectReason: `"${staging.name}" was deleted.`,
    });
    expect(await viewer().releases.list({ pending: true })).not.toContainEqual(
      expect.objectContaining({ id: pending.id }),
    );
    expect(await failure(viewer().releases.show({ release: pending.id }))).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`"${staging.name}", which has been deleted`),
    });
    // The deleted target's own ledger rows stay (append-only), pointing at the kept release.
    const ledger = await api.database.db
      .select()
      .from(schema.upgrades)
      .where(eq(schema.upgrades.targetId, staging.id));
    expect(ledger.map((u) => u.releaseId)).toEqual([accepted.id]);

    const [pipeline] = (await viewer().releases.pipelines()).filter((p) =>
      p.automations.some((a) => a.id === dev.id),
    );
    expect(pipeline).toMatchObject({
      label: `${dev.name} → ${staging.name} (deleted)`,
      automations: [
        { id: dev.id, name: dev.name, deleted: false },
        {
          id: staging.id,
          name: staging.name,
          deleted: true,
          revision: null,
          runsRelease: { version: '1.0.0' },
        },
      ],
      edges: [{ sourceName: dev.name, targetName: staging.name, targetDeleted: true, releases: 2 }],
    });
  });
});
