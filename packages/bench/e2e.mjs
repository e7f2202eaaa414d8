// The end-to-end benchmark of issue 12: Ferry as users run it — `ferry serve` in its own process,
// the built `ferry` command and HTTP clients — beside git holding the same CB export as one
// pretty-printed JSON file, in one run, on the embedded database (PGlite) and on PostgreSQL
// (DATABASE_URL, else a fresh database on 127.0.0.1:5432, dropped at the end; skipped without one).
// `pnpm bench` runs it after building (turbo: `bench` depends on `build`), after core's and the
// api's in-process benchmarks.
//
// What, on a 10,000-interaction bot (core's generateBotExport, 20 per dialog, 14.6 MB of JSON) and
// a 100-interaction one (same generator):
//  1. sync one change: `ferry automation import FILE --into A` of the export with one interaction
//     edited, then `ferry version save A` — CLI wall time, spawn to exit — against `git add` +
//     `git commit` of the same file (also spawned, wall time). Target ≤ 1.5x git. Also the same
//     in one command, `import --into A --save NAME` (another change each round).
//  2. `ferry automation export A --version V --out FILE` against `git checkout <rev> -- bot.json`
//     (the two latest versions in turn). Target ≤ 4x git.
//  3. `ferry diff A V1 V2` of two versions one interaction apart against `git diff REV1 REV2`.
//     Target ≤ 0.75x git.
//  4. edit one interaction, save, restore, create release, upgrade: one HTTP request each
//     (/api/trpc, client-side latency), 10,000 against 100 interactions. Target ≤ 1.5x.
//  5. storage per one-interaction version (an HTTP edit, then a save): row bytes summed over every
//     table (pg_column_size of each row) and pg_database_size growth. Target ≤ 2 KB of rows.
//     On PGlite the server is stopped for each measurement (it holds the data directory's lock).
//  6. load (load.mjs): 4 and 16 clients, each on its own automation, conditional edits and saves;
//     one server, and (PostgreSQL) two replicas; the small and the big bot. Target on PostgreSQL,
//     one server, 16 clients, small bot: ≥ 500 req/s with p99 < 100 ms; the big bot's edit p50
//     within 1.5x the small bot's; 0 lost updates everywhere.
// Method: warm-up rounds, then the median of the measured rounds; Ferry and git interleaved.
// A benchmark, not a test: no timing is asserted, only that the work was real. Prints a table
// with each target and whether this run meets it; writes bench-results/e2e.json (git-ignored).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '@ferry/db';
import { generateBotExport } from '@ferry/core/testing';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import {
  ENV,
  OPS,
  OP_LABELS,
  PER_DIALOG,
  SEED,
  cli,
  f,
  git,
  httpClient,
  int,
  kb,
  killChildren,
  log,
  ms,
  postgresForRun,
  run,
  setText,
  startServer,
  stats,
  storageOf,
  table,
  tempRoot,
  x,
} from './lib.mjs';
import { CLIENTS, editable, loadScenario, lostUpdates } from './load.mjs';

const SMALL = 100;
// FERRY_BENCH_BIG: a smaller "big" bot for a quick look (the table is about 10,000).
const BIG = Number(process.env.FERRY_BENCH_BIG ?? 10_000);
const CLI_WARMUP = 1;
const CLI_RUNS = 5;
const OPS_WARMUP = 2;
const OPS_RUNS = 5;
const STORAGE_VERSIONS = 5;

const only = (process.env.FERRY_BENCH_DATABASES ?? 'pglite,postgres').split(',');
// FERRY_BENCH_PARTS: some of cli,ops,storage,load (default all) for a quick look at a few rows.
const PARTS = new Set((process.env.FERRY_BENCH_PARTS ?? 'cli,ops,storage,load').split(','));
const pretty = (doc) => JSON.stringify(doc, null, 2) + '\n';
const bot = (interactions) =>
  generateBotExport({
    seed: SEED + interactions,
    dialogs: interactions / PER_DIALOG,
    interactionsPerDialog: PER_DIALOG,
  });

