// Benchmark of @ferry/api against git. Run after a build: `node bench/run.mjs` (or `pnpm bench`).
//
// What it measures, and why: the server issue requires that save, restore, release and upgrade
// cost, and storage per version, do not grow with the size of the bot (DESIGN.md, "Storage:
// content addressed, like git"), held to it by a comparison with git on a 10,000-interaction bot.
// At 100, 1,000 and 10,000 interactions (core's generateBotExport, 20 per dialog), on an embedded
// PGlite database in a temporary directory, opened by startServer (migrations, the admin account,
// the secret key; its HTTP port goes unused), through the real tRPC router called in-process
// (createCallerFactory + createContextInner: the server's work without HTTP noise), as admin:
//  1. The time of one interaction edit (editing.updateInteraction), save version (versions.save),
//     restore version (versions.restore, which saves a backup version first), create release
//     (releases.create, source -> target) and upgrade (releases.upgrade; the target's environment
//     defines the variables the generated bot references, so the release checks pass).
//  2. What each of them writes: rows of the content-addressed `nodes` table (count, and bytes as
//     sum(octet_length(body)): length() decodes every body and made the probe itself slow) and
//     growth of the whole database (pg_database_size).
//  3. Storage per version: that growth per saved version, with one interaction edited between saves.
// The same the git way (what teams do today), in the same run and at the same sizes: a repository
// holding the bot's CB export as one pretty-printed JSON file. Edit = change one interaction in the
// JSON and write the file; save = `git add` + `git commit` (a git user's "save a version" is edit +
// save); restore = `git checkout <commit> -- bot.json` + commit; release = `git tag -a`; upgrade =
// the same checkout + commit of the tag in the target's worktree (branch `prod`). The timed git
// commands go through one long-lived shell, so that they do not pay for forking this large process
// (embedded PostgreSQL included), which costs more than git's own work on a small bot. Storage per
// version = growth of .git/objects (apparent size, as `du -sb`) per save, as loose objects before
// gc, and once more after one `git gc` at the end.
// Method: warm-up rounds, then the median (and p90) of the measured rounds. A round is edit, save,
// restore (to the version saved before), release and upgrade; sizes and the two sides are
// interleaved, so drift (JIT, GC, CPU clock, the database filling up) hits them alike. Headline:
// the 10,000/100 ratio of each operation (target for Ferry: flat, within ~2x) beside git's.
// A benchmark, not a test: no timing is asserted, only that the work was real (the restored export
// equals the saved version's, the upgraded target holds the release content, git's restored file
// equals the committed one). Prints a table; writes bench-results/api.json (git-ignored).
import { execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { appRouter, createCallerFactory, createContextInner, startServer } from '@ferry/api';
import { jsonEqual } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { sql } from 'drizzle-orm';
import pino from 'pino';
// The helpers every benchmark shares (a file of Node built-ins only: no package dependency).
import {
  ENV,
  OPS,
  OP_LABELS,
  PER_DIALOG,
  SEED,
  f,
  gc,
  gitEnv,
  hasText,
  int,
  log,
  setText as setTextTo,
  stats,
  table,
  time,
  x,
} from '../../bench/common.mjs';

const SIZES = [100, 1_000, 10_000];
const WARMUP = 2;
const RUNS = 7;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Apparent size of a directory tree in bytes (as `du -sb`). */
function dirBytes(path) {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  return total;
}

/** Interactions whose first tile has a text: the ones an edit changes (a stride spreads them). */
function textTargets(interactions) {
  const out = [];
  interactions.forEach((interaction, index) => {
    if (hasText(interaction)) out.push(index);
  });
  return out;
}

const pick = (targets, k) => targets[(k * 7919) % targets.length];

const setText = (interaction, k) => setTextTo(interaction, `edited text #${k} {$env.BRAND}`);

// ---------------------------------------------------------------------------------------------
// Ferry: the tRPC router in-process on an embedded PGlite database
// ---------------------------------------------------------------------------------------------

async function openFerry(dataDir) {
  const server = await startServer({
    port: 0,
    dataDir,
    adminPassword: 'bench-admin-password',
    logger: pino({ level: 'silent' }),
    announce: () => {},
  });
  const { services } = server;
  const db = services.database.db;
  const rowsOf = (result) => result.rows ?? result;
  const query = async (q) => rowsOf(await db.execute(q));
  const [admin] = await query(sql`select id, name, role from users where name = 'admin'`);
  const caller = { id: admin.id, name: admin.name, role: admin.role, via: 'token' };
  const createCaller = createCallerFactory(appRouter);
  return {
    server,
    dataDir,
    /** A fresh context (request id) per call, as the HTTP server gives each request. */
    api: () => createCaller(createContextInner({ services, caller })),
    async measure() {
      const [row] = await query(
        sql`select count(*)::int as nodes, coalesce(sum(octet_length(body)), 0)::bigint as bytes,
              pg_database_size(current_database())::bigint as db from nodes`,
      );
      return { nodes: Number(row.nodes), nodeBytes: Number(row.bytes), dbBytes: Number(row.db) };
    },
  };
}

const delta = (after, before) => ({
  nodes: after.nodes - before.nodes,
  nodeBytes: after.nodeBytes - before.nodeBytes,
  dbBytes: after.dbBytes - before.dbBytes,
});

async function setupFerry(ferry, interactions, doc) {
  const api = ferry.api;
  const before = await ferry.measure();
  const imported = await time(() =>
    api().automations.import({ document: doc, name: `dev ${interactions}` }),
  );
  const dev = imported.value;
  const afterImport = await ferry.measure();
  const prod = await api().automations.create({ name: `prod ${interactions}` });
  await api().environments.link({ automation: prod.id, environment: 'bench' });
  const { content } = await api().automations.content({ automation: dev.id });
  const flat = content.dialogs.flatMap((d) =>
    d.interactions.map((interaction) => ({ dialogId: d.dialog.id, interaction })),
  );
  const first = await api().versions.save({
    automation: dev.id,
    name: 'imported',
    baseRevision: dev.revision,
  });
  return {
    devId: dev.id,
    prodId: prod.id,
    revision: first.automation.revision,
    flat,
    targets: textTargets(flat.map((f) => f.interaction)),
    saved: [first.number],
    releases: 0,
    lastRelease: null,
    importMs: imported.ms,
    importWrote: delta(afterImport, before),
    samples: Object.fromEntries(OPS.map((op) => [op, []])),
    writes: Object.fromEntries(OPS.map((op) => [op, []])),
    perVersion: [],
  };
}

async function ferryRound(ferry, s, k, record) {
  const api = ferry.api;
  const steps = {
    edit: async () => {
      const target = s.flat[pick(s.targets, k)];
      const interaction = structuredClone(target.interaction);
      setText(interaction, k);
      const r = await api().editing.updateInteraction({
        automation: s.devId,
        baseRevision: s.revision,
        dialogId: target.dialogId,
        interaction,
      });
      s.revision = r.revision;
      s.root = r.contentHash;
    },
    save: async () => {
      const r = await api().versions.save({
        automation: s.devId,
        name: `bench ${k}`,
        baseRevision: s.revision,
      });
      if (r.contentHash !== s.root) throw new Error('the saved version is not the working copy');
      s.revision = r.automation.revision;
      s.saved.push(r.number);
    },
    restore: async () => {
      const version = s.saved[s.saved.length - 2];
      const r = await api().versions.restore({
        automation: s.devId,
        version,
        baseRevision: s.revision,
      });
      s.revision = r.automation.revision;
      s.root = r.restored.contentHash;
      s.lastRestored = version;
    },
    release: async () => {
      const r = await api().releases.create({
        source: s.devId,
        target: s.prodId,
        version: `1.${++s.releases}.0`,
      });
      if (r.contentHash !== s.root) throw new Error('the release is not the working copy');
      s.lastRelease = r;
    },
    upgrade: async () => {
      const r = await api().releases.upgrade({ target: s.prodId, release: s.lastRelease.id });
      if (r.release.status !== 'upgraded') throw new Error(`upgrade left ${r.release.status}`);
    },
  };
  const before = await ferry.measure();
  let last = before;
  for (const op of OPS) {
    gc();
    const { ms } = await time(steps[op]);
    const now = await ferry.measure();
    if (record) {
      s.samples[op].push(ms);
      s.writes[op].push(delta(now, last));
    }
    if (op === 'save' && record) s.perVersion.push(delta(now, before));
    last = now;
  }
}

/** The work was real: the restored working copy exports as the version, the target holds the release. */
async function checkFerry(ferry, s) {
  const api = ferry.api;
  const working = await api().automations.export({ automation: s.devId });
  const version = await api().automations.export({
    automation: s.devId,
    version: String(s.lastRestored),
  });
  if (!jsonEqual(working.document, version.document))
    throw new Error('the restored working copy does not export as the saved version');
  if (working.root !== s.root) throw new Error('the working copy is not the restored root');
  const target = await api().automations.content({ automation: s.prodId });
  const source = await api().automations.content({ automation: s.devId });
  if (target.root !== s.lastRelease.contentHash || !jsonEqual(target.content, source.content))
    throw new Error('the upgraded target does not hold the release content');
}

// ---------------------------------------------------------------------------------------------
// git: the CB export as one pretty-printed JSON file
// ---------------------------------------------------------------------------------------------

const GIT_ENV = gitEnv();
const gitRaw = (cwd, ...args) =>
  execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  }).toString();
