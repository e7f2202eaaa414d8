// The file format of `ferry backup`: encoding a snapshot's rows as a checksummed stream of lines,
// and reading one back, refusing anything corrupt, truncated or not a Ferry backup.
import { createHash, type Hash } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { must } from '@ferry/core';

/**
 * A Ferry backup is a gzip stream of UTF-8 lines, each one JSON value ("NDJSON"):
 *
 *     {"manifest":{…}}                            the header: format, migration level, row counts
 *     {"table":"users"}                           a table's section begins
 *     {"id":"…","name":"admin",…}                 one line per row: PostgreSQL's row_to_json
 *     {"end":"users","rows":3,"sha256":"…"}        the section ends: its row count and checksum
 *     …                                           every table of the manifest, in its order
 *     {"trailer":{"tables":{…},"sha256":"…"}}     every table's checksum and the whole file's
 *
 * A table's `sha256` is the SHA-256 of its row lines (each with its "\n"); the trailer's `sha256`
 * is that of every byte before the trailer line. Sections come in foreign-key order (a row's
 * references come before it), so they can be inserted in file order. Rows are exactly what
 * PostgreSQL's `row_to_json` printed (timestamps at full precision in UTC, jsonb as JSON,
 * bigints as numbers) and are read back by `json_populate_recordset`, so values round-trip
 * between PGlite and PostgreSQL without passing through JavaScript types.
 */
export const BACKUP_FORMAT = 'ferry-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupTable {
  name: string;
  /** Rows in the snapshot. */
  rows: number;
  /** Column names, in the source database's order. */
  columns: string[];
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: typeof BACKUP_FORMAT_VERSION;
  createdAt: string;
  database: 'pglite' | 'postgres';
  /** The last migration applied to the source: its schema level. */
  migration: string;
  /** Every migration applied to the source, oldest first. */
  migrations: string[];
  /** In foreign-key order. */
  tables: BackupTable[];
  /** Tables of the schema deliberately left out (ephemeral state). */
  excluded: string[];
}

export interface BackupTrailer {
  tables: Record<string, { rows: number; sha256: string }>;
  sha256: string;
}

/** A file that is not a complete, intact Ferry backup this Ferry can read. */
export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

/** Rows are handed around in batches of at most this many, or about this many bytes. */
export const BATCH_ROWS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * The lines of a backup, in chunks (one per batch): `rowsOf(table)` yields each table's rows as
 * JSON texts. Throws if a table yields another number of rows than the manifest counts.
 */
export async function* encodeBackup(
  manifest: BackupManifest,
  rowsOf: (table: string) => AsyncIterable<string[]>,
): AsyncGenerator<string> {
  const whole = createHash('sha256');
  const emit = (text: string, ...hashes: Hash[]) => {
    whole.update(text);
    for (const h of hashes) h.update(text);
    return text;
  };
  yield emit(JSON.stringify({ manifest }) + '\n');
  const tables: BackupTrailer['tables'] = {};
  for (const table of manifest.tables) {
    yield emit(JSON.stringify({ table: table.name }) + '\n');
    const hash = createHash('sha256');
    let rows = 0;
    for await (const batch of rowsOf(table.name)) {
      if (batch.length === 0) continue;
      rows += batch.length;
      yield emit(batch.join('\n') + '\n', hash);
    }
    if (rows !== table.rows)
      throw new Error(
        `Table ${table.name} gave ${rows} rows, but the snapshot counted ${table.rows}.`,
      );
    const sha256 = hash.digest('hex');
    tables[table.name] = { rows, sha256 };
    yield emit(JSON.stringify({ end: table.name, rows, sha256 }) + '\n');
  }
  const trailer: BackupTrailer = { tables, sha256: whole.digest('hex') };
  yield JSON.stringify({ trailer }) + '\n';
}

export type BackupEvent =
  | { kind: 'manifest'; manifest: BackupManifest }
  | { kind: 'rows'; table: string; rows: string[] }
  | { kind: 'end'; manifest: BackupManifest; trailer: BackupTrailer };

/**
 * Read a backup (the gzip'd bytes), yielding its manifest, its rows in batches, and — only once
 * every checksum and count has matched — an `end` event. Anything else throws BackupFormatError:
 * a consumer that writes rows as they come must treat the backup as bad unless `end` arrived.
 */