// ---------------------------------------------------------------------------------------------
// One database
// ---------------------------------------------------------------------------------------------

async function onDatabase(kind, root, pg) {
  const dir = join(root, kind);
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const serverOptions = (n = 0) => ({
    ...(pg ? { databaseUrl: pg.url } : { dataDir }),
    logFile: join(dir, `server-${n}.log`),
  });
  let server = await startServer(serverOptions());
  let api = httpClient(server.url);
  const result = { kind };
  const phaseStart = performance.now();
  const phase = (name) =>
    log(
      `  [${kind}] ${f((performance.now() - phaseStart) / 1000, 0)} s: ${name}  (load average ${f(loadavg()[0], 1)})`,
    );
  try {
    // ---- set-up: an environment for the releases, the two bots, a production automation each
    phase('set-up: importing the bots');
    const env = await api.mutate('environments.create', { name: 'bench' });
    await api.mutate('environments.set', {
      environment: env.id,
      variables: Object.entries(ENV).map(([key, value]) => ({ key, value })),
    });
    const sides = {};
    for (const n of [SMALL, BIG]) {
      const doc = bot(n);
      const t0 = performance.now();
      const dev = await api.mutate('automations.import', {
        document: pretty(doc),
        name: `dev ${n}`,
      });
      const importMs = performance.now() - t0;
      const prod = await api.mutate('automations.create', { name: `prod ${n}` });
      await api.mutate('environments.link', { automation: prod.id, environment: 'bench' });
      const first = await api.mutate('versions.save', {
        automation: dev.id,
        name: 'imported',
        baseRevision: dev.revision,
      });
      sides[n] = {
        n,
        doc,
        devId: dev.id,
        prodId: prod.id,
        revision: first.automation.revision,
        root: first.contentHash,
        saved: [first.number],
        targets: editable(doc),
        releases: 0,
        importMs,
        samples: Object.fromEntries(OPS.map((op) => [op, []])),
      };
    }
    result.importMs = { [SMALL]: sides[SMALL].importMs, [BIG]: sides[BIG].importMs };

    // ---- 1-3: sync, export, diff on the big bot through the CLI, beside git
    if (PARTS.has('cli')) result.cli = await cliRows(api, server, sides[BIG], dir, phase);
    // ---- 4: the operations over HTTP, 100 against 10,000 interactions
    if (PARTS.has('ops')) {
      phase('edit, save, restore, release and upgrade over HTTP, 100 and 10,000 interactions');
      for (let round = 0; round < OPS_WARMUP + OPS_RUNS; round++)
        for (const n of [SMALL, BIG]) await opsRound(api, sides[n], round, round >= OPS_WARMUP);
      result.ops = Object.fromEntries(
        OPS.map((op) => [
          op,
          {
            [SMALL]: stats(sides[SMALL].samples[op]),
            [BIG]: stats(sides[BIG].samples[op]),
          },
        ]),
      );
    }
    // ---- 5: storage per one-interaction version on the big bot
    if (PARTS.has('storage')) {
      phase('storage per one-interaction version');
      const measure = async () => {
        if (pg) {
          const client = postgres(pg.url, { max: 1, onnotice: () => {} });
          try {
            return await storageOf((q) => client.unsafe(q));
          } finally {
            await client.end({ timeout: 5 });
          }
        }
        // The embedded database has one user at a time: stop the server, measure, start it again.
        api.close();
        await server.stop();
        const database = await openDatabase({ dataDir, migrate: false });
        try {
          return await storageOf(async (q) => {
            const r = await database.db.execute(sql.raw(q));
            return r.rows ?? r;
          });
        } finally {
          await database.close();
          server = await startServer(serverOptions());
          api = httpClient(server.url);
        }
      };
      const before = await measure();
      for (let k = 0; k < STORAGE_VERSIONS; k++) await editAndSave(api, sides[BIG], `storage ${k}`);
      const after = await measure();
      const perTable = Object.fromEntries(
        Object.keys(after.perTable)
          .map((t) => [t, (after.perTable[t] - (before.perTable[t] ?? 0)) / STORAGE_VERSIONS])
          .filter(([, b]) => b !== 0),
      );
      result.storage = {
        versions: STORAGE_VERSIONS,
        rowBytesPerVersion: (after.rowBytes - before.rowBytes) / STORAGE_VERSIONS,
        dbBytesPerVersion: (after.dbBytes - before.dbBytes) / STORAGE_VERSIONS,
        perTable,
        totalRowBytes: after.rowBytes,
        databaseBytes: after.dbBytes,
      };
    }

    // ---- 6: load
    if (PARTS.has('load')) {
      phase('load: conditional edits and saves, 4 and 16 clients');
      result.load = await loadOn(api, server, sides, pg, serverOptions);
    }
  } finally {
    api.close();
    await server.stop();
  }
  return result;
}

