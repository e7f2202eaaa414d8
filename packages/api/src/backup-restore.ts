// Restoring an instance backup: check the whole file first, then load it into an empty database in
// one transaction and verify the content store (the SQL is in repositories/backup-repository.ts).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  migrate,
  migrationTags,
  openDatabase,
  type Database,
  type Db,
  type OpenOptions,
} from '@ferry/db';
import {
  BackupFormatError,
  decodeBackup,
  type BackupManifest,
  type BackupTable,
} from './backup-format.js';
import {
  appliedMigrations,
  columnsOf,
  inSnapshot,
  insertBackupRows,
  nonEmptyTables,
  resetSequences,
} from './repositories/backup-repository.js';
import { verifyNodes, type VerifyReport } from './repositories/node-repository.js';

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
        await insertBackupRows(tx, event.table, event.rows);
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
  const used = await nonEmptyTables(tx);
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

/** A backup file on disk as a fresh stream each time it is read. */
export const fileSource = (path: string) => () => createReadStream(path);
