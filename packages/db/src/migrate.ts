// Applies the committed SQL migrations (drizzle-kit output) idempotently. Everything runs in one
// transaction under an advisory lock, so two servers starting at once apply each migration once.
// Each applied migration's SHA-256 is kept: a migration file edited after it ran refuses start-up.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { rawRows } from './raw-rows.js';

const MIGRATIONS = new URL('../drizzle/', import.meta.url);
const LOCK_ID = 7_346_127_001; // any constant shared by every Ferry process

interface Journal {
  entries: { idx: number; tag: string }[];
}

/**
 * An applied migration's file no longer matches what was applied: the database was built by other
 * SQL than this Ferry ships, so starting could silently run on a schema that differs from its own.
 */
export class MigrationChangedError extends Error {
  constructor(readonly tag: string) {
    super(
      `Migration ${tag} has changed since it was applied to this database (its SHA-256 differs): restore drizzle/${tag}.sql as it was, or add the change as a new migration.`,
    );
    this.name = 'MigrationChangedError';
  }
}

const checksum = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const readMigration = (tag: string) => readFileSync(new URL(`${tag}.sql`, MIGRATIONS), 'utf8');

/** The tags of this Ferry's migrations, oldest first (a backup's level is one of them). */
export function migrationTags(): string[] {
  const journal = JSON.parse(
    readFileSync(new URL('meta/_journal.json', MIGRATIONS), 'utf8'),
  ) as Journal;
  return [...journal.entries].sort((a, b) => a.idx - b.idx).map((e) => e.tag);
}

/**
 * Apply the migrations not yet applied, oldest first; with `through`, only up to that tag (a
 * restore loads an older backup at its own level, then migrates it forward).
 */
export async function migrate(db: Db, options: { through?: string } = {}): Promise<string[]> {
  const tags = migrationTags();
  const last = options.through === undefined ? tags.length : tags.indexOf(options.through) + 1;
  if (last === 0) throw new Error(`Unknown migration ${options.through}.`);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_ID})`);
    await tx.execute(
      sql`create table if not exists ferry_migrations (tag text primary key, applied_at timestamptz not null default now())`,
    );
    // Databases from before checksums get theirs recorded below, from the files as they are now.
    await tx.execute(sql`alter table ferry_migrations add column if not exists checksum text`);
    const recorded = sql`select tag, checksum from ferry_migrations`;
    const done = new Map((await rawRows<AppliedRow>(tx, recorded)).map((r) => [r.tag, r]));
    const applied: string[] = [];
    for (const tag of tags.slice(0, last)) {
      const text = readMigration(tag);
      const sum = checksum(text);
      const row = done.get(tag);
      if (row) {
        if (row.checksum === null)
          await tx.execute(sql`update ferry_migrations set checksum = ${sum} where tag = ${tag}`);
        else if (row.checksum !== sum) throw new MigrationChangedError(tag);
        continue;
      }
      for (const statement of text.split('--> statement-breakpoint')) {
        if (statement.trim() !== '') await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into ferry_migrations (tag, checksum) values (${tag}, ${sum})`);
      applied.push(tag);
    }
    return applied;
  });
}

interface AppliedRow {
  tag: string;
  checksum: string | null;
}