/** Rows 1-3: sync, export and diff of the big bot through the CLI, beside git. */
async function cliRows(api, server, big, dir, phase) {
  phase('sync, export and diff through the CLI, beside git');
  const repo = join(dir, 'git');
  mkdirSync(repo);
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'config', 'gc.auto', '0');
  writeFileSync(join(repo, 'bot.json'), pretty(big.doc));
  await git(repo, 'add', 'bot.json');
  await git(repo, 'commit', '-q', '-m', 'import');
  const exportFile = join(dir, 'sync.json');
  // Each round syncs two changes: one with `import --into --save` (one command), one with
  // `import --into` then `version save` (two); each beside git add + commit of the same file.
  const sync = {
    ferryOne: [],
    ferryImport: [],
    ferrySave: [],
    ferry: [],
    gitAdd: [],
    gitCommit: [],
    git: [],
  };
  const revs = [];
  const versions = [];
  const change = async (k, form) => {
    const target = big.targets[(k * 7919 + (form === 'one' ? 0 : 4001)) % big.targets.length];
    setText(target, `synced text #${k} ${form} {$env.BRAND}`);
    const text = pretty(big.doc);
    writeFileSync(exportFile, text);
    writeFileSync(join(repo, 'bot.json'), text);
    const importArgs = ['automation', 'import', exportFile, '--into', big.devId, '--json'];
    let ferry;
    if (form === 'one') {
      const one = await cli(server, [...importArgs, '--save', `sync ${k}`]);
      versions.push(JSON.parse(one.stdout).version.number);
      ferry = { one: one.wallMs };
    } else {
      const imp = await cli(server, importArgs);
      const save = await cli(server, [
        'version',
        'save',
        big.devId,
        '--name',
        `sync ${k}+`,
        '--json',
      ]);
      versions.push(JSON.parse(save.stdout).number);
      ferry = { import: imp.wallMs, save: save.wallMs };
    }
    const add = await git(repo, 'add', 'bot.json');
    const commit = await git(repo, 'commit', '-q', '-m', `sync ${k} ${form}`);
    revs.push((await git(repo, 'rev-parse', 'HEAD')).stdout.trim());
    return { ferry, add: add.wallMs, commit: commit.wallMs };
  };
  for (let k = 0; k < CLI_WARMUP + CLI_RUNS; k++)
    for (const form of ['one', 'two']) {
      const r = await change(k, form);
      if (k < CLI_WARMUP) continue;
      if (form === 'one') sync.ferryOne.push(r.ferry.one);
      else {
        sync.ferryImport.push(r.ferry.import);
        sync.ferrySave.push(r.ferry.save);
        sync.ferry.push(r.ferry.import + r.ferry.save);
      }
      sync.gitAdd.push(r.add);
      sync.gitCommit.push(r.commit);
      sync.git.push(r.add + r.commit);
    }
  const state = await api.query('automations.list');
  big.revision = state.find((a) => a.id === big.devId).revision;
  big.saved.push(...versions);

  const exp = { ferry: [], git: [] };
  const outFile = join(dir, 'exported.json');
  for (let k = 0; k < CLI_WARMUP + CLI_RUNS; k++) {
    const i = versions.length - 1 - (k % 2);
    const e = await cli(server, [
      'automation',
      'export',
      big.devId,
      '--version',
      String(versions[i]),
      '--out',
      outFile,
    ]);
    const g = await git(repo, 'checkout', revs[i], '--', 'bot.json');
    if (k < CLI_WARMUP) continue;
    exp.ferry.push(e.wallMs);
    exp.git.push(g.wallMs);
  }
  const exported = JSON.parse(readFileSync(outFile, 'utf8'));
  const inGit = JSON.parse(readFileSync(join(repo, 'bot.json'), 'utf8'));
  if (exported.conversationMessage.length !== BIG || inGit.conversationMessage.length !== BIG)
    throw new Error('an export lost interactions');
  const diff = { ferry: [], git: [] };
  for (let k = 0; k < CLI_WARMUP + CLI_RUNS; k++) {
    const i = 1 + (k % (versions.length - 1));
    const d = await cli(server, [
      'diff',
      big.devId,
      String(versions[i - 1]),
      String(versions[i]),
      '--json',
    ]);
    const g = await git(repo, 'diff', revs[i - 1], revs[i]);
    const summary = JSON.parse(d.stdout).summary;
    if (summary.changed !== 1 || summary.added !== 0 || summary.removed !== 0)
      throw new Error(`ferry diff of one change said ${JSON.stringify(summary)}`);
    if (!g.stdout.includes('synced text')) throw new Error('git diff showed no change');
    if (k < CLI_WARMUP) continue;
    diff.ferry.push(d.wallMs);
    diff.git.push(g.wallMs);
  }
  // `ferry --version` beside `node -e 0`: what every command pays before its work.
  const startup = { ferry: [], node: [] };
  for (let k = 0; k < 6; k++) {
    const v = await cli(server, ['--version']).catch(() => null);
    const n = await run(process.execPath, ['-e', '0']);
    if (k === 0 || !v) continue;
    startup.ferry.push(v.wallMs);
    startup.node.push(n.wallMs);
  }
  const med = (xs) => stats(xs).median;
  return {
    sync: {
      ferryOne: med(sync.ferryOne),
      ferry: med(sync.ferry),
      ferryImport: med(sync.ferryImport),
      ferrySave: med(sync.ferrySave),
      git: med(sync.git),
      samples: sync,
    },
    export: { ferry: med(exp.ferry), git: med(exp.git), samples: exp },
    diff: { ferry: med(diff.ferry), git: med(diff.git), samples: diff },
    startup: { ferry: med(startup.ferry), node: med(startup.node) },
  };
}

