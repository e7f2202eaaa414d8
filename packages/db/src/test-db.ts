// Test harness: a fresh database with the real migrations, on PGlite and, when DATABASE_URL is
// set, on that PostgreSQL too (a new database per call, dropped afterwards).
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { openDatabase, type Database } from './database.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { must } from '@ferry/core';

export { startFaultProxy, type FaultProxy };

export const testDatabaseKinds = (): ('pglite' | 'postgres')[] =>
  process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  /** The PostgreSQL URL of the fresh database (null on PGlite). */
  url: string | null;
}

export async function openTestDatabase(kind: 'pglite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'pglite')
    return {
      ...(await openDatabase({ dataDir: null, template: (await pgliteTemplate()).tarball })),
      url: null,
    };
  const base = must(process.env.DATABASE_URL, 'process.env.DATABASE_URL');
  const name = `ferry_test_${randomUUID().replace(/-/g, '')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = '/' + name;
  const database = await openDatabase({ databaseUrl: url.toString() });
  return {
    ...database,
    url: url.toString(),
    close: async () => {
      await database.close();
      const drop = postgres(base, { max: 1, onnotice: () => {} });
      await drop.unsafe(`drop database if exists ${name} with (force)`);
      await drop.end();
    },
  };
}

/** A fresh PostgreSQL test database opened through a fault proxy (`proxy` injects the faults). */
export interface FaultyDatabase extends Database {
  proxy: FaultProxy;
}

export async function openBehindFaultProxy(maxConnections = 4): Promise<FaultyDatabase> {
  const direct = await openTestDatabase('postgres');
  const proxy = await startFaultProxy(must(direct.url, 'direct.url'));
  const database = await openDatabase({ databaseUrl: proxy.url, migrate: false, maxConnections });
  return {
    ...database,
    proxy,
    close: async () => {
      await database.close();
      await proxy.close();
      await direct.close();
    },
  };
}

/**
 * A new embedded database is mostly PGlite's initdb: several CPU-seconds (ten on a busy 2-core
 * machine for a data directory), against a fraction of a second for Ferry's migrations. Every test
 * database starts from the same freshly initialised, not yet migrated cluster, so initdb runs once
 * per PGlite version on this machine: its output is kept in the db package's node_modules/.cache,
 * and each test database starts from a copy and runs the real migrations as usual.
 */
export interface PgliteTemplate {
  /** The cluster as a `dumpDataDir` tarball, for in-memory databases. */
  tarball: Blob;
  /** The same cluster as a PGlite data directory (what Ferry keeps in `<data>/pgdata`). */
  pgdata: string;
}

let template: Promise<PgliteTemplate> | undefined;

export function pgliteTemplate(): Promise<PgliteTemplate> {
  return (template ??= loadTemplate());
}

/**
 * Give an embedded data directory that does not exist yet the state Ferry's first start leaves
 * before it migrates (initdb's cluster in `<dataDir>/pgdata`), so that the first open skips initdb
 * and migrates as usual. For tests whose subject is not the very first start.
 */
export async function seedDataDir(dataDir: string): Promise<string> {
  const target = join(dataDir, 'pgdata');
  if (existsSync(target)) throw new Error(`seedDataDir: ${target} already exists.`);
  const { pgdata } = await pgliteTemplate();
  mkdirSync(dataDir, { recursive: true });
  cpSync(pgdata, target, { recursive: true });
  return dataDir;
}

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
}

async function loadTemplate(): Promise<PgliteTemplate> {
  const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
  const dir = join(cache, `ferry-pglite-template-${pgliteVersion()}`);
  const building = `${dir}.building`;
  mkdirSync(cache, { recursive: true });
  // One process builds it (the others, test files starting at the same moment, wait for it); a
  // builder that died (a lock older than five minutes) is taken over.
  for (const until = Date.now() + 300_000; !existsSync(dir);) {
    try {
      mkdirSync(building);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - statSync(building).mtimeMs > 300_000)
        rmSync(building, { recursive: true, force: true });
      else if (Date.now() > until)
        throw new Error(`Timed out waiting for another process to build ${dir}.`, { cause: e });
      else await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    try {
      const staging = mkdtempSync(join(cache, 'ferry-pglite-staging-'));
      const client = new PGlite(join(staging, 'pgdata'));
      await client.waitReady;
      const tarball = await client.dumpDataDir('none');
      await client.close();
      writeFileSync(join(staging, 'pgdata.tar'), Buffer.from(await tarball.arrayBuffer()));
      renameSync(staging, dir);
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
  }
  return {
    tarball: new Blob([readFileSync(join(dir, 'pgdata.tar'))]),
    pgdata: join(dir, 'pgdata'),
  };
}
