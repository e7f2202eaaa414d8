// One way to open Ferry's database: embedded PGlite in a data directory by default, PostgreSQL
// when a URL is given. Both get the same schema, migrations and queries.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { migrate } from './migrate.js';
import * as schema from './schema.js';

/** A Drizzle database or transaction over Ferry's schema, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where an embedded database keeps its files (null for PostgreSQL or in-memory PGlite). */
  dataDir: string | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL connection URL; when absent, embedded PGlite is used. */
  databaseUrl?: string;
  /** Data directory of the embedded database; `null` keeps it in memory (tests). */
  dataDir?: string | null;
  /** Run migrations (default true). */
  migrate?: boolean;
  /** Largest PostgreSQL pool (default 10). */
  maxConnections?: number;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Ferry process (pid ${pid}); ` +
        'two processes on one embedded database would corrupt it. Stop that process or use another directory.',
    );
  }
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const database = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.maxConnections ?? 10)
    : await openPglite(options.dataDir === undefined ? './.ferry/data' : options.dataDir);
  if (options.migrate !== false) {
    try {
      await migrate(database.db);
    } catch (e) {
      await database.close();
      throw e;
    }
  }
  return database;
}

function openPostgres(url: string, max: number): Database {
  const client = postgres(url, { max, onnotice: () => {} });
  return {
    db: drizzlePostgres({ client, schema }) as unknown as Db,
    kind: 'postgres',
    dataDir: null,
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | null): Promise<Database> {
  if (dataDir === null) {
    const client = new PGlite();
    return {
      db: drizzlePglite({ client, schema }) as unknown as Db,
      kind: 'pglite',
      dataDir: null,
      close: () => client.close(),
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  try {
    const client = new PGlite(join(dataDir, 'pgdata'));
    await client.waitReady;
    return {
      db: drizzlePglite({ client, schema }) as unknown as Db,
      kind: 'pglite',
      dataDir,
      close: async () => {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * PGlite has no lock of its own: take an exclusive lock file holding our pid. A lock left by a
 * process that no longer runs (killed) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'ferry.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid))
        throw new DataDirLockedError(dataDir, pid);
      if (pid === process.pid) throw new DataDirLockedError(dataDir, pid);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock the data directory ${dataDir}.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