/** One edit of the big or small bot's working copy over HTTP, then a save (a version). */
async function editAndSave(api, s, name) {
  const target = s.targets[(s.saved.length * 7919) % s.targets.length];
  const interaction = structuredClone(target);
  setText(interaction, `${name} {$env.BRAND}`);
  const e = await api.mutate('editing.updateInteraction', {
    automation: s.devId,
    baseRevision: s.revision,
    dialogId: target.group,
    interaction,
  });
  const v = await api.mutate('versions.save', {
    automation: s.devId,
    name,
    baseRevision: e.revision,
  });
  s.revision = v.automation.revision;
  s.root = v.contentHash;
  s.saved.push(v.number);
}

async function opsRound(api, s, k, record) {
  const steps = {
    edit: async () => {
      const target = s.targets[(k * 7919 + 13) % s.targets.length];
      const interaction = structuredClone(target);
      setText(interaction, `edited text #${k} {$env.BRAND}`);
      const r = await api.mutate('editing.updateInteraction', {
        automation: s.devId,
        baseRevision: s.revision,
        dialogId: target.group,
        interaction,
      });
      s.revision = r.revision;
      s.root = r.contentHash;
    },
    save: async () => {
      const r = await api.mutate('versions.save', {
        automation: s.devId,
        name: `bench ${k}`,
        baseRevision: s.revision,
      });
      if (r.contentHash !== s.root) throw new Error('the saved version is not the working copy');
      s.revision = r.automation.revision;
      s.saved.push(r.number);
    },
    restore: async () => {
      const r = await api.mutate('versions.restore', {
        automation: s.devId,
        version: s.saved[s.saved.length - 2],
        baseRevision: s.revision,
      });
      s.revision = r.automation.revision;
      s.root = r.restored.contentHash;
    },
    release: async () => {
      const r = await api.mutate('releases.create', {
        source: s.devId,
        target: s.prodId,
        version: `1.${++s.releases}.0`,
      });
      if (r.contentHash !== s.root) throw new Error('the release is not the working copy');
      s.lastRelease = r;
    },
    upgrade: async () => {
      const r = await api.mutate('releases.upgrade', {
        target: s.prodId,
        release: s.lastRelease.id,
      });
      if (r.release.status !== 'upgraded') throw new Error(`upgrade left ${r.release.status}`);
    },
  };
  for (const op of OPS) {
    const t0 = performance.now();
    await steps[op]();
    if (record) s.samples[op].push(performance.now() - t0);
  }
}

