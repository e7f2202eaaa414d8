// Instance backup and restore at the database level: which tables a backup holds, one consistent
// snapshot of them as a backup stream, and loading a backup into an empty database.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  migrate,
  migrationTags,
  openDatabase,
  schema,
  type Database,
  type Db,
  type OpenOptions,
} from '@ferry/db';
import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable, getTableConfig } from 'drizzle-orm/pg-core';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BATCH_ROWS,
  BackupFormatError,
  decodeBackup,
  encodeBackup,
  type BackupManifest,
  type BackupTable,
} from '../backup-format.js';
import { verifyNodes, type VerifyReport } from './node-maintenance.js';

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

type Row = Record<string, unknown>;
async function query<T extends Row>(db: Db, statement: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

async function appliedMigrations(db: Db): Promise<string[]> {
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

async function columnsOf(db: Db, table: string): Promise<string[]> {
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
    tables.push({ name, rows: Number(count!.n), columns: await columnsOf(tx, name) });
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

/** Why a backup was not restored; nothing was written. */
export class RestoreRefusedError extends Error {
  constructor(
    readonly reason: 'not-empty' | 'newer' | 'incompatible',
    message: string,
  ) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

/**
 * Read the whole file and check every count and checksum, touching no database: what a restore
 * does first, so that a corrupt or truncated file is refused before anything is opened.
 */
export async function checkBackupFile(
  open: () => Readable,
  onProgress?: (rows: number) => void,
): Promise<BackupManifest> {
  let rows = 0;
  for await (const event of decodeBackup(open())) {
    if (event.kind === 'rows') onProgress?.((rows += event.rows.length));
    if (event.kind === 'end') return event.manifest;
  }
  throw new BackupFormatError('The backup is truncated.');
}

export interface RestoreReport {
  manifest: BackupManifest;
  /** Rows written, per table. */
  rows: Record<string, number>;
  /** Migrations applied after loading (the backup was made by an older Ferry). */
  migratedForward: string[];
  verify: VerifyReport;
}

/** A backup's migrations must be a prefix of this Ferry's, else it was made by a newer Ferry. */
function checkLevel(manifest: BackupManifest): void {
  const ours = migrationTags();
  const unknown = manifest.migrations.filter((t) => !ours.includes(t));
  if (unknown.length > 0)
    throw new RestoreRefusedError(
      'newer',
      `The backup was made by a newer Ferry (migration ${manifest.migration}; this Ferry knows up to ${ours[ours.length - 1]}). Restore it with that Ferry version or a later one.`,
    );
  if (manifest.migrations.some((t, i) => ours[i] !== t) || manifest.migrations.length === 0)
    throw new RestoreRefusedError(
      'incompatible',
      `The backup's migrations (${manifest.migrations.join(', ') || 'none'}) are not a history this Ferry knows.`,
    );
}

/**
 * Load a backup into an empty database, in one transaction: migrate to the backup's level,
 * refuse any existing row, insert every table in file (foreign-key) order, move serial sequences
 * past the restored values, migrate forward to this Ferry's level, and commit only when every
 * checksum matched. Then `verify` the content store. `open` is called twice: once to check the
 * whole file before touching the database, once to load it.
 */
export async function restoreBackup(
  database: Database,
  open: () => Readable,
  onProgress?: (phase: 'checking' | 'restoring', rows: number) => void,
  /** The manifest of a file `checkBackupFile` has already read through. */
  alreadyChecked?: BackupManifest,
): Promise<RestoreReport> {
  const checked =
    alreadyChecked ?? (await checkBackupFile(open, (n) => onProgress?.('checking', n)));
  checkLevel(checked);
  const db = database.db;
  const { rows, migratedForward } = await db.transaction(async (tx) => {
    await migrate(tx, { through: checked.migration });
    const level = await appliedMigrations(tx);
    if (level.join() !== checked.migrations.join())
      throw new RestoreRefusedError(
        'incompatible',
        `The target database is at migration ${level[level.length - 1]}, the backup at ${checked.migration}: restore into a new, empty database.`,
      );
    await refuseNonEmpty(tx);
    const rows: Record<string, number> = {};
    let total = 0;
    let complete = false;
    for await (const event of decodeBackup(open())) {
      if (event.kind === 'manifest') {
        if (JSON.stringify(event.manifest) !== JSON.stringify(checked))
          throw new BackupFormatError('The backup file changed while it was being restored.');
        for (const table of event.manifest.tables) await checkColumns(tx, table);
      } else if (event.kind === 'rows') {
        await tx.execute(
          sql`insert into ${sql.identifier(event.table)}
              select * from json_populate_recordset(null::${sql.identifier(event.table)}, ${'[' + event.rows.join(',') + ']'}::json)`,
        );
        rows[event.table] = (rows[event.table] ?? 0) + event.rows.length;
        onProgress?.('restoring', (total += event.rows.length));
      } else complete = true;
    }
    if (!complete) throw new BackupFormatError('The backup is truncated.');
    for (const table of checked.tables) await resetSequences(tx, table.name);
    const migratedForward = await migrate(tx);
    return { rows, migratedForward };
  });
  const verify = await inSnapshot(db, (tx) => verifyNodes(tx));
  return { manifest: checked, rows, migratedForward, verify };
}

/**
 * `ferry backup restore`: check the file, then open the database (taking an embedded data
 * directory's lock, creating it only now) without migrating, and restore into it.
 */
export async function restoreBackupInto(
  target: Pick<OpenOptions, 'databaseUrl' | 'dataDir'>,
  open: () => Readable,
  onProgress?: (phase: 'checking' | 'restoring', rows: number) => void,
): Promise<RestoreReport> {
  const checked = await checkBackupFile(open, (n) => onProgress?.('checking', n));
  checkLevel(checked);
  const database = await openDatabase({ ...target, migrate: false, maxConnections: 2 });
  try {
    return await restoreBackup(database, open, onProgress, checked);
  } finally {
    await database.close();
  }
}

/** Any row in any table but the migration ledger makes the target not empty. */
async function refuseNonEmpty(tx: Db): Promise<void> {
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
  if (used.length > 0)
    throw new RestoreRefusedError(
      'not-empty',
      `The target database is not empty (rows in ${used.join(', ')}): a backup is restored only into a new, empty database, so nothing there is overwritten.`,
    );
}

async function checkColumns(tx: Db, table: BackupTable): Promise<void> {
  const target = await columnsOf(tx, table.name);
  if (target.length === 0)
    throw new RestoreRefusedError(
      'incompatible',
      `The backup has a table ${table.name}, which this database does not have.`,
    );
  const missing = table.columns.filter((c) => !target.includes(c));
  const extra = target.filter((c) => !table.columns.includes(c));
  if (missing.length > 0 || extra.length > 0)
    throw new RestoreRefusedError(
      'incompatible',
      `Table ${table.name} differs from the backup's at the same migration (${[...missing.map((c) => `backup only: ${c}`), ...extra.map((c) => `database only: ${c}`)].join(', ')}).`,
    );
}

/** Serial columns (audit_log.seq, upgrades.seq, …) continue after the largest restored value. */
async function resetSequences(tx: Db, table: string): Promise<void> {
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

/** A backup file on disk as a fresh stream each time it is read. */
export const fileSource = (path: string) => () => createReadStream(path);