export async function* decodeBackup(input: Readable): AsyncGenerator<BackupEvent> {
  const gunzip = createGunzip();
  // Errors of either stream (unreadable file, bad gzip) surface from iterating `gunzip`.
  pipeline(input, gunzip, () => {});
  const lines = splitLines(gunzip);
  const whole = createHash('sha256');
  let manifest: BackupManifest | null = null;
  let trailer: BackupTrailer | null = null;
  let tableIndex = 0;
  let section: { name: string; rows: number; hash: Hash; batch: string[]; bytes: number } | null =
    null;
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (trailer) throw new BackupFormatError(`Line ${lineNo} follows the trailer.`);
      const text = line + '\n';
      if (manifest === null) {
        manifest = parseManifest(line);
        whole.update(text);
        yield { kind: 'manifest', manifest };
        continue;
      }
      if (section) {
        if (line.startsWith('{"end":')) {
          const end = parseLine(line, lineNo) as {
            end?: unknown;
            rows?: unknown;
            sha256?: unknown;
          };
          if (end.end !== section.name)
            throw new BackupFormatError(
              `Line ${lineNo} ends ${String(end.end)} inside ${section.name}.`,
            );
          const expected = must(manifest.tables[tableIndex], 'manifest.tables[tableIndex]');
          const sha256 = section.hash.digest('hex');
          if (section.rows !== expected.rows || end.rows !== expected.rows)
            throw new BackupFormatError(
              `Table ${section.name} has ${section.rows} rows; the manifest counts ${expected.rows}.`,
            );
          if (end.sha256 !== sha256)
            throw new BackupFormatError(`The checksum of table ${section.name} does not match.`);
          if (section.batch.length > 0)
            yield { kind: 'rows', table: section.name, rows: section.batch };
          whole.update(text);
          section = null;
          tableIndex++;
          continue;
        }
        if (!line.startsWith('{'))
          throw new BackupFormatError(`Line ${lineNo} is not a row of ${section.name}.`);
        section.hash.update(text);
        whole.update(text);
        section.rows++;
        section.batch.push(line);
        section.bytes += text.length;
        if (section.batch.length >= BATCH_ROWS || section.bytes >= BATCH_BYTES) {
          const rows = section.batch;
          section.batch = [];
          section.bytes = 0;
          yield { kind: 'rows', table: section.name, rows };
        }
        continue;
      }
      const record = parseLine(line, lineNo) as { table?: unknown; trailer?: BackupTrailer };
      if (record.trailer !== undefined) {
        if (tableIndex !== manifest.tables.length)
          throw new BackupFormatError(
            `The trailer comes after ${tableIndex} of the manifest's ${manifest.tables.length} tables.`,
          );
        if (record.trailer.sha256 !== whole.digest('hex'))
          throw new BackupFormatError('The checksum of the whole backup does not match.');
        trailer = record.trailer;
        continue;
      }
      const expected = manifest.tables[tableIndex];
      if (expected === undefined || record.table !== expected.name)
        throw new BackupFormatError(
          `Line ${lineNo} starts table ${String(record.table)}; expected ${expected?.name ?? 'the trailer'}.`,
        );
      whole.update(text);
      section = { name: expected.name, rows: 0, hash: createHash('sha256'), batch: [], bytes: 0 };
    }
  } catch (e) {
    if (e instanceof BackupFormatError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_INVALID_ARG_TYPE')
      throw new BackupFormatError(
        `The file is not an intact gzip stream (${(e as Error).message}).`,
      );
    throw e;
  } finally {
    gunzip.destroy();
  }
  if (manifest === null) throw new BackupFormatError('The file is empty.');
  if (trailer === null)
    throw new BackupFormatError('The backup is truncated: it ends before its trailer.');
  yield { kind: 'end', manifest, trailer };
}

/** The lines of a byte stream, without their "\n"; a last line without one is still a line. */
async function* splitLines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    const parts = text.split('\n');
    rest = must(parts.pop(), 'parts.pop()');
    yield* parts;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

function parseLine(line: string, lineNo: number): unknown {
  try {
    const value: unknown = JSON.parse(line);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // reported below
  }
  throw new BackupFormatError(`Line ${lineNo} is not a JSON object.`);
}

function parseManifest(line: string): BackupManifest {
  let record: { manifest?: Partial<BackupManifest> } | null = null;
  try {
    record = JSON.parse(line) as { manifest?: Partial<BackupManifest> };
  } catch {
    // not JSON: not a backup
  }
  const m = record?.manifest;
  if (!m || m.format !== BACKUP_FORMAT)
    throw new BackupFormatError('This is not a Ferry backup (its first line has no manifest).');
  if (m.formatVersion !== BACKUP_FORMAT_VERSION)
    throw new BackupFormatError(
      `The backup is in format version ${String(m.formatVersion)}; this Ferry reads version ${BACKUP_FORMAT_VERSION}.`,
    );
  const tablesOk =
    Array.isArray(m.tables) &&
    m.tables.every(
      (t) =>
        typeof t?.name === 'string' &&
        Number.isInteger(t.rows) &&
        Array.isArray(t.columns) &&
        t.columns.every((c) => typeof c === 'string'),
    );
  if (
    !tablesOk ||
    typeof m.migration !== 'string' ||
    !Array.isArray(m.migrations) ||
    typeof m.createdAt !== 'string' ||
    (m.database !== 'pglite' && m.database !== 'postgres')
  )
    throw new BackupFormatError('The backup manifest is incomplete.');
  return m as BackupManifest;
}