async function loadOn(api, server, sides, pg, serverOptions) {
  const most = Math.max(...CLIENTS);
  const bots = {};
  for (const n of [SMALL, BIG]) {
    const automations = [];
    // Each client's automation gets the bot by a release of the dev automation and an upgrade
    // (what a team does; cheaper than uploading 14.6 MB sixteen times).
    for (let c = 0; c < most; c++) {
      const name = `load ${n} #${c}`;
      const created = await api.mutate('automations.create', { name });
      await api.mutate('environments.link', { automation: created.id, environment: 'bench' });
      const release = await api.mutate('releases.create', {
        source: sides[n].devId,
        target: created.id,
        version: '1.0.0',
      });
      const up = await api.mutate('releases.upgrade', { target: created.id, release: release.id });
      automations.push({
        id: created.id,
        name,
        revision: up.automation.revision,
        skipped: 0,
        root: null,
        lastText: new Map(),
      });
    }
    bots[n] = { automations, targets: editable(sides[n].doc) };
  }
  const scenarios = [];
  const layouts = [{ replicas: 1 }];
  let second = null;
  if (pg) {
    second = await startServer(serverOptions(1));
    layouts.push({ replicas: 2 });
  }
  const apis = {
    1: [httpClient(server.url)],
    2: second ? [httpClient(server.url), httpClient(second.url)] : [],
  };
  try {
    for (const { replicas } of layouts)
      for (const n of [SMALL, BIG])
        for (const clients of CLIENTS) {
          const r = await loadScenario({
            apis: apis[replicas],
            automations: bots[n].automations,
            clients,
            targets: bots[n].targets,
            label: `${replicas}r${clients}c${n}`,
            pids: (replicas === 1 ? [server] : [server, second]).map((s) => s.child.pid),
          });
          scenarios.push({ interactions: n, ...r });
        }
  } finally {
    for (const list of Object.values(apis)) for (const a of list) a.close();
    if (second) await second.stop();
  }
  const lost = {};
  for (const n of [SMALL, BIG])
    lost[n] = await lostUpdates({
      api,
      automations: bots[n].automations,
      checkContent: (i) => n === SMALL || i < 2,
    });
  return { scenarios, lost };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const verdict = (ok) => (ok === null ? '—' : ok ? 'meets' : 'short');

function summaryRows(results) {
  const rows = [];
  const byKind = (part, get) => results.map((r) => (r[part] ? get(r) : null));
  // A part left out by FERRY_BENCH_PARTS gives no row.
  const add = (what, target, cells) => {
    if (cells.every((c) => c !== null)) rows.push({ what, target, cells });
  };
  // A CLI row: Ferry's median (`ferry` of r.cli[row]) against git's, as a ratio held to `limit`.
  const versusGit = (row, limit, ferry = 'ferry') =>
    byKind('cli', (r) => {
      const s = r.cli[row];
      const ratio = s[ferry] / s.git;
      return { text: `${ms(s[ferry])} vs ${ms(s.git)} = ${x(ratio)}`, ok: ratio <= limit, ratio };
    });
  add(
    'sync one change: import --into + version save (CLI) vs git add + commit',
    '≤ 1.5x git',
    versusGit('sync', 1.5),
  );
  add(
    'the same in one command: import --into --save (CLI) vs git add + commit',
    '≤ 1.5x git',
    versusGit('sync', 1.5, 'ferryOne'),
  );
  add(
    'automation export (CLI) vs git checkout <rev> -- bot.json',
    '≤ 4x git (done: 8x)',
    versusGit('export', 4),
  );
  add('diff of one change (CLI) vs git diff', '≤ 0.75x git (done: 1x)', versusGit('diff', 0.75));
  for (const op of OPS)
    add(
      `${OP_LABELS[op]} (HTTP): ${int(BIG)} vs ${int(SMALL)} interactions`,
      '≤ 1.5x',
      byKind('ops', (r) => {
        const big = r.ops[op][BIG].median;
        const small = r.ops[op][SMALL].median;
        const ratio = big / small;
        return { text: `${ms(big)} vs ${ms(small)} = ${x(ratio)}`, ok: ratio <= 1.5, ratio };
      }),
    );
  add(
    'storage per one-interaction version (rows; database growth)',
    '≤ 2 KB of rows',
    byKind('storage', (r) => {
      const s = r.storage;
      return {
        text: `${kb(s.rowBytesPerVersion)} (${kb(s.dbBytesPerVersion)})`,
        ok: s.rowBytesPerVersion <= 2048,
      };
    }),
  );
  const scenario = (r, replicas, n, clients) =>
    r.load.scenarios.find(
      (s) => s.replicas === replicas && s.interactions === n && s.clients === clients,
    );
  add(
    `conditional edits + saves, 16 clients, ${SMALL}-interaction bot, one server`,
    '≥ 500 req/s, p99 < 100 ms (PostgreSQL)',
    byKind('load', (r) => {
      const s = scenario(r, 1, SMALL, 16);
      return {
        text: `${int(s.reqPerSec)} req/s, p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`,
        ok: r.kind === 'postgres' ? s.reqPerSec >= 500 && s.p99 < 100 : null,
      };
    }),
  );
  add(
    `the same, ${int(BIG)}-interaction bot: edit p50 vs the small bot's`,
    '≤ 1.5x',
    byKind('load', (r) => {
      const b = scenario(r, 1, BIG, 16);
      const s = scenario(r, 1, SMALL, 16);
      const ratio = b.editP50 / s.editP50;
      return {
        text: `${int(b.reqPerSec)} req/s, edit p50 ${ms(b.editP50)} = ${x(ratio)}`,
        ok: ratio <= 1.5,
        ratio,
      };
    }),
  );
  add(
    'lost updates (every load scenario)',
    '0',
    byKind('load', (r) => {
      const lost = r.load.lost[SMALL].lost + r.load.lost[BIG].lost;
      return { text: String(lost), ok: lost === 0 };
    }),
  );
  return rows;
}

function report(results, meta) {
  log();
  log(
    `Ferry end to end vs git — ${meta.date}, node ${process.version}, ${meta.cpu}, ${meta.cores} cores, load average at the start ${f(meta.loadStart, 1)}, at the end ${f(meta.loadEnd, 1)}`,
  );
  log(
    `  bots: ${int(SMALL)} and ${int(BIG)} interactions (${f(meta.bigBytes / 1e6, 1)} MB export); CLI: wall time of the spawned \`ferry\` (start-up included), medians of ${CLI_RUNS} after ${CLI_WARMUP} warm-up; HTTP: client-side latency, medians of ${OPS_RUNS} after ${OPS_WARMUP}`,
  );
  log();
  const rows = summaryRows(results);
  const kinds = results.map((r) => (r.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'));
  log(
    table(
      ['work on the 10k bot', 'target', ...kinds.flatMap((k) => [k, ''])],
      rows.map((r) => [r.what, r.target, ...r.cells.flatMap((c) => [c.text, verdict(c.ok)])]),
    ),
  );
  log();
  log(
    'Load (conditional edits with baseRevision, a save every 10th request; each client its own automation):',
  );
  log(
    table(
      [
        'database',
        'servers',
        'bot',
        'clients',
        'req/s',
        'p50',
        'p99',
        'edit p50',
        'edit p99',
        'ok',
        'conflicts',
        'errors',
        'server CPU/req',
        'client CPU/req',
      ],
      results.flatMap((r) =>
        (r.load?.scenarios ?? []).map((s) => [
          r.kind,
          String(s.replicas),
          int(s.interactions),
          String(s.clients),
          int(s.reqPerSec),
          ms(s.p50),
          ms(s.p99),
          ms(s.editP50),
          ms(s.editP99),
          int(s.ok),
          int(s.conflicts),
          int(s.errors),
          s.serverCpuMs === null ? '—' : ms(s.serverCpuMs),
          ms(s.clientCpuMs),
        ]),
      ),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const r of results)
    for (const [n, l] of Object.entries(r.load?.lost ?? {}))
      if (l.lost > 0) log(`  LOST UPDATES (${r.kind}, ${n}): ${l.problems.join('; ')}`);
  for (const r of results)
    for (const s of r.load?.scenarios ?? [])
      if (s.errors > 0)
        log(
          `  errors (${r.kind}, ${s.replicas} servers, ${s.interactions}, ${s.clients} clients): ${s.errorSamples.join(' | ')}`,
        );
  log();
  for (const r of results) {
    const s = r.storage;
    if (s)
      log(
        `Storage per version (${r.kind}), bytes of rows by table: ${Object.entries(s.perTable)
          .map(([t, b]) => `${t} ${int(b)}`)
          .join(', ')}`,
      );
    if (r.cli)
      log(
        `  CLI start-up (${r.kind} run): ferry --version ${ms(r.cli.startup.ferry)}, node -e 0 ${ms(r.cli.startup.node)}; sync = import ${ms(r.cli.sync.ferryImport)} + save ${ms(r.cli.sync.ferrySave)}`,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

const started = performance.now();
const root = tempRoot();
let pg = null;
const cleanUp = async () => {
  killChildren();
  await pg?.drop().catch(() => {});
  rmSync(root, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(1));
  });
const meta = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: cpus().length,
  loadStart: loadavg()[0],
  bigBytes: Buffer.byteLength(pretty(bot(BIG))),
};
log(`@ferry/bench: Ferry end to end (ferry serve + the ferry CLI + HTTP) beside git`);
const results = [];
try {
  if (only.includes('pglite')) results.push(await onDatabase('pglite', root, null));
  if (only.includes('postgres')) {
    pg = await postgresForRun();
    if (pg) results.push(await onDatabase('postgres', root, pg));
    else log('  no PostgreSQL on 127.0.0.1:5432 and no DATABASE_URL: PostgreSQL skipped');
  }
  meta.loadEnd = loadavg()[0];
  meta.totalSeconds = (performance.now() - started) / 1000;
  report(results, meta);
  log(`Total time ${f(meta.totalSeconds)} s`);
  const out = new URL('./bench-results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  const file = new URL('e2e.json', out);
  writeFileSync(
    file,
    JSON.stringify(
      {
        package: '@ferry/bench',
        ...meta,
        node: process.version,
        sizes: [SMALL, BIG],
        summary: summaryRows(results).map((r) => ({
          what: r.what,
          target: r.target,
          ...Object.fromEntries(results.map((res, i) => [res.kind, r.cells[i]])),
        })),
        results,
      },
      (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v),
      2,
    ) + '\n',
  );
  log(`Results written to ${file.pathname}`);
} finally {
  await cleanUp();
}
