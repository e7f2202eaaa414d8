import { must } from '@ferry/core';
import { schema } from '@ferry/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

describe.each(testDatabaseKinds())('audit log on %s', (kind) => {
  let api: TestApi;
  let alpha: { id: string };
  let beta: { id: string };
  beforeAll(async () => {
    api = await createTestApi(kind);
    alpha = await api.as('editor').automations.create({ name: 'Alpha' });
    beta = await api.as('release-creator').automations.create({ name: 'Beta' });
    for (let i = 1; i <= 5; i++)
      await api
        .as('editor')
        .automations.rename({ automation: alpha.id, name: i % 2 ? 'Alpha2' : 'Alpha' });
    await api.as('admin').environments.create({ name: 'Env' });
  });
  afterAll(() => api.close());

  const audit = () => api.as('viewer').audit;

  it('lists entries newest first with who, what, which automation and its current name', async () => {
    const { entries, nextCursor } = await audit().list();
    expect(nextCursor).toBeNull();
    expect(entries.map((e) => e.action)).toEqual([
      'environment.create',
      ...Array(5).fill('automation.rename'),
      'automation.create',
      'automation.create',
    ]);
    const seqs = entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(entries.at(-1)).toEqual({
      seq: expect.any(Number),
      at: expect.any(String),
      actor: 'editor',
      action: 'automation.create',
      automationId: alpha.id,
      automationName: 'Alpha2',
      versionId: null,
      releaseId: null,
      before: null,
      after: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: { name: 'Alpha' },
      requestId: expect.any(String),
    });
    expect(entries[0]).toMatchObject({ automationId: null, automationName: null, actor: 'admin' });
  });

  it('filters by automation (id or current name), actor and action (exact or prefix*)', async () => {
    const byId = await audit().list({ automation: alpha.id });
    expect(byId.entries).toHaveLength(6);
    expect(byId.entries.every((e) => e.automationId === alpha.id)).toBe(true);
    expect((await audit().list({ automation: 'Alpha2' })).entries).toEqual(byId.entries);
    expect((await audit().list({ automation: 'Beta' })).entries.map((e) => e.actor)).toEqual([
      'release-creator',
    ]);
    expect((await audit().list({ actor: 'release-creator' })).entries).toHaveLength(1);
    expect((await audit().list({ action: 'automation.rename' })).entries).toHaveLength(5);
    expect((await audit().list({ action: 'automation.*' })).entries).toHaveLength(7);
    expect((await audit().list({ action: 'automation.' })).entries).toHaveLength(0);
    expect(
      (await audit().list({ automation: beta.id, action: 'automation.rename' })).entries,
    ).toEqual([]);
    expect((await audit().list({ automation: 'never existed' })).entries).toEqual([]);
  });

  it('pages with nextCursor through every entry exactly once', async () => {
    const all = (await audit().list({ limit: 500 })).entries.map((e) => e.seq);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await audit().list({ limit: 3, ...(cursor && { cursor }) });
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
    const filtered = await audit().list({ automation: alpha.id, limit: 4 });
    expect(filtered.entries).toHaveLength(4);
    const rest = await audit().list({
      automation: alpha.id,
      limit: 4,
      cursor: must(filtered.nextCursor, 'the cursor of the second filtered page'),
    });
    expect(rest.entries).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
  });

  it('filters by time: since and until are inclusive, a date alone means that whole day', async () => {
    const { entries } = await audit().list();
    const middle = must(entries[3], 'the fourth-newest audit entry');
    const since = await audit().list({ since: middle.at });
    expect(since.entries.map((e) => e.seq)).toEqual(
      entries.filter((e) => e.at >= middle.at).map((e) => e.seq),
    );
    const until = await audit().list({ until: middle.at });
    expect(until.entries.map((e) => e.seq)).toEqual(
      entries.filter((e) => e.at <= middle.at).map((e) => e.seq),
    );
    const firstDay = must(entries.at(-1), 'the oldest audit entry').at.slice(0, 10);
    const lastDay = must(entries[0], 'the newest audit entry').at.slice(0, 10);
    expect((await audit().list({ since: firstDay, until: lastDay })).entries).toHaveLength(
      entries.length,
    );
    expect((await audit().list({ until: '2000-01-01' })).entries).toEqual([]);
    expect((await audit().list({ since: '2999-01-01T00:00:00+02:00' })).entries).toEqual([]);
  });

  it('keeps the entries of a deleted automation, by id and without a name', async () => {
    const gone = await api.as('editor').automations.create({ name: 'Short-lived' });
    await api.as('admin').automations.delete({ automation: gone.id });
    const { entries } = await audit().list({ automation: gone.id });
    expect(entries.map((e) => [e.action, e.automationName])).toEqual([
      ['automation.delete', null],
      ['automation.create', null],
    ]);
  });

  it('bad input is VALIDATION with the field; anonymous callers are UNAUTHORIZED', async () => {
    for (const [input, path] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 501 }, 'limit'],
      [{ limit: 2.5 }, 'limit'],
      [{ cursor: 'abc' }, 'cursor'],
      [{ cursor: '0' }, 'cursor'],
      [{ since: 'yesterday' }, 'since'],
      [{ until: '2024-13-45' }, 'until'],
    ] as const)
      expect(await failure(audit().list(input as never)), JSON.stringify(input)).toMatchObject({
        code: 'VALIDATION',
        path,
      });
    expect(await failure(api.as('anonymous').audit.list())).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    // Reading the trail writes nothing to it.
    const before = (await api.database.db.select().from(schema.auditLog)).length;
    await audit().list();
    expect((await api.database.db.select().from(schema.auditLog)).length).toBe(before);
  });

  it('says what the ids of a page name now: versions, releases and automations', async () => {
    const source = await api.as('editor').automations.create({ name: 'Refs source' });
    const target = await api.as('editor').automations.create({ name: 'Refs target' });
    const saved = await api.as('editor').versions.save({ automation: source.id, name: 'First' });
    const shown = await api.as('viewer').automations.show({ automation: source.id });
    await api
      .as('editor')
      .versions.restore({ automation: source.id, version: 1, baseRevision: shown.revision });
    const release = await api.as('release-creator').releases.create({
      source: source.id,
      target: target.id,
      version: '1.0.0',
    });
    const page = await audit().list({ limit: 3 });
    const restored = must(
      page.entries.find((e) => e.action === 'version.restore'),
      'the restore entry',
    );
    const backup = (restored.details as { backupVersionId: string }).backupVersionId;
    expect(page.refs.versions[backup]).toEqual({
      automationId: source.id,
      number: 2,
      name: expect.stringContaining('Before restore of #1'),
    });
    const created = must(
      page.entries.find((e) => e.action === 'release.create'),
      'the release entry',
    );
    expect(created.releaseId).toBe(release.id);
    expect(page.refs.releases[release.id]).toEqual({
      version: '1.0.0',
      targetId: target.id,
      targetName: 'Refs target',
    });
    expect(page.refs.automations[source.id]).toBe('Refs source');
    expect(saved.number).toBe(1);
    // Something deleted since is left out: the page shows the id as gone, not a stale name.
    await api.as('admin').automations.delete({ automation: source.id });
    const after = await audit().list({ limit: 4 });
    expect(after.refs.versions[backup]).toBeUndefined();
    expect(after.refs.automations[source.id]).toBeUndefined();
  });
});
