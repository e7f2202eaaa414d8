// Test harness: a fresh database with the real migrations, on PGlite and, when DATABASE_URL is
// set, on that PostgreSQL too (a new database per call, dropped afterwards).
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from './database.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { must } from '@ferry/core';
import { pgliteTemplate } from './pglite-template.js';

export { pgliteTemplate, seedDataDir, type PgliteTemplate } from './pglite-template.js';

export { startFaultProxy, type FaultProxy };

export { builtEntry, ensureFreshBuilds } from './fresh-build.js';

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
