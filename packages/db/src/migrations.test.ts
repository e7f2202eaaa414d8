// Upgrading an existing database: migration 0002 keeps the releases and upgrades it finds, and
// from then on deleting an automation no longer takes another automation's history with it.
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import { automations, releases, upgrades } from './schema.js';
import { pgliteTemplate } from './test-db.js';

const BEFORE_0002 = ['0000_init', '0001_content_env'];

/** A database as a Ferry release before 0002 left it: the first migrations applied, nothing else. */
async function databaseBefore0002(): Promise<Database> {
  const database = await openDatabase({
    dataDir: null,
    migrate: false,
    template: (await pgliteTemplate()).tarball,
  });
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
