// Content-path benchmark: what an edit, save, restore, release, upgrade and diff cost at 100 and
// 10,000 interactions, and what one saved one-interaction version stores, on PGlite (and on
// PostgreSQL when DATABASE_URL is set), in-process through the tRPC router as run.mjs does.
//
//   pnpm --filter @ferry/api build && node bench/content.mjs            # PGlite
//   DATABASE_URL=postgres://… node bench/content.mjs                     # and PostgreSQL
//
// Storage per version: after warm-up, the bot is edited (one interaction) and saved, ROUNDS times;
// "row bytes" is the growth of sum(pg_column_size(t.*)) over every row of every table, per
// round, and "database growth" that of pg_database_size. A benchmark, not a test: nothing is
// asserted about time. Writes nothing outside a temporary directory (and its own PostgreSQL
// database, dropped at the end).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appRouter, createCallerFactory, createContextInner, startServer } from '@ferry/api';
import { generateBotExport } from '@ferry/core/testing';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { openDatabase } from '@ferry/db';
// The helpers every benchmark shares (a file of Node built-ins only: no package dependency).
import {
  ENV,
  OPS as VERSION_OPS,
  PER_DIALOG,
  SEED,
  hasText,
  log,
  median,
  time,
} from '../../bench/common.mjs';

const SIZES = (process.argv[2] ?? '100,10000').split(',').map(Number);
const WARMUP = 2;
const ROUNDS = 7;
const OPS = [...VERSION_OPS, 'diff'];

function textTargets(flat) {
  const out = [];
  flat.forEach(({ interaction }, index) => {
    if (hasText(interaction)) out.push(index);
  });
  return out;
}

async function open(kind, dir) {
  let databaseUrl;
  let drop = async () => {};
  if (kind === 'postgres') {
    const base = new URL(process.env.DATABASE_URL);
    const name = `ferry_bench_content_${process.pid}`;
    const admin = await openDatabase({ databaseUrl: base.toString(), migrate: false });
    await admin.db.execute(sql.raw(`create database ${name}`));
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = async () => {
      await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
      await admin.close();
    };
  }
  const server = await startServer({
    port: 0,
    dataDir: kind === 'pglite' ? dir : null,
    ...(databaseUrl && { databaseUrl, secretKey: '0'.repeat(64) }),
    adminPassword: 'bench-admin-password',
    logger: pino({ level: 'silent' }),
    announce: () => {},
  });
  const db = server.services.database.db;
  const query = async (q) => {
    const r = await db.execute(q);
    return r.rows ?? r;
  };
  const [admin] = await query(sql`select id, name, role from users where name = 'admin'`);
  const caller = { id: admin.id, name: admin.name, role: admin.role, via: 'token' };
  const createCaller = createCallerFactory(appRouter);
  const tables = (
    await query(sql`select tablename from pg_tables where schemaname = current_schema()`)
  ).map((r) => r.tablename);
  return {
    api: () => createCaller(createContextInner({ services: server.services, caller })),
    async measure() {
      const perTable = {};
      for (const t of tables) {
        const [row] = await query(
          sql.raw(`select coalesce(sum(pg_column_size(t.*)), 0)::bigint as b from "${t}" t`),
        );
        perTable[t] = Number(row.b);
      }
      const [db] = await query(sql`select pg_database_size(current_database())::bigint as b`);
      const rows = Object.values(perTable).reduce((a, b) => a + b, 0);
      return { rows, db: Number(db.b), perTable };
    },
    async close() {
      await server.close();
      await drop();
    },
  };
}

