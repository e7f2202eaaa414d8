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

export async function migrate(db: Db): Promise<string[]> {
  const journal = JSON.parse(
    readFileSync(new URL('meta/_journal.json', MIGRATIONS), 'utf8'),
  ) as Journal;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_ID})`);
    await tx.execute(
      sql`create table if not exists ferry_migrations (tag text primary key, applied_at timestamptz not null default now())`,
    );
    const rows = (await tx.execute(sql`select tag from ferry_migrations`)) as unknown as
      { tag: string }[] | { rows: { tag: string }[] };
    const done = new Set((Array.isArray(rows) ? rows : rows.rows).map((r) => r.tag));
    const applied: string[] = [];
    for (const { tag } of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
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
