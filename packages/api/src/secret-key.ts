// The key of secret environment variables: where it comes from (FERRY_SECRET_KEY, or the file the
// embedded database generates), the check value that stops a server with another key, and rotation.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database, type Db } from '@ferry/db';
import { fail } from './errors.js';
import { insertAuditRow } from './repositories/audit-log-repository.js';
import {
  insertSettingIfAbsent,
  readSetting,
  writeSetting,
} from './repositories/instance-setting-repository.js';
import {
  anySecretVariable,
  lockEveryEnvironment,
  lockSealedSecrets,
  oneSealedValue,
  resealSecret,
} from './repositories/sealed-secret-repository.js';
import { lockWebhookSecrets, resealWebhookSecret } from './repositories/webhook-repository.js';
import { SecretBox, keyCheckValue } from './security.js';
import { ConfigError } from './startup-errors.js';
import { must } from '@ferry/core';

/** The instance setting that holds the key check value. */
export const KEY_CHECK_SETTING = 'secretKeyCheck';
export { keyCheckValue };

interface KeyCheck {
  algorithm: 'HMAC-SHA256';
  label: string;
  value: string;
}

const checkOf = (key: Buffer): KeyCheck => ({
  algorithm: 'HMAC-SHA256',
  label: 'ferry secret key check v1',
  value: keyCheckValue(key),
});

/** A server (or rotate-key) given a key that is not the one the instance's secrets are under. */
export class SecretKeyMismatchError extends ConfigError {
  constructor(what = 'FERRY_SECRET_KEY') {
    super(
      `${what} is not the key this instance's secrets are encrypted with (its check value differs): ` +
        'give every server the same FERRY_SECRET_KEY, or change it with `ferry admin rotate-key`.',
    );
  }
}

/** A key as FERRY_SECRET_KEY gives it: 32 bytes as 64 hex digits or base64. */
export function parseSecretKey(text: string, name = 'FERRY_SECRET_KEY'): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : Buffer.alloc(0);
  if (key.length !== 32)
    throw new ConfigError(`${name} must be 32 bytes, as 64 hex digits or base64.`);
  return key;
}

export interface ResolvedKey {
  key: Buffer;
  /** Where it came from: the environment, the data directory's `secret.key`, or made up for memory. */
  source: 'given' | 'file' | 'memory';
  /** The key file (source `file`). */
  file?: string;
}

const keyFile = (dataDir: string) => join(dataDir, 'secret.key');
/** A rotation writes the new key here before it commits, and renames it over `secret.key` after. */
const nextKeyFile = (dataDir: string) => join(dataDir, 'secret.key.next');

/**
 * The key of secret variables: given (FERRY_SECRET_KEY), or — embedded database only — generated
 * once into the data directory. A rotation cut short between its commit and its rename of the key
 * file is finished here: the database's check value says which of the two files is the key.
 */
export async function resolveSecretKey(
  given: string | undefined,
  database: Database,
  { create = true }: { create?: boolean } = {},
): Promise<ResolvedKey> {
  if (given !== undefined) return { key: parseSecretKey(given), source: 'given' };
  if (database.kind === 'postgres')
    throw new ConfigError(
      'FERRY_SECRET_KEY is required with PostgreSQL, so that every server shares the key of secret variables.',
    );
  if (database.dataDir === null) return { key: randomBytes(32), source: 'memory' };
  const file = keyFile(database.dataDir);
  const next = nextKeyFile(database.dataDir);
  if (existsSync(next)) {
    const stored = await storedCheck(database.db);
    const nextKey = readKeyFile(next);
    if (stored?.value === keyCheckValue(nextKey)) replaceFile(next, file, database.dataDir);
    else rmSync(next, { force: true });
  }
  if (!existsSync(file)) {
    if (!create)
      throw new ConfigError(
        `No FERRY_SECRET_KEY given and no key file ${file}: give the current key as FERRY_SECRET_KEY.`,
      );
    // A new key only for an instance that has none yet: a restored backup (or a lost key file)
    // needs the key its secrets were sealed with, and a generated one would only be refused.
    if (await hasKeyedData(database.db))
      throw new ConfigError(
        `FERRY_SECRET_KEY is not set and ${file} is missing, but this instance already has secrets under a key (a restored backup?): ` +
          "give that key as FERRY_SECRET_KEY, or copy the source's secret.key there.",
      );
    writeKeyFile(file, randomBytes(32), database.dataDir, 'wx');
  }
  return { key: readKeyFile(file), source: 'file', file };
}

