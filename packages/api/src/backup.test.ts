// Instance backup and restore: a backup taken while the API keeps writing restores to exactly its
// snapshot (on PGlite and PostgreSQL, and across them), and bad files or used targets are refused.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { migrate, migrationTags, openDatabase, type Database, type Db } from '@ferry/db';
import { migratedPgliteTemplate, openTestDatabase, pgliteTemplate } from '@ferry/db/testing';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackupFormatError,
  decodeBackup,
  encodeBackup,
  type BackupManifest,
} from './backup-format.js';
import { BACKUP_PATH, writeBackup } from './backup-route.js';
import { RestoreRefusedError, fileSource, restoreBackup } from './backup-restore.js';
import { schemaTables } from './repositories/backup-repository.js';
import { startServer } from './server.js';
import { createTestApi, fixture, testDatabaseKinds, type TestApi } from './test-support/harness.js';
import { must } from '@ferry/core';

const dir = mkdtempSync(join(tmpdir(), 'ferry-backup-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const newFile = () => join(dir, `backup-${++fileNo}.ndjson.gz`);

type Row = Record<string, unknown>;
const rowsOf = async <T extends Row>(db: Db, query: ReturnType<typeof sql>) => {
  const r = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(r) ? r : r.rows;
};

/** Every backed-up table's rows as PostgreSQL prints them (UTC), sorted: the state to compare. */
async function tableState(db: Db): Promise<Record<string, string[]>> {
  const state: Record<string, string[]> = {};
  const read = async (tx: Db) => {
    await tx.execute(sql`set local timezone = 'UTC'`);
    for (const table of schemaTables().backedUp)
      state[table] = (
        await rowsOf<{ j: string }>(
          tx,
          sql`select row_to_json(t)::text as j from ${sql.identifier(table)} t`,
        )
      )
        .map((r) => r.j)
        .sort();
  };
  // Inside a caller's snapshot already when `db` is a transaction; a fresh one otherwise.
  await db.transaction(read);
  return state;
}

const services = (database: Database) => ({
  db: database.db,
  services: { database } as TestApi['services'],
});

async function backupTo(database: Database, onSnapshot?: (tx: Db) => Promise<void>) {
  const file = newFile();
  await writeBackup(services(database), createWriteStream(file), onSnapshot);
  return file;
}

/** Realistic content: imports, saved versions, an environment with a secret, a release and upgrade. */
async function seed(api: TestApi) {
  const admin = api.as('admin');
  const dev = await admin.automations.import({
    document: fixture('returns-desk.json'),
    name: 'Dev',
  });
  const prod = await admin.automations.create({ name: 'Prod' });
  await admin.versions.save({ automation: dev.id, name: 'first', baseRevision: dev.revision });
  await admin.environments.create({ name: 'production' });
  await admin.environments.set({
    environment: 'production',
    variables: [
      { key: 'API_KEY', value: 'sk-live-1234', secret: true },
      { key: 'REGION', value: 'eu' },
    ],
  });
  await admin.releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
  const preview = await admin.releases.show({
    release: must(
      (await admin.releases.list({ automation: prod.id }))[0],
      '(await admin.releases.list({ automation: prod.id }))[0]',
    ).id,
  });
  await admin.releases.upgrade({ target: prod.id, ifRevision: preview.target.revision });
  await admin.users.createToken({ user: 'editor', name: 'ci' });
  await admin.admin.setPolicy({ keepAutomaticVersions: 20 });
  return { dev, prod };
}

describe.each(testDatabaseKinds())('backup on %s', (kind) => {
  let api: TestApi;
  let dev: { id: string; revision: number };
  beforeAll(async () => {
    api = await createTestApi(kind);
    ({ dev } = await seed(api));
  });
  afterAll(() => api.close());

  it('a backup taken during concurrent writes restores to exactly its snapshot, on every database', async () => {
    const editor = api.as('editor');
    let revision = (await editor.automations.show({ automation: dev.id })).revision;
    let backupDone = false;
    let started!: () => void;
    const writing = new Promise<void>((resolve) => (started = resolve));
    let afterBackup = 0;
    let ops = 0;
    // A bounded loop of edits, saves and imports through the API, running while the backup streams.
    const writer = (async () => {
      for (let i = 0; i < 300 && !(backupDone && afterBackup >= 3); i++, ops++) {
        if (i === 3) started();
        if (i % 10 === 9)
          await editor.automations.import({
            document: fixture('order-tracker.json'),
            name: `Imported ${i}`,
          });
        else if (i % 5 === 4)
          await editor.versions.save({
            automation: dev.id,
            name: `save ${i}`,
            baseRevision: revision,
          });
        else
          revision = (
            await editor.editing.setSettings({
              automation: dev.id,
              baseRevision: revision,
              settings: { description: `edit ${i}` },
            })
          ).revision;
        if (backupDone) afterBackup++;
        // Requests arrive over the network: on PGlite (all in this process) the loop would
        // otherwise never give the event loop a turn, and the backup's file I/O would wait for it.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await writing;
    let snapshot!: Record<string, string[]>;
    const file = await backupTo(api.database, async (tx) => {
      snapshot = await tableState(tx);
    });
    backupDone = true;
    await writer;
    // Writes landed on both sides of the snapshot, so it is a point inside the loop.
    const source = await tableState(api.database.db);
    expect(must(source.audit_log, 'source.audit_log').length).toBeGreaterThan(
      must(snapshot.audit_log, 'snapshot.audit_log').length,
    );
    expect(must(snapshot.audit_log, 'snapshot.audit_log').length).toBeGreaterThan(0);
    expect(ops).toBeGreaterThan(3);

    for (const targetKind of testDatabaseKinds()) {
      const target = await openTestDatabase(targetKind);
      try {
        const report = await restoreBackup(target, fileSource(file));
        expect(report.verify.ok).toBe(true);
        expect(report.verify.roots).toBeGreaterThan(0);
        expect(report.migratedForward).toEqual([]);
        expect(await tableState(target.db)).toEqual(snapshot);
        // Serial columns continue after the restored values: new audit entries append.
        const [max] = await rowsOf<{ seq: number }>(
          target.db,
          sql`select max(seq)::int as seq from audit_log`,
        );
        const [next] = await rowsOf<{ seq: number }>(
          target.db,
          sql`insert into audit_log (at, actor, action) values (now(), 't', 'test') returning seq::int as seq`,
        );
        expect(must(next, 'next').seq).toBe(must(max, 'max').seq + 1);
        await target.db.execute(sql`delete from audit_log where action = 'test'`);
        if (targetKind !== kind) {
          // And back: the restored copy's backup restores on the first kind, equal again.
          const again = await backupTo(target);
          const back = await openTestDatabase(kind);
          try {
            expect((await restoreBackup(back, fileSource(again))).verify.ok).toBe(true);
            expect(await tableState(back.db)).toEqual(snapshot);
          } finally {
            await back.close();
          }
        }
      } finally {
        await target.close();
      }
    }
  });

  it('refuses a corrupt or truncated backup and leaves the target untouched', async () => {
    const file = await backupTo(api.database);
    const bytes = readFileSync(file);
    const lines = gunzipSync(bytes).toString('utf8').split('\n');
    const rowLine = lines.findIndex((l, i) => i > 0 && l.startsWith('{"hash"'));
    const variants: Record<string, Buffer> = {
      truncated: bytes.subarray(0, Math.floor(bytes.length / 2)),
      'a flipped byte': Buffer.from(bytes).fill(
        must(bytes[bytes.length >> 1], 'bytes[bytes.length >> 1]') ^ 0xff,
        bytes.length >> 1,
        (bytes.length >> 1) + 1,
      ),
      'a changed row': gzipSync(
        lines.map((l, i) => (i === rowLine ? l.replace(/"body":"./, '"body":"X') : l)).join('\n'),
      ),
      'no trailer': gzipSync(lines.filter((l) => !l.startsWith('{"trailer"')).join('\n')),
      'a missing table': gzipSync(
        lines.filter((l) => !l.startsWith('{"table":"users"')).join('\n'),
      ),
      'not a backup': gzipSync('{"hello":"world"}\n'),
      'not gzip': Buffer.from(lines.join('\n')),
      empty: Buffer.alloc(0),
    };
    const fresh = await openDatabase({
      dataDir: null,
      migrate: false,
      template: (await pgliteTemplate()).tarball,
    });
    const used = await openTestDatabase(kind);
    await used.db.execute(sql`insert into instance_settings (key, value) values ('k', '1')`);
    try {
      for (const [name, content] of Object.entries(variants)) {
        const path = newFile();
        writeFileSync(path, content);
        const error = await restoreBackup(fresh, fileSource(path)).catch((e: unknown) => e);
        expect(error, name).toBeInstanceOf(BackupFormatError);
        // Nothing was opened or written: not even the migrations.
        const [t] = await rowsOf<{ t: string | null }>(
          fresh.db,
          sql`select to_regclass('ferry_migrations')::text as t`,
        );
        expect(must(t, 't').t, name).toBeNull();
      }
      expect(await tableState(used.db)).toMatchObject({
        instance_settings: ['{"key":"k","value":1}'],
      });
    } finally {
      await fresh.close();
      await used.close();
    }
  });

  it('refuses a target that holds any row, and changes nothing there', async () => {
    const file = await backupTo(api.database);
    const other = await createTestApi(kind);
    try {
      const before = await tableState(other.database.db);
      const error = await restoreBackup(other.database, fileSource(file)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RestoreRefusedError);
      expect((error as RestoreRefusedError).reason).toBe('not-empty');
      expect((error as Error).message).toMatch(/not empty \(rows in users\)/);
      expect(await tableState(other.database.db)).toEqual(before);
    } finally {
      await other.close();
    }
  });
});

describe('backup levels', () => {
  const manifest = (migrations: string[]): BackupManifest => ({
    format: 'ferry-backup',
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    database: 'pglite',
    migration: must(migrations[migrations.length - 1], 'migrations[migrations.length - 1]'),
    migrations,
    tables: [],
    excluded: [],
  });
  const write = async (m: BackupManifest, rows: Record<string, string[]> = {}) => {
    const path = newFile();
    const text = [];
    for await (const chunk of encodeBackup(m, async function* (t) {
      yield rows[t] ?? [];
    }))
      text.push(chunk);
    writeFileSync(path, gzipSync(text.join('')));
    return path;
  };

  it('refuses a backup made by a newer Ferry, naming its migration', async () => {
    const path = await write(manifest(['0000_init', '0001_content_env', '9999_from_the_future']));
    const target = await openDatabase({
      dataDir: null,
      migrate: false,
      template: (await pgliteTemplate()).tarball,
    });
    try {
      const error = await restoreBackup(target, fileSource(path)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RestoreRefusedError);
      expect((error as Error).message).toMatch(/newer Ferry \(migration 9999_from_the_future/);
    } finally {
      await target.close();
    }
  });

  it('restores a backup of an older Ferry at its level, then migrates it forward', async () => {
    // An instance at the first migration, backed up with that level's tables.
    const old = await openDatabase({
      dataDir: null,
      migrate: false,
      template: (await pgliteTemplate()).tarball,
    });
    await migrate(old.db, { through: '0000_init' });
    await old.db.execute(sql`insert into environments (id, name) values ('e1', 'staging')`);
    const columns = async (t: string) =>
      (
        await rowsOf<{ c: string }>(
          old.db,
          sql`select column_name as c from information_schema.columns where table_name = ${t} order by ordinal_position`,
        )
      ).map((r) => r.c);
    // The tables of that level: those later migrations add (content_env, …) are not there yet.
    const tables: string[] = [];
    for (const t of schemaTables().backedUp) if ((await columns(t)).length > 0) tables.push(t);
    expect(tables).not.toContain('content_env');
    const rows = {
      environments: (
        await rowsOf<{ j: string }>(
          old.db,
          sql`select row_to_json(t)::text as j from environments t`,
        )
      ).map((r) => r.j),
    };
    const m = manifest(['0000_init']);
    m.tables = await Promise.all(
      tables.map(async (name) => ({
        name,
        rows: rows[name as 'environments']?.length ?? 0,
        columns: await columns(name),
      })),
    );
    await old.close();
    const path = await write(m, rows);
    const target = await openDatabase({
      dataDir: null,
      migrate: false,
      template: (await pgliteTemplate()).tarball,
    });
    try {
      const report = await restoreBackup(target, fileSource(path));
      expect(report.migratedForward).toEqual(migrationTags().slice(1));
      expect(report.rows).toEqual({ environments: 1 });
      expect(await rowsOf(target.db, sql`select name from environments`)).toEqual([
        { name: 'staging' },
      ]);
      expect(await rowsOf(target.db, sql`select count(*)::int as n from content_env`)).toEqual([
        { n: 0 },
      ]);
    } finally {
      await target.close();
    }
  });
});

describe('GET /api/backup', () => {
  it('streams a backup to an admin and answers 401/403 to anyone else', async () => {
    const server = await startServer({
      port: 0,
      dataDir: null,
      pgliteTemplate: (await migratedPgliteTemplate()).tarball,
      adminToken: 'ferry_backup-admin',
      adminPassword: 'correct horse battery staple',
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });
    try {
      const ctx = server.services;
      const { createCallerFactory } = await import('./trpc.js');
      const { appRouter } = await import('./router.js');
      const { createContextInner } = await import('./context.js');
      const [admin] = await rowsOf<{ id: string }>(
        ctx.database.db,
        sql`select id from users where name = 'admin'`,
      );
      const asAdmin = createCallerFactory(appRouter)(
        createContextInner({
          services: ctx,
          caller: { id: must(admin, 'admin').id, name: 'admin', role: 'admin', via: 'token' },
        }),
      );
      await asAdmin.users.create({
        name: 'vera',
        role: 'viewer',
        password: 'a long enough password',
      });
      const { token: viewerToken } = await asAdmin.users.createToken({ user: 'vera', name: 't' });

      expect((await fetch(server.url + BACKUP_PATH)).status).toBe(401);
      const forbidden = await fetch(server.url + BACKUP_PATH, {
        headers: { authorization: `Bearer ${viewerToken}` },
      });
      expect(forbidden.status).toBe(403);
      expect(await forbidden.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      const wrongMethod = await fetch(server.url + BACKUP_PATH, {
        method: 'POST',
        headers: { authorization: 'Bearer ferry_backup-admin' },
      });
      expect(wrongMethod.status).toBe(405);

      const res = await fetch(server.url + BACKUP_PATH, {
        headers: { authorization: 'Bearer ferry_backup-admin' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/gzip');
      const path = newFile();
      await pipeline(
        Readable.fromWeb(must(res.body, 'res.body') as never),
        createWriteStream(path),
      );
      let end: { manifest: BackupManifest } | undefined;
      for await (const e of decodeBackup(fileSource(path)())) if (e.kind === 'end') end = e;
      const counts = Object.fromEntries(
        must(end, 'end').manifest.tables.map((t) => [t.name, t.rows]),
      );
      expect(counts.users).toBe(2);
      expect(must(end, 'end').manifest.excluded).toContain('sessions');
      expect(must(end, 'end').manifest.migration).toBe(migrationTags().at(-1));
      // The backup is audited, and only the admin's request was.
      const audit = await rowsOf<{ actor: string }>(
        ctx.database.db,
        sql`select actor from audit_log where action = 'instance.backup'`,
      );
      expect(audit).toEqual([{ actor: 'admin' }]);
      expect(counts.audit_log).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close();
    }
  });
});
