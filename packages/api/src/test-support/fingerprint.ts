// A fingerprint of the whole database: every table's row count and a hash of its rows, computed by
// the database in one query. The rows' hash is the sum of each row's 64-bit hash, which does not
// depend on their order: a third of the CPU of sorting and MD5-ing them all (the property test
// over HTTP takes one after every refused request). Equal fingerprints: nothing was written. Left out are the records a
// refusal is meant to write or a read updates: a token's last use, failed sign-in counts and the
// audit of a lockout they start.
import { schema, type Db } from '@ferry/db';
import { is, sql } from 'drizzle-orm';
import { PgTable, getTableConfig } from 'drizzle-orm/pg-core';

const IGNORED_COLUMNS = new Set(['api_tokens.last_used_at']);
const IGNORED_TABLES = new Set(['sign_in_throttle']);
const IGNORED_ROWS: Record<string, string> = { audit_log: `action <> 'auth.throttled'` };

const QUERY = (() => {
  const parts: string[] = [];
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable)) continue;
    const { name, columns } = getTableConfig(table);
    if (IGNORED_TABLES.has(name)) continue;
    const cols = columns
      .filter((c) => !IGNORED_COLUMNS.has(`${name}.${c.name}`))
      .map((c) => `"${c.name}"`)
      .join(', ');
    parts.push(
      `(select count(*) || ':' || coalesce(sum(hashtextextended(r, 0))::text, '') ` +
        `from (select row(${cols})::text as r from "${name}"` +
        `${IGNORED_ROWS[name] ? ` where ${IGNORED_ROWS[name]}` : ''}) t) as "${name}"`,
    );
  }
  return sql.raw(`select ${parts.join(', ')}`);
})();

export async function fingerprint(db: Db): Promise<Record<string, string>> {
  const result = (await db.execute(QUERY)) as unknown;
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return rows[0] as Record<string, string>;
}
