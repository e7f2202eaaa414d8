// Start-up refuses a database whose applied migrations no longer match this Ferry's migration
// files, naming the migration; databases from before checksums get them recorded on first start.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { MigrationChangedError, migrate, migrationTags } from './migrate.js';
import { rawRows } from './raw-rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './test-db.js';

const fileChecksum = (tag: string) =>
  createHash('sha256')
    .update(readFileSync(new URL(`../drizzle/${tag}.sql`, import.meta.url), 'utf8'))
    .digest('hex');

const everyFileChecksum = () =>
  Object.fromEntries(migrationTags().map((t) => [t, fileChecksum(t)]));

interface Row {
  tag: string;
  checksum: string | null;
}

describe.each(testDatabaseKinds())('on %s', (kind) => {
  // openDatabase runs migrate() before anything else: what migrate() accepts or refuses here is
  // what a starting server accepts or refuses.
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(() => database.close());

  async function recorded(): Promise<Record<string, string | null>> {
    const rows = await rawRows<Row>(
      database.db,
      sql`select tag, checksum from ferry_migrations order by tag`,
    );
    return Object.fromEntries(rows.map((r) => [r.tag, r.checksum]));
  }

  it('records the SHA-256 of every migration it applies', async () => {
    expect(await recorded()).toEqual(everyFileChecksum());
  });

  it('records checksums for a database migrated before checksums existed, then starts', async () => {
    await database.db.execute(sql`alter table ferry_migrations drop column checksum`);
    expect(await migrate(database.db)).toEqual([]);
    expect(await recorded()).toEqual(everyFileChecksum());
  });

  it('refuses to start when an applied migration changed, naming it, and changes nothing', async () => {
    const changed = migrationTags()[1];
    if (changed === undefined) throw new Error('this test needs at least two migrations');
    const edited = '0'.repeat(64);
    // What a database looks like after `changed` was applied from a file that has since been edited.
    await database.db.execute(
      sql`update ferry_migrations set checksum = ${edited} where tag = ${changed}`,
    );
    const error = await migrate(database.db).then(
      () => new Error('expected start-up to refuse the changed migration'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationChangedError);
    const message = (error as Error).message;
    expect(message).toContain(`Migration ${changed} has changed since it was applied`);
    expect(message).not.toContain('\n');
    // The refusal left the record as it was: nothing was re-applied or overwritten.
    expect((await recorded())[changed]).toBe(edited);

    // A server opening this database refuses the same way.
    if (database.url !== null) {
      await expect(openDatabase({ databaseUrl: database.url })).rejects.toThrow(
        MigrationChangedError,
      );
    }
    await database.db.execute(
      sql`update ferry_migrations set checksum = ${fileChecksum(changed)} where tag = ${changed}`,
    );
  });
});
