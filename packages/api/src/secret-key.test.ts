// The key of secret variables: the check value that stops a server with another key, and key
// rotation (every secret re-encrypted in one transaction, or nothing at all), on both databases.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, schema, type Db } from '@ferry/db';
import {
  openTestDatabase,
  seedDataDir,
  testDatabaseKinds,
  type TestDatabase,
} from '@ferry/db/testing';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContextInner, type Caller, type Services } from './context.js';
import { appRouter } from './router.js';
import {
  KEY_CHECK_SETTING,
  SecretKeyMismatchError,
  checkSecretKey,
  keyCheckValue,
  rotateInstanceKey,
  rotateSecretKey,
} from './secret-key.js';
import { SecretBox } from './security.js';
import { startServer } from './server.js';
import { createCallerFactory } from './trpc.js';
import { must } from '@ferry/core';

const createCaller = createCallerFactory(appRouter);
const admin: Caller = { id: 'admin-id', name: 'admin', role: 'admin', via: 'token' };
const newKey = () => randomBytes(32);
const hex = (key: Buffer) => key.toString('hex');

/** The API as an admin on this database, sealing secrets with `key`. */
function apiWith(db: TestDatabase | Awaited<ReturnType<typeof openDatabase>>, key: Buffer) {
  const services: Services = {
    database: db,
    secrets: new SecretBox(key),
    logger: pino({ level: 'silent' }),
    maxRequestBytes: 1024 * 1024,
  };
  return createCaller(createContextInner({ services, caller: admin }));
}

/** Two environments with secrets (and a plain variable, which rotation leaves alone). */
async function seed(api: ReturnType<typeof apiWith>) {
  for (const [name, vars] of [
    ['prod', { API_KEY: 'prod-key-1', DB_PASSWORD: 'hunter2', REGION: 'eu' }],
    ['stage', { API_KEY: 'stage-key-2', TOKEN: 'tok-3', REGION: 'us' }],
  ] as const) {
    await api.environments.create({ name });
    await api.environments.set({
      environment: name,
      variables: Object.entries(vars).map(([key, value]) => ({
        key,
        value,
        secret: key !== 'REGION',
      })),
    });
  }
}
const SECRETS = { API_KEY: 'prod-key-1', DB_PASSWORD: 'hunter2', TOKEN: 'tok-3' };

/** Everything rotation may touch, to compare before and after. */
async function snapshot(db: Db) {
  return {
    variables: await db
      .select()
      .from(schema.envVariables)
      .orderBy(schema.envVariables.environmentId, schema.envVariables.key),
    check: await db
      .select()
      .from(schema.instanceSettings)
      .where(eq(schema.instanceSettings.key, KEY_CHECK_SETTING)),
  };
}

/** Whether every secret row opens with `key`. */
async function allOpenWith(db: Db, key: Buffer): Promise<boolean> {
  const box = new SecretBox(key);
  const rows = await db
    .select()
    .from(schema.envVariables)
    .where(eq(schema.envVariables.secret, true));
  expect(rows.length).toBeGreaterThan(0);
  return rows.every((r) => {
    try {
      box.open(must(r.ciphertext, 'r.ciphertext'));
      return true;
    } catch {
      return false;
    }
  });
}

