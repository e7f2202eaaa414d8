// A fingerprint of the whole database: every table's row count and a hash of its rows, computed by
// the database in one query. The rows' hash is the sum of each row's 64-bit hash, which does not
// depend on their order: a third of the CPU of sorting and MD5-ing them all (the property test
// over HTTP takes one after every refused request). Equal fingerprints: nothing was written. Left out are the records a
// refusal is meant to write or a read updates: a token's last use, failed sign-in counts and the
// audit of a lockout they start.
import { rawRows, schema, type Db } from '@ferry/db';
import { must } from '@ferry/core';
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
  const [row] = await rawRows<Record<string, string>>(db, QUERY);
  return must(row, 'the fingerprint row');
}

/**
 * A count of the rows written to the database's tables, kept by row-level triggers this installs
 * (tests only): unchanged means no row was inserted, updated or deleted and committed since it was
 * read, so a fingerprint taken then still holds. It is what makes a fingerprint needed only after
 * a write: the property test over HTTP sends about 1,500 requests per database, most of them
 * refused, and hashing every table after each was most of its CPU. A changed count proves nothing
 * by itself (a refusal may write what the fingerprint leaves out); the fingerprint decides then.
 */
export async function countWrites(db: Db): Promise<() => Promise<number>> {
  const tables = Object.values(schema)
    .filter((t) => is(t, PgTable))
    .map((t) => getTableConfig(t as PgTable).name);
  // One statement per call: PGlite runs a query with parameters' protocol, one statement at a time.
  for (const statement of [
    'create table if not exists ferry_test_writes (n bigint not null)',
    'insert into ferry_test_writes select 0 where not exists (select from ferry_test_writes)',
    `create or replace function ferry_test_count_write() returns trigger language plpgsql as $$
       begin update ferry_test_writes set n = n + 1; return null; end $$`,
    ...tables.map(
      (name) =>
        `create or replace trigger ferry_test_count_write after insert or update or delete on "${name}" for each row execute function ferry_test_count_write()`,
    ),
  ])
    await db.execute(sql.raw(statement));
  return async () => {
    const rows = await rawRows<{ n: string | number }>(db, sql`select n from ferry_test_writes`);
    return Number(rows[0]?.n);
  };
}
