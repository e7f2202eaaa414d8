// Test harness: a fresh database with the real migrations, on PGlite and, when DATABASE_URL is
// set, on that PostgreSQL too (a new database per call, dropped afterwards).
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from './database.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { must } from '@ferry/core';
import {
  cachedCluster,
  pgliteTemplate,
  pgliteVersion,
  seedDataDir,
  type PgliteTemplate,
} from './pglite-template.js';

export { pgliteTemplate, seedDataDir, type PgliteTemplate } from './pglite-template.js';

export { startFaultProxy, type FaultProxy };

export { builtEntry, ensureFreshBuilds } from './fresh-build.js';

export const testDatabaseKinds = (): ('pglite' | 'postgres')[] =>
  process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  /** The PostgreSQL URL of the fresh database (null on PGlite). */
  url: string | null;
}

let migrated: Promise<PgliteTemplate> | undefined;

/**
 * The PGlite template with Ferry's migrations applied by the real `migrate`, cached per PGlite
 * version and migration files (a changed or added migration makes a new one). Opening a copy costs
 * about half what the copy of the bare cluster plus the migrations does; opened with `migrate`, it
 * still has every migration's checksum checked. Tests whose subject is migrating start from
 * `pgliteTemplate()` instead.
 */
export function migratedPgliteTemplate(): Promise<PgliteTemplate> {
  if (migrated) return migrated;
  const migrations = new URL('../drizzle/', import.meta.url);
  const files = [
    'meta/_journal.json',
    ...readdirSync(migrations).filter((f) => f.endsWith('.sql')),
  ];
  const hash = createHash('sha256');
  for (const file of files.sort())
    hash.update(file).update(readFileSync(new URL(file, migrations)));
  const name = `ferry-pglite-migrated-${pgliteVersion()}-${hash.digest('hex').slice(0, 16)}`;
  return (migrated = cachedCluster(name, async (staging) => {
    cpSync((await pgliteTemplate()).pgdata, join(staging, 'pgdata'), { recursive: true });
    await (await openDatabase({ dataDir: staging })).close();
  }));
}

/**
 * Give an embedded data directory that does not exist yet the state of a started Ferry before its
 * first account or key (initdb's cluster, migrated, in `<dataDir>/pgdata`). For tests whose subject
 * is neither the very first start nor migrating; `seedDataDir` leaves the migrations to the start.
 */
export const seedMigratedDataDir = (dataDir: string): Promise<string> =>
  seedDataDir(dataDir, migratedPgliteTemplate());

export async function openTestDatabase(kind: 'pglite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'pglite')
    return {
      ...(await openDatabase({
        dataDir: null,
        template: (await migratedPgliteTemplate()).tarball,
      })),
      url: null,
    };
  const base = must(process.env.DATABASE_URL, 'process.env.DATABASE_URL');
  const name = `ferry_test_${randomUUID().replace(/-/g, '')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  // A test database need not outlive a crash of the server: commits do not wait for the WAL to
  // reach the disk (tests spent much of their time in those waits). Never set on a real database.
  await admin.unsafe(`alter database ${name} set synchronous_commit = off`);
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
