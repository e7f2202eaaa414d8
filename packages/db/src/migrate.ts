// Applies the committed SQL migrations (drizzle-kit output) idempotently. Everything runs in one
// transaction under an advisory lock, so two servers starting at once apply each migration once.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

const MIGRATIONS = new URL('../drizzle/', import.meta.url);
const LOCK_ID = 7_346_127_001; // any constant shared by every Ferry process

interface Journal {
  entries: { idx: number; tag: string }[];
}

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
    const rows = (await tx.execute(sql`select tag from ferry_migrations`)) as unknown as
      { tag: string }[] | { rows: { tag: string }[] };
    const done = new Set((Array.isArray(rows) ? rows : rows.rows).map((r) => r.tag));
    const applied: string[] = [];
    for (const tag of tags.slice(0, last)) {
      if (done.has(tag)) continue;
      const text = readFileSync(new URL(`${tag}.sql`, MIGRATIONS), 'utf8');
      for (const statement of text.split('--> statement-breakpoint')) {
        if (statement.trim() !== '') await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into ferry_migrations (tag) values (${tag})`);
      applied.push(tag);
    }
    return applied;
  });
}