const git = (cwd, ...args) => gitRaw(cwd, ...args).trim();

async function setupGit(root, interactions, doc) {
  const dir = join(root, `git-${interactions}`, 'dev');
  const prod = join(root, `git-${interactions}`, 'prod');
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'gc.auto', '0'); // "before gc" means it: no automatic gc in between
  const shell = openShell(dir);
  const file = join(dir, 'bot.json');
  const text = JSON.stringify(doc, null, 2) + '\n';
  const imported = performance.now();
  writeFileSync(file, text);
  await shell.run('git', 'add', 'bot.json');
  await shell.run('git', 'commit', '-q', '-m', 'import');
  const importMs = performance.now() - imported;
  const objects = join(dir, '.git', 'objects');
  // The target (Production) is a worktree on its own branch, sharing the object store.
  git(dir, 'worktree', 'add', '-q', '-b', 'prod', prod);
  git(dir, 'gc', '-q');
  return {
    dir,
    prod,
    file,
    objects,
    fileBytes: Buffer.byteLength(text),
    doc,
    targets: textTargets(doc.conversationMessage),
    commits: [git(dir, 'rev-parse', 'HEAD')],
    tags: 0,
    lastTag: null,
    importMs,
    gcBaseBytes: dirBytes(objects),
    shell,
    samples: Object.fromEntries(OPS.map((op) => [op, []])),
    writes: Object.fromEntries(OPS.map((op) => [op, []])),
    perVersion: [],
    saves: 0,
  };
}