describe.each(testDatabaseKinds())('the secret key on %s', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
  });
  afterEach(() => db.close());

  it('the first start stores a check value (not the key); the same key starts again, another is refused', async () => {
    const key = newKey();
    await checkSecretKey(db.db, key);
    const [row] = await db.db
      .select()
      .from(schema.instanceSettings)
      .where(eq(schema.instanceSettings.key, KEY_CHECK_SETTING));
    const stored = JSON.stringify(must(row, 'row').value);
    expect(must(row, 'row').value).toMatchObject({
      algorithm: 'HMAC-SHA256',
      value: keyCheckValue(key),
    });
    expect(stored).not.toContain(hex(key));
    expect(stored).not.toContain(key.toString('base64'));
    await checkSecretKey(db.db, key);
    await expect(checkSecretKey(db.db, newKey())).rejects.toThrow(SecretKeyMismatchError);
    await expect(checkSecretKey(db.db, newKey())).rejects.toThrow(/FERRY_SECRET_KEY/);
  });

  it('an instance with secrets but no check value yet starts only with the key that decrypts them', async () => {
    const key = newKey();
    await seed(apiWith(db, key));
    await db.db
      .delete(schema.instanceSettings)
      .where(eq(schema.instanceSettings.key, KEY_CHECK_SETTING));
    await expect(checkSecretKey(db.db, newKey())).rejects.toThrow(SecretKeyMismatchError);
    expect((await snapshot(db.db)).check).toEqual([]); // the wrong key stored nothing
    await checkSecretKey(db.db, key);
    expect(
      must((await snapshot(db.db)).check[0], '(await snapshot(db.db)).check[0]').value,
    ).toMatchObject({ value: keyCheckValue(key) });
  });

  it('rotation re-encrypts every secret: readable with the new key, not the old; check value updated', async () => {
    const [oldKey, next] = [newKey(), newKey()];
    await seed(apiWith(db, oldKey));
    await checkSecretKey(db.db, oldKey);
    const plain = (await snapshot(db.db)).variables.filter((v) => !v.secret);
    const progress: string[] = [];
    const result = await rotateSecretKey(db, { key: oldKey, source: 'given' }, next, {
      onProgress: (done, total) => void progress.push(`${done}/${total}`),
    });
    expect(result.secrets).toBe(4);
    expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(await allOpenWith(db.db, next)).toBe(true);
    expect(await allOpenWith(db.db, oldKey)).toBe(false);
    const after = await snapshot(db.db);
    expect(must(after.check[0], 'after.check[0]').value).toMatchObject({
      value: keyCheckValue(next),
    });
    expect(after.variables.filter((v) => !v.secret)).toEqual(plain);
    // What an admin sees with the new key is what was stored; the old key starts nothing now.
    const shown = await apiWith(db, next).environments.show({ environment: 'prod', reveal: true });
    expect(Object.fromEntries(shown.variables.map((v) => [v.key, v.value]))).toEqual({
      API_KEY: SECRETS.API_KEY,
      DB_PASSWORD: SECRETS.DB_PASSWORD,
      REGION: 'eu',
    });
    await checkSecretKey(db.db, next);
    await expect(checkSecretKey(db.db, oldKey)).rejects.toThrow(SecretKeyMismatchError);
    const [audit] = await db.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'instance.rotate-key'));
    expect(must(audit, 'audit').details).toEqual({ secrets: 4 });
  });

  it('a server left running on the old key after a rotation saves no secret under it', async () => {
    const [oldKey, next] = [newKey(), newKey()];
    const stale = apiWith(db, oldKey);
    await seed(stale);
    await checkSecretKey(db.db, oldKey);
    await rotateSecretKey(db, { key: oldKey, source: 'given' }, next);
    const before = await snapshot(db.db);
    const refused = await stale.environments
      .set({
        environment: 'prod',
        variables: [{ key: 'NEW_SECRET', value: 'lost?', secret: true }],
      })
      .catch((e: unknown) => e as { ferryCode?: string; details?: unknown; message: string });
    expect(refused).toMatchObject({
      ferryCode: 'PRECONDITION_FAILED',
      details: { reason: 'SECRET_KEY_ROTATED' },
    });
    expect(await snapshot(db.db)).toEqual(before);
    // Plain variables need no key; with the new key, secrets are saved again.
    await stale.environments.set({
      environment: 'prod',
      variables: [{ key: 'PLAIN', value: 'ok' }],
    });
    await apiWith(db, next).environments.set({
      environment: 'prod',
      variables: [{ key: 'NEW_SECRET', value: 'kept', secret: true }],
    });
    expect(await allOpenWith(db.db, next)).toBe(true);
  });

  it('rotation with a wrong current key changes nothing', async () => {
    const key = newKey();
    await seed(apiWith(db, key));
    await checkSecretKey(db.db, key);
    const before = await snapshot(db.db);
    await expect(rotateSecretKey(db, { key: newKey(), source: 'given' }, newKey())).rejects.toThrow(
      /FERRY_SECRET_KEY is not the key/,
    );
    expect(await snapshot(db.db)).toEqual(before);
  });

  it('a failure half-way through rotation leaves every secret and the check value under the old key', async () => {
    const key = newKey();
    await seed(apiWith(db, key));
    await checkSecretKey(db.db, key);
    const before = await snapshot(db.db);
    await expect(
      rotateSecretKey(db, { key, source: 'given' }, newKey(), {
        onProgress: (done) => {
          if (done === 2) throw new Error('disk on fire');
        },
      }),
    ).rejects.toThrow('disk on fire');
    expect(await snapshot(db.db)).toEqual(before);
    expect(await allOpenWith(db.db, key)).toBe(true);
  });
});

/** The child (plain JavaScript on the built packages, no tsx: see the file). */
const crashChild = fileURLToPath(new URL('./test-support/rotate-then-crash.mjs', import.meta.url));

/** Runs the rotate-then-SIGKILL child on `target` (a data directory or a PostgreSQL URL). */
function rotateAndCrash(target: string, current: Buffer, next: Buffer) {
  return new Promise<{ signal: NodeJS.Signals | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [crashChild, target, hex(current), hex(next)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (_code, signal) => resolve({ signal, out }));
  });
}

