// Instance backup and restore at the database level: which tables a backup holds, one consistent
// snapshot of them as a backup stream, and the statements that load one (backup-restore.ts runs them).
import { must } from '@ferry/core';
import { migrationTags, rawRows as query, schema, type Database, type Db } from '@ferry/db';
import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable, getTableConfig } from 'drizzle-orm/pg-core';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BATCH_ROWS,
  encodeBackup,
  type BackupManifest,
  type BackupTable,
} from '../backup-format.js';

/**
 * Tables of the schema a backup leaves out: state that is worthless (or harmful) on another
 * instance and rebuilds itself. Everything else in packages/db/src/schema.ts is backed up, so a
 * table added to the schema is included without a change here.
 */
const EXCLUDED = new Set([
  // Web sign-in sessions: short-lived; after a restore, people sign in again (API tokens are kept).
  'sessions',
  // Sign-in throttle counters (failed attempts per account and address) are ephemeral too.
  'sign_in_throttle',
]);

/** Every table of the Drizzle schema, referenced tables before the tables that reference them. */
export function schemaTables(): { backedUp: string[]; excluded: string[] } {
  const tables = (Object.values(schema) as unknown[]).filter((v): v is PgTable => is(v, PgTable));
  const dependsOn = new Map<string, string[]>(
    tables.map((t) => [
      getTableName(t),
      getTableConfig(t)
        .foreignKeys.map((fk) => getTableName(fk.reference().foreignTable))
        .filter((name) => name !== getTableName(t)),
    ]),
  );
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.includes(name)) return;
    if (visiting.has(name)) throw new Error(`Foreign keys form a cycle through ${name}.`);
    visiting.add(name);
    for (const dep of dependsOn.get(name) ?? []) visit(dep);
    visiting.delete(name);
    ordered.push(name);
  };
  for (const name of [...dependsOn.keys()].sort()) visit(name);
  return {
    backedUp: ordered.filter((n) => !EXCLUDED.has(n)),
    excluded: ordered.filter((n) => EXCLUDED.has(n)),
  };
}

/** The migrations the database has applied, in this Ferry's order. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const [exists] = await query<{ t: string | null }>(
    db,
    sql`select to_regclass('ferry_migrations')::text as t`,
  );
  if (!exists?.t) return [];
  const rows = await query<{ tag: string }>(db, sql`select tag from ferry_migrations`);
  const order = migrationTags();
  // This Ferry's order; tags it does not know (a newer Ferry's) sort last, by name.
  const rank = (tag: string) => (order.includes(tag) ? order.indexOf(tag) : order.length);
  return rows.map((r) => r.tag).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A table's columns in order (none: the database has no such table). */
export async function columnsOf(db: Db, table: string): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    db,
    sql`select column_name from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} order by ordinal_position`,
  );
  return rows.map((r) => r.column_name);
}

/**
 * Runs `fn` in one read-only snapshot of the whole database. On PostgreSQL, a REPEATABLE READ
 * transaction on one connection: other connections keep writing meanwhile. On PGlite (one
 * connection) a transaction excludes every other query until it ends, so callers keep it short.
 */
export function inSnapshot<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      // row_to_json prints timestamps in the session's zone: UTC makes backups alike everywhere.
      await tx.execute(sql`set local timezone = 'UTC'`);
      return fn(tx);
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/**
 * The backup of the snapshot `tx` sees, as a stream of text chunks (backup-format.ts). Call it
 * inside `inSnapshot`; rows are read through a cursor, a batch at a time, so memory stays flat.
 */
export async function* dumpSnapshot(tx: Db, kind: Database['kind']): AsyncGenerator<string> {
  const { backedUp, excluded } = schemaTables();
  const migrations = await appliedMigrations(tx);
  const tables: BackupTable[] = [];
  for (const name of backedUp) {
    const [count] = await query<{ n: number | string }>(
      tx,
      sql`select count(*) as n from ${sql.identifier(name)}`,
    );
    tables.push({
      name,
      rows: Number(must(count, `the row count of table ${name}`).n),
      columns: await columnsOf(tx, name),
    });
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    database: kind,
    migration: migrations[migrations.length - 1] ?? '',
    migrations,
    tables,
    excluded,
  };
  yield* encodeBackup(manifest, (table) => cursorRows(tx, table));
}

async function* cursorRows(tx: Db, table: string): AsyncGenerator<string[]> {
  await tx.execute(
    sql`declare ferry_backup no scroll cursor for select row_to_json(t)::text as j from ${sql.identifier(table)} t`,
  );
  try {
    for (;;) {
      const rows = await query<{ j: string }>(
        tx,
        sql.raw(`fetch forward ${BATCH_ROWS} from ferry_backup`),
      );
      if (rows.length === 0) return;
      yield rows.map((r) => r.j);
    }
  } finally {
    await tx.execute(sql`close ferry_backup`);
  }
}

/** The tables (but the migration ledger) that hold any row: a restore target must have none. */
export async function nonEmptyTables(tx: Db): Promise<string[]> {
  const tables = await query<{ name: string }>(
    tx,
    sql`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'
          and table_name <> 'ferry_migrations' order by table_name`,
  );
  const used: string[] = [];
  for (const { name } of tables) {
    const [row] = await query<{ any: boolean }>(
      tx,
      sql`select exists (select 1 from ${sql.identifier(name)}) as any`,
    );
    if (row?.any) used.push(name);
  }
  return used;
}

/** Insert a batch of a backup's rows (each a JSON object text) into their table as they are. */
export async function insertBackupRows(
  tx: Db,
  table: string,
  rows: readonly string[],
): Promise<void> {
  await tx.execute(
    sql`insert into ${sql.identifier(table)}
        select * from json_populate_recordset(null::${sql.identifier(table)}, ${'[' + rows.join(',') + ']'}::json)`,
  );
}

/** Serial columns (audit_log.seq, upgrades.seq, …) continue after the largest restored value. */
export async function resetSequences(tx: Db, table: string): Promise<void> {
  const serials = await query<{ column_name: string; seq: string }>(
    tx,
    sql`select column_name, pg_get_serial_sequence(quote_ident(${table}), column_name) as seq
        from information_schema.columns
        where table_schema = current_schema() and table_name = ${table}
          and pg_get_serial_sequence(quote_ident(${table}), column_name) is not null`,
  );
  for (const { column_name, seq } of serials)
    await tx.execute(
      sql`select setval(${seq}, coalesce((select max(${sql.identifier(column_name)}) from ${sql.identifier(table)}), 0) + 1, false)`,
    );
}