const shells = new Set();

/**
 * One long-lived shell running the timed git commands: a command costs git's own work plus a pipe
 * round trip, not a fork of this process.
 */
function openShell(cwd) {
  const child = spawn('bash', ['--noprofile', '--norc'], {
    cwd,
    env: GIT_ENV,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let waiting = null;
  const settle = () => {
    const m = /\n__END__(\d+)\n$/.exec(out);
    if (!m || !waiting) return;
    const { resolve, reject, command } = waiting;
    const text = out.slice(0, m.index);
    waiting = null;
    out = '';
    if (m[1] === '0') resolve(text.trim());
    else reject(new Error(`${command} exited with ${m[1]}: ${err.trim()}`));
    err = '';
  };
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    out += chunk;
    settle();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  child.on('exit', (code) => waiting?.reject(new Error(`the shell exited (${code}): ${err}`)));
  shells.add(child);
  return {
    /** Run a command line (arguments are quoted here); resolves with its standard output. */
    run(...args) {
      const command = args.map((a) => `'${String(a).replaceAll("'", `'\\''`)}'`).join(' ');
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject, command };
        child.stdin.write(`${command}\nprintf '\\n__END__%d\\n' $?\n`);
      });
    },
    close: () => {
      child.stdin.end();
      shells.delete(child);
    },
  };
}

async function gitRound(g, k, record) {
  const { run } = g.shell;
  const steps = {
    edit: () => {
      setText(g.doc.conversationMessage[pick(g.targets, k)], k);
      writeFileSync(g.file, JSON.stringify(g.doc, null, 2) + '\n');
    },
    save: async () => {
      await run('git', '-C', g.dir, 'add', 'bot.json');
      await run('git', '-C', g.dir, 'commit', '-q', '-m', `bench ${k}`);
      g.saves++;
    },
    restore: async () => {
      const commit = g.commits[g.commits.length - 2];
      await run('git', '-C', g.dir, 'checkout', commit, '--', 'bot.json');
      await run('git', '-C', g.dir, 'commit', '-q', '-m', `restore ${commit.slice(0, 8)}`);
      g.lastRestored = commit;
    },
    release: async () => {
      g.lastTag = `v1.${++g.tags}.0`;
      await run('git', '-C', g.dir, 'tag', '-a', g.lastTag, '-m', `release ${g.lastTag}`);
    },
    upgrade: async () => {
      await run('git', '-C', g.prod, 'checkout', g.lastTag, '--', 'bot.json');
      await run('git', '-C', g.prod, 'commit', '-q', '--allow-empty', '-m', `to ${g.lastTag}`);
    },
  };
  const bytes = () => dirBytes(g.objects);
  const before = bytes();
  let last = before;
  for (const op of OPS) {
    gc();
    const { ms } = await time(steps[op]);
    if (op === 'save') g.commits.push(await run('git', '-C', g.dir, 'rev-parse', 'HEAD'));
    const now = bytes();
    if (record) {
      g.samples[op].push(ms);
      g.writes[op].push({ objectBytes: now - last });
    }
    if (op === 'save' && record) g.perVersion.push({ objectBytes: now - before });
    last = now;
  }
  // The next edit starts from the restored file (not timed: an editor has the file open already).
  g.doc = JSON.parse(readFileSync(g.file, 'utf8'));
}

function finishGit(g) {
  g.shell.close();
  const restored = gitRaw(g.dir, 'show', `${g.lastRestored}:bot.json`);
  if (readFileSync(g.file, 'utf8') !== restored)
    throw new Error('git: the restored file is not the committed one');
  const loose = dirBytes(g.objects);
  const t0 = performance.now();
  git(g.dir, 'gc', '-q');
  const gcMs = performance.now() - t0;
  const packed = dirBytes(g.objects);
  const commits = Number(git(g.dir, 'rev-list', '--count', '--all'));
  return {
    looseBytesBeforeGc: loose,
    packedBytesAfterGc: packed,
    gcMs,
    commits,
    saves: g.saves,
    afterGcPerSaveBytes: (packed - g.gcBaseBytes) / g.saves,
  };
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

// Figures without their unit (the column header says it).
const kb = (bytes) => f(bytes / 1024, 1);
const ms = (n) => f(n, n < 10 ? 2 : 1);
const ratio = (big, small) => (small > 0 ? big / small : big > 0 ? Infinity : 1);

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

const started = performance.now();
const root = mkdtempSync(join(tmpdir(), 'ferry-api-bench-'));
// Interrupted (Ctrl-C, a CI timeout): leave no data directory or repositories behind.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    for (const child of shells) child.kill();
    rmSync(root, { recursive: true, force: true });
    process.exit(1);
  });
let ferry;
try {
  ferry = await openFerry(join(root, 'ferry'));
  const env = await ferry.api().environments.create({ name: 'bench' });
  await ferry.api().environments.set({
    environment: env.id,
    variables: Object.entries(ENV).map(([key, value]) => ({ key, value })),
  });

  const sizes = [];
  for (const interactions of SIZES) {
    const dialogs = interactions / PER_DIALOG;
    // A seed per size, so that the bots share no content (nodes are shared across automations).
    const options = { seed: SEED + interactions, dialogs, interactionsPerDialog: PER_DIALOG };
    const doc = generateBotExport(options);
    const ferrySide = await setupFerry(ferry, interactions, doc);
    const gitSide = await setupGit(root, interactions, structuredClone(doc));
    sizes.push({ interactions, dialogs, ferry: ferrySide, git: gitSide });
  }
  const setupSeconds = (performance.now() - started) / 1000;

  for (let round = 0; round < WARMUP + RUNS; round++)
    for (const size of sizes) {
      const record = round >= WARMUP;
      await ferryRound(ferry, size.ferry, round, record);
      await gitRound(size.git, round, record);
    }
  for (const size of sizes) {
    await checkFerry(ferry, size.ferry);
    size.gitFinal = finishGit(size.git);
  }
  const ferryDb = await ferry.measure();
  await ferry.server.close();
  ferry = null;
  const ferryDataDirBytes = dirBytes(join(root, 'ferry'));
  const totalSeconds = (performance.now() - started) / 1000;

  // -------------------------------------------------------------------------------------------
  // Report
  // -------------------------------------------------------------------------------------------
  const rows = sizes.map((size) => {
    const side = (s, fields) => ({
      ms: Object.fromEntries(OPS.map((op) => [op, stats(s.samples[op])])),
      writes: Object.fromEntries(
        OPS.map((op) => [
          op,
          Object.fromEntries(fields.map((k) => [k, stats(s.writes[op].map((w) => w[k])).median])),
        ]),
      ),
      perVersion: Object.fromEntries(fields.map((k) => [k, mean(s.perVersion.map((w) => w[k]))])),
    });
    return {
      interactions: size.interactions,
      dialogs: size.dialogs,
      ferry: {
        importMs: size.ferry.importMs,
        importWrote: size.ferry.importWrote,
        ...side(size.ferry, ['nodes', 'nodeBytes', 'dbBytes']),
      },
      git: {
        fileBytes: size.git.fileBytes,
        importMs: size.git.importMs,
        ...side(size.git, ['objectBytes']),
        final: size.gitFinal,
      },
    };
  });
  const small = rows[0];
  const big = rows[rows.length - 1];
  const ratios = {
    label: `${int(big.interactions)}/${int(small.interactions)}`,
    ferry: Object.fromEntries(
      OPS.map((op) => [op, ratio(big.ferry.ms[op].median, small.ferry.ms[op].median)]),
    ),
    git: Object.fromEntries(
      OPS.map((op) => [op, ratio(big.git.ms[op].median, small.git.ms[op].median)]),
    ),
    ferryNodeBytesPerVersion: ratio(
      big.ferry.perVersion.nodeBytes,
      small.ferry.perVersion.nodeBytes,
    ),
    ferryDbBytesPerVersion: ratio(big.ferry.perVersion.dbBytes, small.ferry.perVersion.dbBytes),
    gitLooseBytesPerVersion: ratio(
      big.git.perVersion.objectBytes,
      small.git.perVersion.objectBytes,
    ),
    gitPackedBytesPerVersion: ratio(
      big.git.final.afterGcPerSaveBytes,
      small.git.final.afterGcPerSaveBytes,
    ),
  };

  const sizeHeaders = rows.map((r) => int(r.interactions));
  log(
    `@ferry/api benchmark vs git   node ${process.version}   ${cpus()[0]?.model ?? 'unknown CPU'}`,
  );
  log(
    `  bots: ${rows.map((r) => `${int(r.interactions)} interactions (${int(r.dialogs)} dialogs, ${f(r.git.fileBytes / 1e6, 2)} MB JSON)`).join(', ')}`,
  );
  log(
    `  import once: Ferry ${rows.map((r) => `${ms(r.ferry.importMs)} ms (${int(r.ferry.importWrote.nodes)} nodes)`).join(', ')}; ` +
      `git add + commit ${rows.map((r) => `${ms(r.git.importMs)} ms`).join(', ')}`,
  );
  log();
  log(
    `1. Time per operation, median ms of ${RUNS} rounds after ${WARMUP} warm-up (p90 in bench-results); ` +
      `Ferry: tRPC in-process on PGlite; git: the CB export as one JSON file`,
  );
  log(
    table(
      [
        'operation',
        ...sizeHeaders.map((h) => `Ferry ${h}`),
        ratios.label,
        '|',
        ...sizeHeaders.map((h) => `git ${h}`),
        ratios.label,
      ],
      OPS.map((op) => [
        OP_LABELS[op],
        ...rows.map((r) => ms(r.ferry.ms[op].median)),
        x(ratios.ferry[op]),
        '|',
        ...rows.map((r) => ms(r.git.ms[op].median)),
        x(ratios.git[op]),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r', 'r'],
    ),
  );
  log(
    `  target: Ferry's ${ratios.label} ratio within ~2x (flat) for save, restore, release and upgrade. ` +
      `git: edit = write the file, save = add + commit`,
  );
  log();
  log(
    '2. What one operation writes (median): Ferry nodes / KB of node bodies / KB of database growth; git KB of new objects',
  );
  log(
    table(
      [
        'operation',
        ...sizeHeaders.map((h) => `Ferry ${h}`),
        '|',
        ...sizeHeaders.map((h) => `git ${h}`),
      ],
      OPS.map((op) => [
        OP_LABELS[op],
        ...rows.map((r) => {
          const w = r.ferry.writes[op];
          return `${int(w.nodes)} / ${kb(w.nodeBytes)} / ${kb(w.dbBytes)}`;
        }),
        '|',
        ...rows.map((r) => kb(r.git.writes[op].objectBytes)),
      ]),
      ['l', 'r', 'r', 'r', 'l', 'r', 'r', 'r'],
    ),
  );
  log();
  log(
    `3. Storage per saved version (one interaction edited between saves; mean of ${RUNS} saves), KB`,
  );
  log(
    table(
      ['storage', ...sizeHeaders, ratios.label],
      [
        [
          'Ferry nodes written (count)',
          ...rows.map((r) => f(r.ferry.perVersion.nodes, 1)),
          x(ratio(big.ferry.perVersion.nodes, small.ferry.perVersion.nodes)),
        ],
        [
          'Ferry nodes: sum(octet_length(body))',
          ...rows.map((r) => kb(r.ferry.perVersion.nodeBytes)),
          x(ratios.ferryNodeBytesPerVersion),
        ],
        [
          'Ferry pg_database_size growth',
          ...rows.map((r) => kb(r.ferry.perVersion.dbBytes)),
          x(ratios.ferryDbBytesPerVersion),
        ],
        [
          'git .git/objects, loose (before gc)',
          ...rows.map((r) => kb(r.git.perVersion.objectBytes)),
          x(ratios.gitLooseBytesPerVersion),
        ],
        [
          'git .git/objects after gc, per save',
          ...rows.map((r) => kb(r.git.final.afterGcPerSaveBytes)),
          x(ratios.gitPackedBytesPerVersion),
        ],
      ],
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );
  log(
    `  git after the run: ${rows.map((r) => `${int(r.interactions)}: ${f(r.git.final.looseBytesBeforeGc / 1e6, 2)} MB loose -> ${f(r.git.final.packedBytesAfterGc / 1e6, 2)} MB packed (${r.git.final.commits} commits, gc ${ms(r.git.final.gcMs)} ms)`).join('; ')}`,
  );
  log(
    `  Ferry after the run: ${int(ferryDb.nodes)} nodes, ${f(ferryDb.nodeBytes / 1e6, 2)} MB of node bodies, ` +
      `pg_database_size ${f(ferryDb.dbBytes / 1e6, 2)} MB, data directory ${f(ferryDataDirBytes / 1e6, 2)} MB (WAL included)`,
  );
  log();
  log(`Total time ${f(totalSeconds)} s (set-up ${f(setupSeconds)} s)`);

  const results = {
    package: '@ferry/api',
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? null,
    git: git(root, '--version'),
    totalSeconds,
    setupSeconds,
    interactionsPerDialog: PER_DIALOG,
    warmupRounds: WARMUP,
    runs: RUNS,
    operations: OP_LABELS,
    sizes: rows,
    ratios: { ...ratios, target: 2 },
    ferryAfterRun: { ...ferryDb, dataDirBytes: ferryDataDirBytes },
  };
  const outDir = new URL('../bench-results/', import.meta.url);
  mkdirSync(outDir, { recursive: true });
  const outFile = new URL('api.json', outDir);
  writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  log(`Results written to ${outFile.pathname}`);
} finally {
  for (const child of shells) child.stdin.end();
  if (ferry) await ferry.server.close();
  rmSync(root, { recursive: true, force: true });
}
