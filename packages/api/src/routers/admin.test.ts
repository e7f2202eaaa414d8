import { must } from '@ferry/core';
import { SqlNodeStore, rawRows, schema } from '@ferry/db';
import { sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../security.js';
import {
  fixture,
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

interface Row {
  body: string;
  base: string | null;
}

describe.each(testDatabaseKinds())('admin on %s', (kind) => {
  let api: TestApi;
  /** Roots only a version and a release point at (the working copies moved on). */
  let versionRoot: string;
  let releaseRoot: string;
  let automations: string[];
  beforeAll(async () => {
    api = await createTestApi(kind);
    const editor = api.as('editor').automations;
    const a = await editor.import({ document: fixture('returns-desk.json') });
    const b = await editor.import({ document: fixture('order-tracker.json') });
    versionRoot = (await editor.export({ automation: a.id })).root;
    // Importing into a keeps its working copy (versionRoot) as version #1 "Before import".
    await editor.import({ document: fixture('loose-ends.json'), into: a.id });
    releaseRoot = (await editor.export({ automation: b.id })).root;
    await editor.import({ document: fixture('tile-showcase.json'), into: b.id });
    // Now unreachable: b's second working copy, edited away before any version held it.
    await api.as('editor').editing.addDialog({
      automation: b.id,
      baseRevision: (await editor.show({ automation: b.id })).revision,
      dialog: { name: 'Edited away' },
    });
    const db = api.database.db;
    await db.insert(schema.releases).values({
      id: uuidv7(),
      sourceId: b.id,
      targetId: a.id,
      version: '1.0.0',
      root: releaseRoot,
      createdBy: 'release-creator',
      status: 'pending',
    });
    automations = [a.id, b.id];
  });
  afterAll(() => api.close());

  const admin = () => api.as('admin').admin;
  const db = () => api.database.db;
  const nodeCount = async () =>
    must(
      (
        await db()
          .select({ n: sql<number>`count(*)::int` })
          .from(schema.nodes)
      )[0],
      'the count of stored nodes',
    ).n;
  /** A node's row as stored (body base64, base hex or null), to put it back after a test. */
  const storedRow = async (hash: string) => {
    const rows = await rawRows<Row>(
      db(),
      sql`select encode(body, 'base64') as body, encode(base, 'hex') as base from nodes
          where hash = decode(${hash}, 'hex')`,
    );
    return must(rows[0], `the stored node ${hash}`);
  };
  const exports = async () =>
    Promise.all(automations.map((id) => api.as('viewer').automations.export({ automation: id })));

  it('reads the default policy for every role, and an admin changes it field by field', async () => {
    expect(await api.as('viewer').admin.getPolicy()).toEqual({
      acceptorMustDifferFromCreator: false,
      keepAutomaticVersions: null,
      requiredApprovals: 0,
    });
    expect(await admin().setPolicy({ acceptorMustDifferFromCreator: true })).toEqual({
      acceptorMustDifferFromCreator: true,
      keepAutomaticVersions: null,
      requiredApprovals: 0,
    });
    expect(await admin().setPolicy({ keepAutomaticVersions: 10 })).toEqual({
      acceptorMustDifferFromCreator: true,
      keepAutomaticVersions: 10,
      requiredApprovals: 0,
    });
    expect(await api.as('release-acceptor').admin.getPolicy()).toEqual({
      acceptorMustDifferFromCreator: true,
      keepAutomaticVersions: 10,
      requiredApprovals: 0,
    });
    await admin().setPolicy({ keepAutomaticVersions: null, acceptorMustDifferFromCreator: false });
    const { entries } = await api.as('viewer').audit.list({ action: 'policy.set' });
    expect(entries).toHaveLength(3);
    expect(must(entries[0], 'the newest policy.set audit entry').details).toEqual({
      before: {
        acceptorMustDifferFromCreator: true,
        keepAutomaticVersions: 10,
        requiredApprovals: 0,
      },
      after: {
        acceptorMustDifferFromCreator: false,
        keepAutomaticVersions: null,
        requiredApprovals: 0,
      },
    });
  });

  it('refuses a bad policy with the field and changes nothing', async () => {
    const before = await admin().getPolicy();
    for (const value of [0, -1, 2.5, 100_001])
      expect(await failure(admin().setPolicy({ keepAutomaticVersions: value }))).toMatchObject({
        code: 'VALIDATION',
        path: 'keepAutomaticVersions',
      });
    expect(
      await failure(admin().setPolicy({ acceptorMustDifferFromCreator: 'yes' as never })),
    ).toMatchObject({ code: 'VALIDATION', path: 'acceptorMustDifferFromCreator' });
    expect(await failure(admin().setPolicy({}))).toMatchObject({ code: 'VALIDATION' });
    expect(await admin().getPolicy()).toEqual(before);
  });

  it('verify reports ok on a healthy store', async () => {
    const report = await admin().verify();
    expect(report).toEqual({
      nodes: await nodeCount(),
      corrupt: [],
      missing: [],
      roots: 4,
      damaged: [],
      damagedCount: 0,
      damagedByKind: { automation: 0, version: 0, release: 0, upgrade: 0 },
      ok: true,
    });
  });

  it('verify reports a node whose body was changed behind Ferry’s back', async () => {
    const root = (
      await api
        .as('viewer')
        .automations.export({ automation: must(automations[0], 'the first test automation') })
    ).root;
    const row = await storedRow(root);
    const text = must((await new SqlNodeStore(db()).getMany([root])).get(root), 'the root text');
    await db().execute(
      sql`update nodes set body = '\\x00'::bytea || convert_to(${text.replace('"', '"x')}, 'UTF8'), base = null
          where hash = decode(${root}, 'hex')`,
    );
    try {
      const report = await admin().verify();
      expect(report).toMatchObject({ corrupt: [root], ok: false, damagedCount: 1 });
      // The snapshot whose tree holds the corrupt node is damaged, named as a person knows it.
      expect(report.damaged).toEqual([
        {
          kind: 'automation',
          id: automations[0],
          root,
          // The corrupt root no longer reads as a tree here; a readable one says "contains".
          problem: expect.stringContaining(root),
          label: expect.stringMatching(/^the working copy of "/),
        },
      ]);
    } finally {
      await db().execute(
        sql`update nodes set body = decode(${row.body}, 'base64'), base = decode(${row.base}, 'hex')
            where hash = decode(${root}, 'hex')`,
      );
    }
    expect((await admin().verify()).ok).toBe(true);
  });

  it('verify reports a missing node and which pointers it breaks', async () => {
    const row = await storedRow(versionRoot);
    await new SqlNodeStore(db()).deleteMany([versionRoot]);
    try {
      const report = await admin().verify();
      expect(report).toMatchObject({ missing: [versionRoot], corrupt: [], ok: false });
      expect(report.damaged).toEqual([
        {
          kind: 'version',
          id: expect.any(String),
          root: versionRoot,
          problem: `node ${versionRoot} is missing`,
          label: expect.stringMatching(/^version #1 "Before import" of "/),
        },
      ]);
      expect(report.damagedCount).toBe(1);
      // gc refuses to guess what an incomplete store reaches.
      const before = await nodeCount();
      expect(await failure(admin().gc())).toMatchObject({ code: 'PRECONDITION_FAILED' });
      expect(await nodeCount()).toBe(before);
    } finally {
      await db().execute(
        sql`insert into nodes (hash, body, base) values (decode(${versionRoot}, 'hex'),
            decode(${row.body}, 'base64'), decode(${row.base}, 'hex'))`,
      );
    }
  });

  it('gc removes unreachable nodes and keeps everything a pointer reaches', async () => {
    const body = '{"garbage":"inserted by hand"}';
    const garbage = sha256(body);
    await new SqlNodeStore(db()).putMany(new Map([[garbage, body]]));
    const before = await exports();
    const count = await nodeCount();
    const result = await admin().gc();
    // The garbage, and of b's abandoned working copy what no kept node is a delta against.
    expect(result.removed).toBeGreaterThanOrEqual(1);
    expect(result.kept + result.removed).toBe(count);
    expect(await nodeCount()).toBe(result.kept);
    expect(await new SqlNodeStore(db()).hasMany([garbage])).toEqual(new Set());
    expect(await exports()).toEqual(before);
    const report = await admin().verify();
    expect(report).toMatchObject({ ok: true, nodes: result.kept, roots: 4 });
    expect(await new SqlNodeStore(db()).hasMany([versionRoot, releaseRoot])).toEqual(
      new Set([versionRoot, releaseRoot]),
    );
    expect(await admin().gc()).toEqual({ kept: result.kept, removed: 0 });
    const { entries } = await api.as('viewer').audit.list({ action: 'admin.gc' });
    expect(entries[1]).toMatchObject({ actor: 'admin', details: result });
  });

  it('verify counts every working copy, version and release whose tree contains a corrupt node, listing them', async () => {
    const editor = api.as('editor');
    const c = await editor.automations.import({ document: fixture('returns-desk.json') });
    const target = await editor.automations.create({ name: 'Shared-node target' });
    // Three versions with different roots, all sharing one settings entity, and a release of one.
    for (const n of [1, 2, 3]) {
      await editor.editing.addDialog({
        automation: c.id,
        baseRevision: (await editor.automations.show({ automation: c.id })).revision,
        dialog: { name: `Shared ${n}` },
      });
      await editor.versions.save({ automation: c.id, name: `shared ${n}` });
    }
    await api
      .as('release-creator')
      .releases.create({ source: c.id, target: target.id, version: '1.0.0' });
    const rootOf = async (hash: string) =>
      JSON.parse(must((await new SqlNodeStore(db()).getMany([hash])).get(hash), 'a root node')) as {
        settings: string;
      };
    const settings = (await rootOf((await editor.automations.export({ automation: c.id })).root))
      .settings;
    // The oracle: every pointer whose root node names this settings entity.
    const pointers = [
      ...(
        await db()
          .select({ id: schema.automations.id, root: schema.automations.root })
          .from(schema.automations)
      ).map((r) => ({ kind: 'automation', ...r })),
      ...(
        await db()
          .select({ id: schema.versions.id, root: schema.versions.root })
          .from(schema.versions)
      ).map((r) => ({ kind: 'version', ...r })),
      ...(
        await db()
          .select({ id: schema.releases.id, root: schema.releases.root })
          .from(schema.releases)
      ).map((r) => ({ kind: 'release', ...r })),
    ];
    const holding: typeof pointers = [];
    for (const p of pointers) if ((await rootOf(p.root)).settings === settings) holding.push(p);
    // c's working copy, its versions #1-#3 (and the target's release of it): at least 5.
    expect(holding.length).toBeGreaterThanOrEqual(5);
    const row = await storedRow(settings);
    const text = must((await new SqlNodeStore(db()).getMany([settings])).get(settings), 'settings');
    await db().execute(
      sql`update nodes set body = '\\x00'::bytea || convert_to(${text + ' '}, 'UTF8'), base = null
          where hash = decode(${settings}, 'hex')`,
    );
    try {
      const report = await admin().verify();
      expect(report).toMatchObject({ corrupt: [settings], missing: [], ok: false });
      expect(report.damagedCount).toBe(holding.length);
      expect(new Set(report.damaged.map((d) => `${d.kind} ${d.id}`))).toEqual(
        new Set(holding.map((p) => `${p.kind} ${p.id}`)),
      );
      for (const d of report.damaged)
        expect(d.problem).toBe(`contains the corrupt node ${settings}`);
      expect(report.damagedByKind.release).toBe(holding.filter((p) => p.kind === 'release').length);
      expect(report.damaged.map((d) => d.label)).toContain('release 1.0.0 to "Shared-node target"');
    } finally {
      await db().execute(
        sql`update nodes set body = decode(${row.body}, 'base64'), base = decode(${row.base}, 'hex')
            where hash = decode(${settings}, 'hex')`,
      );
    }
    expect((await admin().verify()).ok).toBe(true);
  });

  it('every admin procedure is FORBIDDEN for editors and viewers', async () => {
    for (const role of ['viewer', 'editor', 'release-creator', 'release-acceptor'] as const) {
      const a = api.as(role).admin;
      for (const call of [a.setPolicy({ keepAutomaticVersions: 3 }), a.verify(), a.gc()])
        expect(await failure(call)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await failure(api.as('anonymous').admin.getPolicy())).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect((await admin().getPolicy()).keepAutomaticVersions).toBeNull();
  });
});