async function runKind(kind) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-content-bench-'));
  const ferry = await open(kind, dir);
  try {
    const api = ferry.api;
    const env = await api().environments.create({ name: 'bench' });
    await api().environments.set({
      environment: env.id,
      variables: Object.entries(ENV).map(([key, value]) => ({ key, value })),
    });
    const results = {};
    for (const n of SIZES) {
      const doc = generateBotExport({
        seed: SEED + n,
        dialogs: n / PER_DIALOG,
        interactionsPerDialog: PER_DIALOG,
      });
      const dev = await api().automations.import({ document: doc, name: `dev ${n}` });
      const prod = await api().automations.create({ name: `prod ${n}` });
      await api().environments.link({ automation: prod.id, environment: 'bench' });
      const { content } = await api().automations.content({ automation: dev.id });
      const flat = content.dialogs.flatMap((d) =>
        d.interactions.map((interaction) => ({ dialogId: d.dialog.id, interaction })),
      );
      const targets = textTargets(flat);
      const s = { revision: dev.revision, saved: [], releases: 0 };
      const first = await api().versions.save({ automation: dev.id, baseRevision: s.revision });
      s.revision = first.automation.revision;
      s.saved.push(first.number);
      const samples = Object.fromEntries(OPS.map((op) => [op, []]));
      const steps = {
        edit: async (k) => {
          const target = flat[targets[(k * 7919) % targets.length]];
          const interaction = structuredClone(target.interaction);
          interaction.content.results.tile.tileData[0].text = `edited text #${k} {$env.BRAND}`;
          const r = await api().editing.updateInteraction({
            automation: dev.id,
            baseRevision: s.revision,
            dialogId: target.dialogId,
            interaction,
          });
          s.revision = r.revision;
        },
        save: async (k) => {
          const r = await api().versions.save({
            automation: dev.id,
            name: `bench ${k}`,
            baseRevision: s.revision,
          });
          s.revision = r.automation.revision;
          s.saved.push(r.number);
        },
        restore: async () => {
          const r = await api().versions.restore({
            automation: dev.id,
            version: s.saved[s.saved.length - 2],
            baseRevision: s.revision,
          });
          s.revision = r.automation.revision;
        },
        release: async () => {
          s.release = await api().releases.create({
            source: dev.id,
            target: prod.id,
            version: `1.${++s.releases}.0`,
          });
        },
        upgrade: async () => {
          await api().releases.upgrade({ target: prod.id, release: s.release.id });
        },
        diff: async () => {
          await api().versions.diff({
            automation: dev.id,
            from: s.saved[s.saved.length - 2],
            to: s.saved[s.saved.length - 1],
          });
        },
      };
      for (let k = 0; k < WARMUP + ROUNDS; k++)
        for (const op of OPS) {
          const { ms } = await time(() => steps[op](k));
          if (k >= WARMUP) samples[op].push(ms);
        }
      // Storage: edit one interaction and save, ROUNDS times.
      const before = await ferry.measure();
      for (let k = 100; k < 100 + ROUNDS; k++) {
        await steps.edit(k);
        await steps.save(k);
      }
      const after = await ferry.measure();
      const perTable = {};
      for (const t of Object.keys(after.perTable)) {
        const d = (after.perTable[t] - before.perTable[t]) / ROUNDS;
        if (d !== 0) perTable[t] = Math.round(d);
      }
      results[n] = {
        ms: Object.fromEntries(OPS.map((op) => [op, median(samples[op])])),
        rowBytesPerVersion: Math.round((after.rows - before.rows) / ROUNDS),
        dbBytesPerVersion: Math.round((after.db - before.db) / ROUNDS),
        perTable,
      };
    }
    return results;
  } finally {
    await ferry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const kinds = ['pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])];
for (const kind of kinds) {
  const results = await runKind(kind);
  log(`\n${kind}: median ms over ${ROUNDS} rounds (after ${WARMUP} warm-up)`);
  log(['op', ...SIZES.map(String)].join('\t'));
  for (const op of OPS) log([op, ...SIZES.map((n) => results[n].ms[op].toFixed(2))].join('\t'));
  for (const n of SIZES) {
    const r = results[n];
    log(
      `${n}: per one-interaction version: ${r.rowBytesPerVersion} B of rows, ${r.dbBytesPerVersion} B database growth; rows by table ${JSON.stringify(r.perTable)}`,
    );
  }
}
