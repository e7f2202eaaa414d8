// `ferry backup create` and `ferry backup restore` as an operator runs them, through the built CLI
// against real servers: on PGlite and PostgreSQL, across the two, and with every refusal.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '@ferry/api';
import {
  openTestDatabase,
  seedDataDir,
  testDatabaseKinds,
  type TestDatabase,
} from '@ferry/db/testing';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, STACK, ferry, fixturePath, tempDir } from './support.js';
import { must } from '@ferry/core';

type Kind = 'pglite' | 'postgres';
const KEY = 'a'.repeat(64);

/** A database to serve or restore into: a data directory, or a fresh PostgreSQL database. */
interface Target {
  kind: Kind;
  dataDir?: string;
  pg?: TestDatabase;
  /** What `ferry backup restore` is given to name it. */
  args: string[];
  env: Record<string, string>;
}

const dirs: string[] = [];
const pgs: TestDatabase[] = [];
afterAll(async () => {
  for (const db of pgs) await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A source (`seeded`) starts from initdb's cluster (`seedDataDir`: the first start is not this
 * file's subject); a restore target is a directory that does not exist yet, as an operator's is,
 * except where a restore into a new directory was already tested in this run (`seeded` again).
 */
async function newTarget(kind: Kind, seeded = false): Promise<Target> {
  if (kind === 'pglite') {
    const dir = tempDir('backup');
    dirs.push(dir);
    const dataDir = join(dir, 'data');
    if (seeded) await seedDataDir(dataDir);
    return { kind, dataDir, args: ['--data', dataDir], env: {} };
  }
  // A fresh database; its own handle is closed so only the CLI and servers use it.
  const pg = await openTestDatabase('postgres');
  pgs.push(pg);
  return { kind, pg, args: [], env: { DATABASE_URL: must(pg.url, 'pg.url') } };
}

function serve(target: Target): Promise<RunningServer> {
  return startServer({
    port: 0,
    ...(target.pg
      ? { databaseUrl: must(target.pg.url, 'target.pg.url') }
      : { dataDir: must(target.dataDir, 'target.dataDir') }),
    secretKey: KEY,
    adminToken: ADMIN_TOKEN,
    adminPassword: 'correct horse battery staple',
    logger: pino({ level: 'silent' }),
    announce: () => {},
  });
}

const as = (server: RunningServer, token = ADMIN_TOKEN) => ['--url', server.url, '--token', token];

/** What an operator checks after a restore: automations, their content, versions, env, users. */
async function state(server: RunningServer) {
  const json = async (args: string[]) => {
    const r = await ferry([...args, ...as(server), '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as unknown;
  };
  return {
    automations: await json(['automation', 'list']),
    content: await json(['automation', 'export', 'Dev']),
    versions: await json(['version', 'list', 'Dev']),
    env: await json(['env', 'show', 'production', '--reveal']),
    users: await json(['user', 'list']),
  };
}

const sources = testDatabaseKinds();

describe.each(sources)('ferry backup from a server on %s', (sourceKind) => {
  it('backs up through the API and restores into an empty database of every kind, secrets readable with the key', async () => {
    const source = await newTarget(sourceKind, true);
    const server = await serve(source);
    const dir = tempDir('files');
    dirs.push(dir);
    try {
      const imported = await ferry([
        'automation',
        'import',
        fixturePath('returns-desk.json'),
        '--name',
        'Dev',
        ...as(server),
      ]);
      expect(imported.code, imported.stderr).toBe(0);
      expect((await ferry(['version', 'save', 'Dev', '--name', 'v1', ...as(server)])).code).toBe(0);
      expect((await ferry(['env', 'create', 'production', ...as(server)])).code).toBe(0);
      const set = await ferry([
        'env',
        'set',
        'production',
        'API_KEY=sk-live-9',
        '--secret',
        ...as(server),
      ]);
      expect(set.code, set.stderr).toBe(0);
      const before = await state(server);

      const file = join(dir, 'instance.ndjson.gz');
      const created = await ferry(['backup', 'create', '--out', file, ...as(server), '--json']);
      expect(created.code, created.stderr).toBe(0);
      const summary = JSON.parse(created.stdout) as {
        file: string;
        bytes: number;
        rows: number;
        database: string;
        tables: Record<string, number>;
      };
      expect(summary).toMatchObject({ file, database: sourceKind, bytes: statSync(file).size });
      expect(summary.tables).toMatchObject({ automations: 1, versions: 1, env_variables: 1 });
      expect(summary.tables.sessions).toBeUndefined();
      expect(created.stderr).toBe(''); // not a terminal: no progress
      expect(existsSync(`${file}.partial`)).toBe(false);
      // Never overwrites a file.
      const again = await ferry(['backup', 'create', '--out', file, ...as(server)]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already exists/);

      const targets: Kind[] =
        sources.length > 1
          ? sources.filter((k) => k !== sourceKind).concat(sourceKind)
          : [sourceKind];
      for (const targetKind of targets) {
        // The restore into a directory that does not exist yet (PGlite's initdb in the child, the
        // costliest step here) is the embedded source's; the PostgreSQL source's restore into an
        // embedded target starts from initdb's cluster, the state a first start leaves.
        const target = await newTarget(targetKind, sourceKind !== 'pglite');
        const restored = await ferry(['backup', 'restore', file, ...target.args], {
          env: target.env,
        });
        expect(restored.code, restored.stderr).toBe(0);
        expect(restored.stdout).toMatch(
          new RegExp(`Restored ${summary.rows.toLocaleString('en-US')} rows`),
        );
        expect(restored.stdout).toMatch(/all intact/);
        expect(restored.stderr).toMatch(
          targetKind === 'pglite' ? /copy the source's secret\.key/ : /FERRY_SECRET_KEY/,
        );
        // A second restore into the now used database is refused, changing nothing.
        const twice = await ferry(['backup', 'restore', file, ...target.args], { env: target.env });
        expect(twice.code).toBe(4);
        expect(twice.stderr).toMatch(/not empty/);
        const restoredServer = await serve(target);
        try {
          expect(await state(restoredServer)).toEqual(before);
        } finally {
          await restoredServer.close();
        }
      }
    } finally {
      await server.close();
    }
    // About 20 `ferry` processes and, from the embedded source, a restore into a new directory
    // (PGlite's initdb in the child: ~10 CPU-s on two busy cores): up to a minute on a quiet machine
    // and several under the whole suite, so it gets its own honest budget.
  }, 300_000);
});

describe('ferry backup refusals', () => {
  it('gives a non-admin exit 5, and refuses corrupt files and unnamed targets without touching anything', async () => {
    const source = await newTarget('pglite', true);
    const server = await serve(source);
    const dir = tempDir('refusals');
    dirs.push(dir);
    try {
      const user = await ferry([
        'user',
        'create',
        'vera',
        '--role',
        'viewer',
        ...as(server),
        '--json',
      ]);
      expect(user.code, user.stderr).toBe(0);
      const viewerToken = (JSON.parse(user.stdout) as { token: string }).token;
      const denied = await ferry([
        'backup',
        'create',
        '--out',
        join(dir, 'x.gz'),
        ...as(server, viewerToken),
      ]);
      expect(denied.code).toBe(5);
      expect(denied.stderr).toMatch(/viewer role may not/);
      expect(existsSync(join(dir, 'x.gz'))).toBe(false);
      expect(existsSync(join(dir, 'x.gz.partial'))).toBe(false);

      const file = join(dir, 'good.gz');
      expect((await ferry(['backup', 'create', '--out', file, ...as(server)])).code).toBe(0);
      const bytes = readFileSync(file);
      const cut = join(dir, 'cut.gz');
      writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
      const target = join(dir, 'restored');
      const refused = await ferry(['backup', 'restore', cut, '--data', target]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/cannot be restored: .*Nothing was changed/);
      expect(refused.stderr).not.toMatch(STACK);
      expect(existsSync(target)).toBe(false);

      const unnamed = await ferry(['backup', 'restore', file]);
      expect(unnamed.code).toBe(2);
      expect(unnamed.stderr).toMatch(/--data DIR .* or DATABASE_URL/);
      const missing = await ferry(['backup', 'restore', join(dir, 'nope.gz'), '--data', target]);
      expect(missing.code).toBe(2);
      // The running source's directory is locked: never restored into behind its back.
      const locked = await ferry([
        'backup',
        'restore',
        file,
        '--data',
        must(source.dataDir, 'source.dataDir'),
      ]);
      expect(locked.code).toBe(4);
    } finally {
      await server.close();
    }
  });
});
