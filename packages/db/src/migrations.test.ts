// Upgrading an existing database: migration 0002 keeps the releases and upgrades it finds, and
// from then on deleting an automation no longer takes another automation's history with it;
// migration 0004 turns hex-keyed text nodes into byte-keyed ones that read back the same; 0005
// makes names unique ignoring case without losing any (renamed, and audited).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MemoryNodeStore, createSnapshotter, hydrate, importCbExport, must } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import { rawRows } from './raw-rows.js';
import { SqlNodeStore } from './node-store.js';
import { auditLog, automations, contentEnv, releases, upgrades, versions } from './schema.js';
import { pgliteTemplate } from './test-db.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const BEFORE_0002 = ['0000_init', '0001_content_env'];
const BEFORE_0004 = [...BEFORE_0002, '0002_history_outlives_deletion', '0003_sign_in_throttle'];

/** A database as a Ferry release before `tags` left it: those migrations applied, nothing else. */
async function databaseAt(tags: readonly string[]): Promise<Database> {
  const database = await openDatabase({
    dataDir: null,
    migrate: false,
    template: (await pgliteTemplate()).tarball,
  });
  await database.db.execute(
    sql`create table ferry_migrations (tag text primary key, applied_at timestamptz not null default now())`,
  );
  for (const tag of tags) {
    const text = readFileSync(new URL(`../drizzle/${tag}.sql`, import.meta.url), 'utf8');
    for (const statement of text.split('--> statement-breakpoint'))
      if (statement.trim() !== '') await database.db.execute(sql.raw(statement));
    await database.db.execute(sql`insert into ferry_migrations (tag) values (${tag})`);
  }
  return database;
}

describe('migration 0002 (history outlives deletion)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await databaseAt(BEFORE_0002);
  });
  afterAll(() => database.close());

  it('keeps existing releases and upgrades, and a later delete of their source keeps them too', async () => {
    const { db } = database;
    // Raw SQL: these are the tables as 0001 left them (no name columns yet).
    await db.execute(sql`insert into automations (id, name, root) values
      ('dev', 'Support (Dev)', 'root-dev'), ('prod', 'Support (Prod)', 'root-prod')`);
    await db.execute(sql`insert into releases (id, source_id, target_id, version, root, created_by, status)
      values ('r1', 'dev', 'prod', '1.0.0', 'root-dev', 'alice', 'upgraded')`);
    await db.execute(sql`insert into upgrades (id, target_id, release_id, release_version,
      backup_version_id, result_version_id, root, "by", "at")
      values ('u1', 'prod', 'r1', '1.0.0', 'v1', 'v2', 'root-dev', 'bob', now())`);

    // Later migrations apply after it; 0002 comes first.
    expect((await migrate(db))[0]).toBe('0002_history_outlives_deletion');
    expect(await db.select().from(releases)).toMatchObject([
      { id: 'r1', sourceId: 'dev', targetId: 'prod', status: 'upgraded', sourceName: null },
    ]);
    expect(await db.select().from(upgrades)).toMatchObject([{ id: 'u1', targetId: 'prod' }]);

    await db.delete(automations).where(eq(automations.id, 'dev'));
    expect(await db.select({ id: releases.id }).from(releases)).toEqual([{ id: 'r1' }]);
    expect(await db.select({ id: upgrades.id }).from(upgrades)).toEqual([{ id: 'u1' }]);
  });
});

describe('migration 0004 (node hashes as bytes, compressed bodies)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await databaseAt(BEFORE_0004);
  });
  afterAll(() => database.close());

  it('converts the hex-keyed text rows, reads every snapshot back the same, and writes compressed', async () => {
    const { db } = database;
    const imported = importCbExport(
      generateBotExport({ seed: 4, dialogs: 12, interactionsPerDialog: 10 }),
    );
    if (!imported.ok) throw new Error(imported.error.message);
    const { content } = imported.value;
    const snap = createSnapshotter(sha256);
    const root = snap.write(content);
    const written = snap.store.takeWritten();
    // The rows as 0003 stored them: hex text keys, canonical JSON text bodies.
    const rows = [...written].map(([hash, body]) => sql`(${hash}, ${body})`);
    for (let i = 0; i < rows.length; i += 200)
      await db.execute(
        sql`insert into nodes (hash, body) values ${sql.join(rows.slice(i, i + 200), sql`, `)}`,
      );

    await db.execute(
      sql`insert into content_env (root, names) values (${root}, ${JSON.stringify({ BRAND: 2 })}::jsonb)`,
    );

    await db.execute(sql`insert into automations (id, name, root) values ('a1', 'Bot', ${root})`);
    await db.execute(sql`insert into versions (id, automation_id, number, name, author, root, automatic, kind)
      values ('v1', 'a1', 1, 'first', 'alice', ${root}, false, 'manual')`);
    await db.execute(sql`insert into audit_log ("at", actor, action, automation_id, before, after)
      values (now(), 'alice', 'automation.import', 'a1', null, ${root})`);

    expect(await migrate(db, { through: '0004_node_bytes' })).toEqual(['0004_node_bytes']);
    // Only the columns 0004 knows (later migrations add more).
    expect(
      await db.select({ root: contentEnv.root, names: contentEnv.names }).from(contentEnv),
    ).toEqual([{ root, names: { BRAND: 2 } }]);
    expect(await db.select({ root: versions.root }).from(versions)).toEqual([{ root }]);
    expect(
      await db.select({ before: auditLog.before, after: auditLog.after }).from(auditLog),
    ).toEqual([{ before: null, after: root }]);
    // Written through Drizzle as hex, stored as bytes, read back as hex.
    await db
      .update(versions)
      .set({ root: sha256('other') })
      .where(eq(versions.id, 'v1'));
    expect(await db.select({ root: versions.root }).from(versions)).toEqual([
      { root: sha256('other') },
    ]);
    await expect(
      db.update(versions).set({ root: 'not a hash' }).where(eq(versions.id, 'v1')),
    ).rejects.toThrow(/not a SHA-256/);
    const store = new SqlNodeStore(db);
    expect(await store.count()).toBe(written.size);
    expect(await store.getMany([...written.keys()])).toEqual(written);
    const fresh = new MemoryNodeStore();
    await hydrate(fresh, store, root);
    expect(createSnapshotter(sha256, fresh).read(root)).toEqual(content);

    // New writes are compressed, and an edit's nodes are deltas against the nodes it read.
    const d = must(content.dialogs[5], 'dialog 5');
    const edited = snap.edit(root, {
      op: 'updateInteraction',
      dialogId: d.dialog.id as string,
      interaction: { ...must(d.interactions[2], 'interaction 2'), name: 'changed' },
    });
    if (!edited.ok) throw new Error(edited.error.message);
    const changed = snap.store.takeWritten();
    await store.putMany(changed, written);
    const sizes = (await db.execute(
      sql`select sum(octet_length(body))::int as stored, count(base)::int as deltas from nodes
          where hash in (${sql.join(
            [...changed.keys()].map((h) => sql`decode(${h}, 'hex')`),
            sql`, `,
          )})`,
    )) as unknown;
    const [size] = (Array.isArray(sizes) ? sizes : (sizes as { rows: unknown[] }).rows) as {
      stored: number;
      deltas: number;
    }[];
    const text = [...changed.values()].reduce((n, t) => n + t.length, 0);
    expect(must(size, 'sizes').deltas).toBeGreaterThan(0);
    expect(must(size, 'sizes').stored).toBeLessThan(text / 4);
    const again = new MemoryNodeStore();
    await hydrate(again, store, edited.value);
    expect(createSnapshotter(sha256, again).read(edited.value)).toEqual(snap.read(edited.value));
  });
});

