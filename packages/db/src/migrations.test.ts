// Upgrading an existing database: migration 0002 keeps the releases and upgrades it finds, and
// from then on deleting an automation no longer takes another automation's history with it.
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import { automations, releases, upgrades } from './schema.js';

const BEFORE_0002 = ['0000_init', '0001_content_env'];

/** A database as a Ferry release before 0002 left it: the first migrations applied, nothing else. */
async function databaseBefore0002(): Promise<Database> {
  const database = await openDatabase({ dataDir: null, migrate: false });
  await database.db.execute(
    sql`create table ferry_migrations (tag text primary key, applied_at timestamptz not null default now())`,
  );
  for (const tag of BEFORE_0002) {
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
    database = await databaseBefore0002();
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

describe('migration 0004 (names unique ignoring case)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ dataDir: null, migrate: false });
    await migrate(database.db, { through: '0003_sign_in_throttle' });
  });
  afterAll(() => database.close());

  it('renames names that differ only in case (keeping the oldest), logs each rename, then refuses them', async () => {
    const { db } = database;
    const rows = async <T>(query: ReturnType<typeof sql>) =>
      ((await db.execute(query)) as unknown as { rows: T[] }).rows;
    await db.execute(sql`insert into automations (id, name, root, created_at) values
      ('a1', 'ShopifyBot', 'root-1', now() - interval '2 days'),
      ('a2', 'shopifybot', 'root-2', now() - interval '1 day'),
      ('a3', 'SHOPIFYBOT', 'root-3', now()),
      ('a4', 'Other', 'root-4', now())`);
    await db.execute(
      sql`insert into environments (id, name) values ('e1', 'Prod'), ('e2', 'prod')`,
    );

    expect(await migrate(db)).toContain('0004_names_ignore_case');
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