function readKeyFile(path: string): Buffer {
  return parseSecretKey(readFileSync(path, 'utf8'), `The key file ${path}`);
}

/** Writes a key file durably: the data, then an fsync, then (for a replacement) a rename. */
function writeKeyFile(path: string, key: Buffer, dir: string, flag: 'wx' | 'w' = 'w'): void {
  const fd = openSync(path, flag, 0o600);
  try {
    writeSync(fd, key.toString('base64'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDir(dir);
}

function replaceFile(from: string, to: string, dir: string): void {
  renameSync(from, to);
  syncDir(dir);
}

/** Makes a rename or a new file in `dir` durable (the directory entry itself). */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Whether anything in the database is already bound to a key: a check value or a sealed secret. */
async function hasKeyedData(db: Db): Promise<boolean> {
  return (await storedCheck(db)) !== undefined || (await anySecretVariable(db));
}

async function storedCheck(db: Db, lock?: 'update' | 'share'): Promise<KeyCheck | undefined> {
  return (await readSetting(db, KEY_CHECK_SETTING, lock)) as KeyCheck | undefined;
}

/**
 * Start-up: the key must be the instance's. The first server stores the check value; an instance
 * from before check values is first proven to be under this key by decrypting one of its secrets.
 */
export async function checkSecretKey(db: Db, key: Buffer, what?: string): Promise<void> {
  let stored = await storedCheck(db);
  if (!stored) {
    const sample = await oneSealedValue(db);
    if (sample !== null && !opens(new SecretBox(key), sample))
      throw new SecretKeyMismatchError(what);
    // Two servers starting at once on an empty instance: the first insert wins, both compare with it.
    await insertSettingIfAbsent(db, KEY_CHECK_SETTING, checkOf(key));
    stored = await storedCheck(db);
  }
  if (stored?.value !== keyCheckValue(key)) throw new SecretKeyMismatchError(what);
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

export interface RotateOptions {
  /** Called after each secret is re-encrypted (inside the transaction): progress on a terminal. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface RotateResult {
  /** Secrets re-encrypted. */
  secrets: number;
  /** The key file that now holds the new key (embedded database with a generated key). */
  keyFile?: string;
}

/**
 * Re-encrypts every secret under `next` and replaces the check value, in one transaction: a failure
 * or a crash part-way leaves every secret and the check value under the current key. With a key
 * file (embedded database) the new key is written beside it first and renamed over it after the
 * commit; a crash in between is finished by the next start (`resolveSecretKey`).
 */
export async function rotateSecretKey(
  database: Database,
  current: ResolvedKey,
  next: Buffer,
  options: RotateOptions = {},
): Promise<RotateResult> {
  const what = current.source === 'file' ? `The key in ${current.file}` : 'FERRY_SECRET_KEY';
  // Proven before anything is written, and again under the row lock inside the transaction.
  await checkSecretKey(database.db, current.key, what);
  const dir = current.source === 'file' ? database.dataDir : null;
  if (dir) writeKeyFile(nextKeyFile(dir), next, dir);
  try {
    const secrets = await database.db.transaction(async (tx) => {
      // Locks in the order a secret write takes them (its environment, then the check value), so a
      // write running on a server meanwhile either commits first, under the old key, and is
      // re-encrypted here, or waits and then sees the new check value and refuses (assertKeyIsCurrent).
      await lockEveryEnvironment(tx);
      const check = await storedCheck(tx, 'update');
      if (check?.value !== keyCheckValue(current.key)) throw new SecretKeyMismatchError(what);
      const rows = await lockSealedSecrets(tx);
      const [oldBox, newBox] = [new SecretBox(current.key), new SecretBox(next)];
      let done = 0;
      for (const row of rows) {
        let plain: string;
        try {
          plain = oldBox.open(row.ciphertext);
        } catch {
          throw new ConfigError(
            `The secret ${row.key} cannot be decrypted with the current key; nothing was changed.`,
          );
        }
        await resealSecret(tx, { ...row, ciphertext: newBox.seal(plain) });
        await options.onProgress?.(++done, rows.length);
      }
      // Webhook signing secrets are sealed with the same key.
      for (const hook of await lockWebhookSecrets(tx)) {
        if (hook.ciphertext === null) continue;
        let plain: string;
        try {
          plain = oldBox.open(hook.ciphertext);
        } catch {
          throw new ConfigError(
            `The secret of webhook ${hook.id} cannot be decrypted with the current key; nothing was changed.`,
          );
        }
        await resealWebhookSecret(tx, hook.id, newBox.seal(plain));
      }
      await writeSetting(tx, KEY_CHECK_SETTING, checkOf(next));
      await insertAuditRow(tx, {
        at: new Date(),
        actor: 'system',
        action: 'instance.rotate-key',
        automationId: null,
        details: { secrets: rows.length },
      });
      return rows.length;
    });
    if (dir) replaceFile(nextKeyFile(dir), must(current.file, 'current.file'), dir);
    return { secrets, ...(dir && { keyFile: must(current.file, 'current.file') }) };
  } catch (e) {
    if (dir) rmSync(nextKeyFile(dir), { force: true });
    throw e;
  }
}

export interface RotateInstanceOptions extends RotateOptions {
  /** PostgreSQL (DATABASE_URL); otherwise the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** The current key (FERRY_SECRET_KEY); on the embedded database, default: its key file. */
  secretKey?: string;
  /** The new key (--new-key, FERRY_NEW_SECRET_KEY); generated when absent. */
  newKey?: string;
}

export interface RotateInstanceResult extends RotateResult {
  database: 'pglite' | 'postgres';
  /** The generated new key, when none was given (base64; shown once by the caller). */
  generatedKey?: string;
}

/**
 * `ferry admin rotate-key`: opens the instance's database directly (the embedded one only while no
 * server holds its lock) and rotates its key. Creates nothing: no data directory, no key file.
 */
export async function rotateInstanceKey(
  options: RotateInstanceOptions,
): Promise<RotateInstanceResult> {
  const next =
    options.newKey !== undefined ? parseSecretKey(options.newKey, '--new-key') : randomBytes(32);
  if (options.databaseUrl && options.secretKey === undefined)
    throw new ConfigError('FERRY_SECRET_KEY (the current key) is required with PostgreSQL.');
  const current = options.secretKey !== undefined ? parseSecretKey(options.secretKey) : undefined;
  if (current?.equals(next)) throw new ConfigError('The new key is the current key.');
  if (!options.databaseUrl && !existsSync(join(options.dataDir, 'pgdata')))
    throw new ConfigError(
      `There is no Ferry database in ${options.dataDir} (--data, FERRY_DATA_DIR).`,
    );
  const database = await openDatabase(
    options.databaseUrl
      ? { databaseUrl: options.databaseUrl, migrate: false, maxConnections: 1 }
      : { dataDir: options.dataDir, migrate: false },
  );
  try {
    const resolved = await resolveSecretKey(options.secretKey, database, { create: false });
    if (resolved.key.equals(next)) throw new ConfigError('The new key is the current key.');
    const result = await rotateSecretKey(database, resolved, next, options);
    return {
      ...result,
      database: database.kind,
      ...(options.newKey === undefined && { generatedKey: next.toString('base64') }),
    };
  } finally {
    await database.close();
  }
}

/**
 * Inside a transaction that writes a secret: the server's key must still be the instance's. A server
 * left running through a rotation (on PostgreSQL, where rotate-key cannot see it) would otherwise seal
 * values under the old key that no server can read any more. The shared row lock orders the write
 * against a rotation.
 */
export async function assertKeyIsCurrent(tx: Db, secrets: SecretBox): Promise<void> {
  const stored = await storedCheck(tx, 'share');
  if (stored && stored.value !== secrets.checkValue)
    fail(
      'PRECONDITION_FAILED',
      "This server's FERRY_SECRET_KEY is no longer the instance's key (it was rotated while the server ran): nothing was saved; restart the server with the new key.",
      undefined,
      { reason: 'SECRET_KEY_ROTATED' },
    );
}
