import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { must, MemoryNodeStore, createSnapshotter, hydrate, importCbExport } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, PREPARE_MAX_PARAMETERS, openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { rawRows } from './raw-rows.js';
import { SqlNodeStore } from './node-store.js';
import { automations } from './schema.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './test-db.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const sharedBuffers = async ({ db }: Pick<TestDatabase, 'db'>) => {
  const [row] = await rawRows<{ shared_buffers: string }>(db, sql`show shared_buffers`);
  return row?.shared_buffers;
};

describe.each(testDatabaseKinds())('on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(() => database.close());

  it.runIf(kind === 'pglite')(
    'an in-memory database (a test’s) starts with a 16 MB buffer pool, not 128 MB',
    async () => {
      expect(await sharedBuffers(database)).toBe('16MB');
    },
  );

  it('migrations run once and again as a no-op', async () => {
    expect(await migrate(database.db)).toEqual([]);
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(sql`ferry_migrations`);
    const journal = JSON.parse(
      readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8'),
    );
    expect(must(row, 'row').n).toBe(journal.entries.length);
  });

  // Two connections to one database: PostgreSQL only (an embedded database has one client).
  it.runIf(kind === 'postgres')(
    'two migrations started at once apply each migration once',
    async () => {
      const other = await openDatabase({
        databaseUrl: must(database.url, 'database.url'),
        migrate: false,
      });
      const results = await Promise.all([
        migrate(database.db),
        migrate(other.db),
        migrate(database.db),
      ]);
      expect(results.flat()).toEqual([]);
      await other.close();
    },
  );

  // Each query prepared once per connection is one round trip after that, not two (describe, then
  // bind): in transactions and savepoints too; long parameter lists stay unnamed (bounded statements).
  it.runIf(kind === 'postgres')(
    'prepares queries with few parameters, in transactions and savepoints, and not long lists',
    async () => {
      const prepared = async (tx: typeof database.db, marker: string) => {
        const rows = (await tx.execute(
          sql`select count(*)::int as n from pg_prepared_statements where statement like ${'%' + marker + '%'} and statement not like '%pg_prepared_statements%'`,
        )) as unknown as { n: number }[];
        return must(rows[0], 'rows[0]').n;
      };
      const few = (tx: typeof database.db) =>
        tx.execute(sql`select ${1}::int + ${2}::int as few_params_marker`);
      const many = (tx: typeof database.db) =>
        tx.execute(
          sql`select array_length(array[${sql.join(
            Array.from({ length: PREPARE_MAX_PARAMETERS + 1 }, (_, i) => sql`${i}::int`),
            sql`, `,
          )}], 1) as many_params_marker`,
        );
      await database.db.transaction(async (tx) => {
        expect(await few(tx)).toEqual([{ few_params_marker: 3 }]);
        expect(await prepared(tx, 'few_params_marker')).toBe(1);
        expect(await many(tx)).toEqual([{ many_params_marker: PREPARE_MAX_PARAMETERS + 1 }]);
        expect(await prepared(tx, 'many_params_marker')).toBe(0);
        await tx.transaction(async (savepoint) => {
          await savepoint.execute(sql`select ${5}::int as savepoint_marker`);
          expect(await prepared(savepoint, 'savepoint_marker')).toBe(1);
        });
      });
    },
  );

  // A prepared statement is planned once for all its executions: planning the edit's statement
  // again at each one (PostgreSQL's default choice for it) cost a third of the database's CPU.
  it.runIf(kind === 'postgres')(
    'plans a prepared statement once, not at each execution',
    async () => {
      await database.db.transaction(async (tx) => {
        for (let i = 0; i < 8; i++)
          await tx.execute(sql`select ${i}::int + ${1}::int as planned_once_marker`);
        const rows = (await tx.execute(
          sql`select generic_plans::int as generic, custom_plans::int as custom
              from pg_prepared_statements
              where statement like ${'%planned_once_marker%'} and statement not like '%pg_prepared_statements%'`,
        )) as unknown as { generic: number; custom: number }[];
        expect(rows).toEqual([{ generic: 8, custom: 0 }]);
      });
    },
  );

  it('stores a snapshot once and reads it back node for node', async () => {
    const store = new SqlNodeStore(database.db);
    const snap = createSnapshotter(sha256);
    const imported = importCbExport(
      generateBotExport({ seed: 3, dialogs: 90, interactionsPerDialog: 12 }),
    );
    if (!imported.ok) throw new Error(imported.error.message);
    const { content } = imported.value;
    const root = snap.write(content);
    const written = snap.store.takeWritten();
    await store.putMany(written);
    await store.putMany(written); // idempotent: content addressed
    const count = await store.count();
    expect(count).toBeGreaterThanOrEqual(written.size);
    const fresh = new MemoryNodeStore();
    await hydrate(fresh, store, root);
    expect(createSnapshotter(sha256, fresh).read(root)).toEqual(content);
    const structure = new MemoryNodeStore();
    await hydrate(structure, store, root, { entities: false });
    expect(structure.size).toBeLessThan(fresh.size / 5);
  });
});

describe('the embedded database directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-db-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second process (or opener) on the same data directory with a clear error', async () => {
    const first = await openDatabase({ dataDir: dir });
    await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/in use by another Ferry process/);
    await first.close();
    const again = await openDatabase({ dataDir: dir });
    // A server's embedded database keeps PostgreSQL's buffer pool (in-memory ones, tests', are smaller).
    expect(await sharedBuffers(again)).toBe('128MB');
    await again.close();
    // The first open is a real first start on an empty directory (the one test here that keeps
    // it): PGlite's initdb on disk, ~11 CPU-s, past 60 s of wall time on a loaded 2-core machine.
  }, 150_000);

  it('a committed write survives SIGKILL of the process, and the stale lock is taken over', async () => {
    const script = `
      import { openDatabase, schema } from '@ferry/db';
      const d = await openDatabase({ dataDir: ${JSON.stringify(dir)} });
      await d.db.insert(schema.automations).values({ id: 'survivor', name: 'Survivor', root: 'r' });
      process.stdout.write('committed\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      // '@ferry/db' by its own name from this folder: the built package (fresh-build.ts).
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('committed') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const reopened = await openDatabase({ dataDir: dir });
    const rows = await reopened.db.select().from(automations);
    expect(rows.map((r) => r.id)).toContain('survivor');
    await reopened.close();
  });
});