describe('migration 0005 (names unique ignoring case)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({
      dataDir: null,
      migrate: false,
      template: (await pgliteTemplate()).tarball,
    });
    await migrate(database.db, { through: '0004_node_bytes' });
  });
  afterAll(() => database.close());

  it('renames names that differ only in case (keeping the oldest), logs each rename, then refuses them', async () => {
    const { db } = database;
    const rows = <T extends object>(query: ReturnType<typeof sql>) => rawRows<T>(db, query);
    await db.execute(sql`insert into automations (id, name, root, created_at) values
      ('a1', 'ShopifyBot', 'root-1', now() - interval '2 days'),
      ('a2', 'shopifybot', 'root-2', now() - interval '1 day'),
      ('a3', 'SHOPIFYBOT', 'root-3', now()),
      ('a4', 'Other', 'root-4', now())`);
    await db.execute(
      sql`insert into environments (id, name) values ('e1', 'Prod'), ('e2', 'prod')`,
    );

    expect(await migrate(db)).toContain('0005_names_ignore_case');
    const names = await rows<{ id: string; name: string }>(
      sql`select id, name from automations order by id`,
    );
    expect(names).toEqual([
      { id: 'a1', name: 'ShopifyBot' },
      { id: 'a2', name: 'shopifybot (duplicate name 2)' },
      { id: 'a3', name: 'SHOPIFYBOT (duplicate name 3)' },
      { id: 'a4', name: 'Other' },
    ]);
    const envs = await rows<{ name: string }>(sql`select name from environments order by id`);
    expect(envs.map((r) => r.name)).toEqual(['Prod', 'prod (duplicate name 2)']);
    const audit = await rows<{
      action: string;
      automation_id: string | null;
      details: unknown;
    }>(sql`select action, automation_id, details from audit_log order by seq`);
    expect(audit).toEqual([
      {
        action: 'automation.rename',
        automation_id: 'a2',
        details: expect.objectContaining({
          from: 'shopifybot',
          to: 'shopifybot (duplicate name 2)',
        }),
      },
      {
        action: 'automation.rename',
        automation_id: 'a3',
        details: expect.objectContaining({
          from: 'SHOPIFYBOT',
          to: 'SHOPIFYBOT (duplicate name 3)',
        }),
      },
      {
        action: 'environment.rename',
        automation_id: null,
        details: expect.objectContaining({ from: 'prod', to: 'prod (duplicate name 2)' }),
      },
    ]);
    await expect(
      db.execute(sql`insert into automations (id, name, root) values ('a5', 'other', 'r')`),
    ).rejects.toThrow();
  });
});

describe('migration 0008 (audit revisions, environment references counted anew)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({
      dataDir: null,
      migrate: false,
      template: (await pgliteTemplate()).tarball,
    });
    await migrate(database.db, { through: '0007_webhooks_schedules' });
  });
  afterAll(() => database.close());

  it('empties content_env (recounted on demand) and keeps the audit log, with no revisions', async () => {
    const { db } = database;
    const rows = <T extends object>(query: ReturnType<typeof sql>) => rawRows<T>(db, query);
    const root = 'ab'.repeat(32);
    await db.execute(
      sql`insert into content_env (root, names) values (decode(${root}, 'hex'), '{"BRAND":1}')`,
    );
    await db.execute(sql`insert into audit_log ("at", actor, action, automation_id)
      values (now(), 'alice', 'agent.add', 'a1')`);
    expect(await migrate(db)).toContain('0008_audit_revision_env_recount');
    expect(await rows(sql`select root from content_env`)).toEqual([]);
    expect(await rows(sql`select actor, revision from audit_log`)).toEqual([
      { actor: 'alice', revision: null },
    ]);
  });
});
