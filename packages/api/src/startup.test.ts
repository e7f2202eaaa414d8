// Starting the server process (`node dist/main.js`, here its source) when it cannot: one line on
// stderr and no stack, exit 2 for a wrong setting and 1 otherwise, and nothing created on disk.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase, seedDataDir, testDatabaseKinds, builtEntry } from '@ferry/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './server.js';
import { must } from '@ferry/core';

// The built server (fresh-build.ts rebuilds it first when its sources changed).
const mainJs = builtEntry('api', 'main.js');
const STACK = /\n\s+at |\bat .*\.(ts|js):\d+/;
const quiet = { logger: pino({ level: 'silent' }), announce: () => {} };

/** Runs the server entry point until it exits (these starts all fail). */
function runMain(env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [mainJs], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        FERRY_SECRET_KEY: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One line on stderr, no stack anywhere. */
function expectOneLine(run: { stdout: string; stderr: string }, pattern: RegExp) {
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr + run.stdout).not.toMatch(STACK);
}

describe('a server that cannot start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-startup-'));
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => {
    busy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('naming a wrong variable prints one line naming each (parseServerEnv) and exits 2', async () => {
    const data = join(dir, 'bad-variables-data');
    const run = await runMain({
      LOG_LEVEL: 'chatty',
      FERRY_MAX_REQUEST_MB: '-3',
      FERRY_DATA_DIR: data,
    });
    expect(run.code).toBe(2);
    expectOneLine(run, /^FERRY_MAX_REQUEST_MB must be .*"-3"\. LOG_LEVEL must be .*"chatty"\.$/m);
    expect(run.stdout).toBe('');
    expect(existsSync(data)).toBe(false);
  });

  it('on a busy port prints one line, exits 2 and leaves no data directory behind', async () => {
    const data = join(dir, 'busy-port-data');
    const run = await runMain({ PORT: String(busyPort), FERRY_DATA_DIR: data });
    expect(run.code).toBe(2);
    expectOneLine(run, new RegExp(`Port ${busyPort} .*already in use`));
    expect(existsSync(data)).toBe(false);
  });

  it.skipIf(!testDatabaseKinds().includes('postgres'))(
    'naming a database that does not exist in DATABASE_URL prints one line and exits 2',
    async () => {
      const url = new URL(must(process.env.DATABASE_URL, 'process.env.DATABASE_URL'));
      url.pathname = '/ferry_no_such_database';
      const run = await runMain({
        DATABASE_URL: url.toString(),
        FERRY_SECRET_KEY: randomBytes(32).toString('hex'),
      });
      expect(run.code).toBe(2);
      expectOneLine(run, /^The database refused the connection \(DATABASE_URL\): .*does not exist/);
    },
  );

  it('with a malformed FERRY_SECRET_KEY prints one line, exits 2 and creates nothing', async () => {
    const data = join(dir, 'bad-key-data');
    const run = await runMain({ FERRY_DATA_DIR: data, FERRY_SECRET_KEY: 'not-a-key' });
    expect(run.code).toBe(2);
    expectOneLine(run, /^FERRY_SECRET_KEY must be 32 bytes/);
    expect(existsSync(data)).toBe(false);
  });

  it('on a data directory another server holds prints one line and exits 2', async () => {
    const data = await seedDataDir(join(dir, 'held-data')); // initdb done: not the subject here
    const holder = await startServer({ ...quiet, port: 0, dataDir: data });
    try {
      const run = await runMain({ FERRY_DATA_DIR: data });
      expect(run.code).toBe(2);
      expectOneLine(run, /in use by another Ferry process/);
    } finally {
      await holder.close();
    }
  });

  it('with an unreachable DATABASE_URL prints one line (no password) and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
    const run = await runMain({
      DATABASE_URL: `postgres://ferry:pa55word@127.0.0.1:${closedPort}/nowhere`,
      FERRY_SECRET_KEY: randomBytes(32).toString('hex'),
    });
    expect(run.code).toBe(1);
    expectOneLine(run, /^Cannot reach the database at DATABASE_URL \(ECONNREFUSED/);
    expect(run.stderr).not.toContain('pa55word');
  });

  it('on the embedded database, with a FERRY_SECRET_KEY other than its key, exits 2 naming FERRY_SECRET_KEY', async () => {
    const data = await seedDataDir(join(dir, 'mismatch-data')); // initdb done: not the subject here
    const first = await startServer({ ...quiet, port: 0, dataDir: data }); // generates secret.key
    await first.close();
    const run = await runMain({
      FERRY_DATA_DIR: data,
      FERRY_SECRET_KEY: randomBytes(32).toString('base64'),
    });
    expect(run.code).toBe(2);
    expectOneLine(
      run,
      /^FERRY_SECRET_KEY is not the key this instance's secrets are encrypted with/,
    );
  });

  it.skipIf(!testDatabaseKinds().includes('postgres'))(
    'on PostgreSQL, a replica with another FERRY_SECRET_KEY exits 2 naming FERRY_SECRET_KEY',
    async () => {
      const db = await openTestDatabase('postgres');
      try {
        const first = await startServer({
          ...quiet,
          port: 0,
          databaseUrl: must(db.url, 'db.url'),
          secretKey: randomBytes(32).toString('hex'),
        });
        await first.close();
        const run = await runMain({
          DATABASE_URL: must(db.url, 'db.url'),
          FERRY_SECRET_KEY: randomBytes(32).toString('hex'),
        });
        expect(run.code).toBe(2);
        expectOneLine(
          run,
          /^FERRY_SECRET_KEY is not the key this instance's secrets are encrypted with/,
        );
      } finally {
        await db.close();
      }
    },
  );
});
