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
    // Every statement is prepared once per connection; planning it again at each execution (what
    // PostgreSQL's default does when it judges a generic plan costlier, as it does for the edit's
    // one statement) cost more of the database's CPU than running it. Ferry's statements read by
    // key, with lookups the planner cannot turn into scans (node-store.ts), so one plan fits all
    // values. A connection pooler in front must pass this parameter (PgBouncer:
    // `ignore_startup_parameters`), as docs/operations.md says.
    connection: { plan_cache_mode: 'force_generic_plan' },
  });
  return {
    db: drizzlePostgres({ client: preparing(client), schema }) as unknown as Db,
    kind: 'postgres',
    dataDir: null,
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * An in-memory database is a test's, holding a few megabytes: a 16 MB buffer pool instead of
 * PostgreSQL's default 128 MB, which PGlite sets up in WebAssembly memory on every start (over a
 * quarter of the CPU a test database's start costs: 0.33 instead of 0.46 CPU-s).
 */
const IN_MEMORY_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

async function openPglite(dataDir: string | null, template?: Blob): Promise<Database> {
  if (dataDir === null) {
    const client = new PGlite({
      ...(template && { loadDataDir: template }),
      startParams: IN_MEMORY_START_PARAMS,
    });
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

/** Queries with at most this many parameters are prepared (a bound on each connection's statements). */
export const PREPARE_MAX_PARAMETERS = 16;

/**
 * The driver with its queries prepared. Drizzle sends every query unnamed (`prepare: false`), and
 * the driver then describes a query with parameters before it can bind them: two round trips to the
 * database for each query, each time. A prepared query is described once per connection and
 * costs one round trip after that. Queries with many parameters (lists of hashes or ids, batched
 * inserts) differ in their text with the length of the list: they stay unnamed, so that what a
 * connection keeps prepared is bounded (a few dozen fixed queries, and lists of up to
 * PREPARE_MAX_PARAMETERS). Transactions and savepoints hand out drivers that prepare too.
 */
function preparing(sql: postgres.Sql): postgres.Sql {
  const wrap = <F extends (...args: never[]) => unknown>(begin: F) =>
    ((...args: unknown[]) => {
      const last = args.length - 1;
      const fn = args[last];
      if (typeof fn === 'function')
        args[last] = (tx: postgres.Sql) => (fn as (tx: postgres.Sql) => unknown)(preparing(tx));
      return (begin as unknown as (...a: unknown[]) => unknown)(...args);
    }) as unknown as F;
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (query: string, params?: unknown[], options?: { prepare?: boolean }) =>
          target.unsafe(query, params as postgres.ParameterOrJSON<never>[], {
            ...options,
            prepare: options?.prepare === true || (params?.length ?? 0) <= PREPARE_MAX_PARAMETERS,
          });
      const value: unknown = Reflect.get(target, prop, receiver);
      if ((prop === 'begin' || prop === 'savepoint') && typeof value === 'function')
        return wrap((value as (...a: never[]) => unknown).bind(target));
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
