// One way to open Ferry's database: embedded PGlite in a data directory by default, PostgreSQL
// when a URL is given. Both get the same schema, migrations and queries.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock.js';
import { migrate } from './migrate.js';
import * as schema from './schema.js';

export { DataDirLockedError } from './data-dir-lock.js';

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
  /**
   * In-memory PGlite only: start from this initialised cluster (a `dumpDataDir` tarball) instead of
   * running initdb, which is most of the cost of a new embedded database (tests: `@ferry/db/testing`).
   */
  template?: Blob;
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const database = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.maxConnections ?? 10)
    : await openPglite(
        options.dataDir === undefined ? './.ferry/data' : options.dataDir,
        options.template,
      );
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
  const client = postgres(url, {
    max,
    onnotice: () => {},
    // While PostgreSQL is down (a restart), requests fail fast, and the pool reconnects within a
    // second of its return: the driver's default backoff grows to 20 s between attempts and its
    // connect timeout is 30 s, so the server would stay unavailable long after the database is back.
    connect_timeout: 5,
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
  });
  return {
    db: drizzlePostgres({ client, schema }) as unknown as Db,
    kind: 'postgres',
    dataDir: null,
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | null, template?: Blob): Promise<Database> {
  if (dataDir === null) {
    const client = new PGlite(template ? { loadDataDir: template } : {});
    return {
      db: drizzlePglite({ client, schema }) as unknown as Db,
      kind: 'pglite',
      dataDir: null,
      close: () => client.close(),
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const release = await lockDataDir(dataDir);
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