describe.each(testDatabaseKinds())('a crash in the middle of rotation on %s', (kind) => {
  it('SIGKILL half-way leaves everything under the old key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-rotate-crash-'));
    const pg = kind === 'postgres' ? await openTestDatabase('postgres') : null;
    try {
      const key = newKey();
      const target = pg ? must(pg.url, 'pg.url') : join(dir, 'data');
      const seeding = pg ?? (await openDatabase({ dataDir: await seedDataDir(target) }));
      await seed(apiWith(seeding, key));
      await checkSecretKey(seeding.db, key);
      const before = await snapshot(seeding.db);
      if (!pg) await seeding.close();

      const crashed = await rotateAndCrash(target, key, newKey());
      expect(crashed.signal).toBe('SIGKILL');
      expect(crashed.out).toMatch(/killing myself after 2 of 4/);

      const reopened = pg ?? (await openDatabase({ dataDir: target }));
      try {
        expect(await snapshot(reopened.db)).toEqual(before);
        expect(await allOpenWith(reopened.db, key)).toBe(true);
        await checkSecretKey(reopened.db, key);
      } finally {
        if (!pg) await reopened.close();
      }
    } finally {
      await pg?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rotate-key on the embedded database with its generated key file', () => {
  const quiet = { port: 0, logger: pino({ level: 'silent' }), announce: () => {} };

  it('replaces the key file, refuses while a server holds the directory, and a cut-short rename is finished at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-rotate-file-'));
    // A data directory holding initdb's cluster (the first start is not what these tests are about).
    const dataDir = await seedDataDir(join(dir, 'data'));
    const keyFile = join(dataDir, 'secret.key');
    try {
      let server = await startServer({ ...quiet, dataDir });
      await seed(createCaller(createContextInner({ services: server.services, caller: admin })));
      const oldKeyText = readFileSync(keyFile, 'utf8');
      await expect(rotateInstanceKey({ dataDir })).rejects.toThrow(
        /in use by another Ferry process/,
      );
      await server.close();

      const rotated = await rotateInstanceKey({ dataDir });
      expect(rotated).toMatchObject({ secrets: 4, keyFile, database: 'pglite' });
      const newKeyText = readFileSync(keyFile, 'utf8');
      expect(newKeyText).not.toBe(oldKeyText);
      expect(rotated.generatedKey).toBe(newKeyText);
      expect(existsSync(`${keyFile}.next`)).toBe(false);

      // Started again with the file's (new) key: the secrets read as before.
      server = await startServer({ ...quiet, dataDir });
      const show = () =>
        createCaller(
          createContextInner({ services: server.services, caller: admin }),
        ).environments.show({ environment: 'stage', reveal: true });
      expect(
        must(
          (await show()).variables.find((v) => v.key === 'TOKEN'),
          "(await show()).variables.find((v) => v.key === 'TOKEN')",
        ).value,
      ).toBe(SECRETS.TOKEN);
      await server.close();

      // A rotation cut short after its commit, before its rename: the old key still in secret.key,
      // the new one in secret.key.next. The next start sees from the check value which one is the key.
      writeFileSync(`${keyFile}.next`, newKeyText);
      writeFileSync(keyFile, oldKeyText);
      server = await startServer({ ...quiet, dataDir });
      expect(readFileSync(keyFile, 'utf8')).toBe(newKeyText);
      expect(existsSync(`${keyFile}.next`)).toBe(false);
      expect(
        must(
          (await show()).variables.find((v) => v.key === 'TOKEN'),
          "(await show()).variables.find((v) => v.key === 'TOKEN')",
        ).value,
      ).toBe(SECRETS.TOKEN);
      await server.close();

      // Cut short before its commit: secret.key.next is not the instance's key and is dropped.
      writeFileSync(`${keyFile}.next`, newKey().toString('base64'));
      server = await startServer({ ...quiet, dataDir });
      expect(readFileSync(keyFile, 'utf8')).toBe(newKeyText);
      expect(existsSync(`${keyFile}.next`)).toBe(false);
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates no new key for an instance whose secrets are under another (a restored backup, a lost key file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-rotate-lost-'));
    // A data directory holding initdb's cluster (the first start is not what these tests are about).
    const dataDir = await seedDataDir(join(dir, 'data'));
    const keyFile = join(dataDir, 'secret.key');
    try {
      const server = await startServer({ ...quiet, dataDir });
      await seed(createCaller(createContextInner({ services: server.services, caller: admin })));
      await server.close();
      const key = readFileSync(keyFile, 'utf8');
      rmSync(keyFile);
      await expect(startServer({ ...quiet, dataDir })).rejects.toThrow(
        /FERRY_SECRET_KEY is not set and .*secret\.key is missing, but this instance already has secrets/,
      );
      expect(existsSync(keyFile)).toBe(false);
      // Given that key (as the backup documentation says), it starts.
      const again = await startServer({ ...quiet, dataDir, secretKey: key });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates nothing where there is no database', async () => {
    const dir = join(tmpdir(), `ferry-rotate-none-${process.pid}`);
    await expect(rotateInstanceKey({ dataDir: dir })).rejects.toThrow(/There is no Ferry database/);
    expect(existsSync(dir)).toBe(false);
  });
});
