// Where a small-bot conditional edit spends its time: `node profile.mjs` (after a build), on
// PostgreSQL (DATABASE_URL, else a fresh database on 127.0.0.1:5432, dropped after).
//  1. Round trips: a `ferry serve` whose database connection runs through a counting relay
//     (lib.mjs wireCounter) takes one client's edits and saves in turn; prints the times the server
//     sent to the database (and so waited), the statements (by their text) and statements parsed
//     per edit and per save.
//  2. CPU: a `ferry serve` under `node --cpu-prof` (FERRY_PROFILE_CPU=0: without the profiler)
//     runs the load benchmark's 16-client scenario on a 100-interaction bot three times; prints
//     req/s, p50/p99, and the CPU time per request of the server, of its PostgreSQL backends and of
//     this process (the load generator), and commits per request; the same for auth.whoami (what
//     a request costs that does no work: auth, tRPC, HTTP, the log); then the hottest functions (self
//     samples) and call paths (inclusive). The profile is kept in a temporary directory for
//     Chrome DevTools or speedscope; its path is printed.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateBotExport } from '@ferry/core/testing';
import postgres from 'postgres';
import {
  databaseCpuMs,
  httpClient,
  log,
  ownCpuMs,
  postgresForRun,
  processCpu,
  processCpuMs,
  startServer,
  wireCounter,
} from './lib.mjs';
import { editable, loadScenario } from './load.mjs';

const PROFILE = process.env.FERRY_PROFILE_CPU !== '0';
/** FERRY_PROFILE_WALL=1: weigh samples by wall time (time deltas) instead of counting them. */
const PROFILE_WALL = process.env.FERRY_PROFILE_WALL === '1';
const WIRE_EDITS = 50;
const dir = mkdtempSync(join(tmpdir(), 'ferry-profile-'));
const pg = await postgresForRun();
if (!pg)
  throw new Error('profile.mjs needs PostgreSQL: set DATABASE_URL or run one on 127.0.0.1:5432');
const doc = generateBotExport({ seed: 1, dialogs: 5, interactionsPerDialog: 20 });
const text = JSON.stringify(doc, null, 2);
const targets = editable(doc);
const fresh = (a) => ({ ...a, skipped: 0, root: null, lastText: new Map() });
/** The automations of part 2's clients, made in part 1. */
const automations = [];

/**
 * 1: round trips of one client's edits and saves, through the counting relay; and the set-up of
 * part 2 (its server's profile then shows only the load): the automations its clients edit.
 */
async function wireCounts() {
  const wire = await wireCounter(pg.url);
  const server = await startServer({ databaseUrl: wire.url, logFile: join(dir, 'wire.log') });
  const api = httpClient(server.url);
  try {
    for (let c = 0; c < 16; c++)
      automations.push(
        fresh(await api.mutate('automations.import', { document: text, name: `profile ${c}` })),
      );
    const a = await api.mutate('automations.import', { document: text, name: 'wire' });
    let revision = a.revision;
    // Warm: the connections have prepared their statements, the caches hold the path.
    const edit = async (k) => {
      const target = targets[(k * 7) % targets.length];
      const interaction = structuredClone(target);
      interaction.content.results.tile.tileData[0].text = `wire edit ${k}`;
      const r = await api.mutate('editing.updateInteraction', {
        automation: a.id,
        baseRevision: revision,
        dialogId: target.group,
        interaction,
      });
      revision = r.revision;
    };
    const save = async (k) => {
      const r = await api.mutate('versions.save', {
        automation: a.id,
        name: `wire ${k}`,
        baseRevision: revision,
      });
      revision = r.automation.revision;
    };
    for (let k = 0; k < 40; k++) await (k % 10 === 9 ? save(k) : edit(k));
    const per = async (what, step) => {
      const before = wire.snapshot();
      for (let k = 0; k < WIRE_EDITS; k++) await step(1000 + k);
      const after = wire.snapshot();
      const d = (key) => ((after[key] - before[key]) / WIRE_EDITS).toFixed(2);
      log(
        `${what}: ${d('sends')} sends (waits for the database), ${d('statements')} statements, ${d('parses')} parsed, ` +
          `${d('bytesOut')} B sent and ${d('bytesIn')} B received per request`,
      );
      for (const [text, n] of after.byText) {
        const k = n - (before.byText.get(text) ?? 0);
        if (k > 0) log(`  ${(k / WIRE_EDITS).toFixed(2)}  ${text}`);
      }
    };
    await per('edit (editing.updateInteraction)', edit);
    await per('save (versions.save)', save);
  } finally {
    api.close();
    await server.stop();
    await wire.close();
  }
}

/** 2: the 16-client load on a server under the profiler; CPU per request of each process. */
async function cpuRounds() {
  const cpuSince = (before) => {
    const now = processCpu(server.child.pid);
    return { user: now.user - before.user, system: now.system - before.system };
  };
  const server = await startServer({
    databaseUrl: pg.url,
    logFile: join(dir, 'server.log'),
    nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
  });
  const api = httpClient(server.url);
  const stats = postgres(pg.url, { max: 1, onnotice: () => {} });
  const commits = async () =>
    (
      await stats`select xact_commit::int as c from pg_stat_database where datname = current_database()`
    )[0].c;
  try {
    for (let round = 0; round < 3; round++) {
      const cpu0 = processCpu(server.child.pid);
      const db0 = await databaseCpuMs(stats);
      const own0 = ownCpuMs();
      const commits0 = await commits();
      const r = await loadScenario({
        apis: [api],
        automations,
        clients: 16,
        targets,
        label: `profile ${round}`,
      });
      const own = ownCpuMs() - own0;
      // pg_stat_database lags by up to half a second.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const all = r.ok + r.conflicts + r.errors;
      const per = (ms) => (ms / all).toFixed(2);
      log(
        `round ${round + 1}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ` +
          `CPU per request: server ${per(cpuSince(cpu0).user)} + ${per(cpuSince(cpu0).system)} ms (user + kernel), ` +
          `PostgreSQL ${per((await databaseCpuMs(stats)) - db0)} ms, load generator ${per(own)} ms; ` +
          `${(((await commits()) - commits0 - 3) / all).toFixed(2)} commits per request, ${r.errors} errors`,
      );
    }
    // The floor: what a request costs that does no work of its own (auth, tRPC, HTTP, the log).
    const cpu0 = processCpuMs(server.child.pid);
    const own0 = ownCpuMs();
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() - t0 < 2000) {
          await api.query('auth.whoami');
          n++;
        }
      }),
    );
    log(
      `auth.whoami, 16 clients: ${(n / ((performance.now() - t0) / 1000)).toFixed(0)} req/s; CPU per request: ` +
        `server ${((processCpuMs(server.child.pid) - cpu0) / n).toFixed(2)} ms, load generator ${((ownCpuMs() - own0) / n).toFixed(2)} ms`,
    );
  } finally {
    api.close();
    await stats.end({ timeout: 5 });
    await server.stop();
  }
}

try {
  await wireCounts();
  await cpuRounds();
} finally {
  await pg.drop();
}
if (!PROFILE) process.exit(0);

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const where = (n) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/\.pnpm\/([^/]+)/.exec(url)?.[1]?.replace(/@\d.*$/, '');
  const file = pkg ?? (url.replace(/.*\/(packages|apps)\//, '$1/') || '(native)');
  return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
};
const self = new Map();
const inclusive = new Map();
/** Native and Node-internal leaves (socket writes, zlib) by the first caller outside Node. */
const callers = new Map();
const internal = (n) => /^(node:|$)/.test(n.callFrame.url);
let total = 0;
profile.samples.forEach((id, i) => {
  // Each sample counts once, not by the time since the last one: a thread descheduled inside a
  // system call (a socket write that wakes PostgreSQL on a busy machine) is sampled once when it
  // runs again, with all the time it waited. Counts follow CPU time; time deltas, wall time.
  const dt = PROFILE_WALL ? (profile.timeDeltas[i] ?? 0) : 1;
  total += dt;
  const key = where(nodes.get(id));
  self.set(key, (self.get(key) ?? 0) + dt);
  if (internal(nodes.get(id)) && !key.startsWith('(idle)')) {
    let cur = parent.get(id);
    while (cur !== undefined && internal(nodes.get(cur))) cur = parent.get(cur);
    const by = `${key.split(' ')[0]} ← ${cur === undefined ? '(none)' : where(nodes.get(cur))}`;
    callers.set(by, (callers.get(by) ?? 0) + dt);
  }
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = where(nodes.get(cur));
    if (!seen.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    seen.add(k);
  }
});
const top = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `  ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
log(
  PROFILE_WALL
    ? `\nself time (of ${(total / 1e6).toFixed(1)} s sampled, the server's start included):`
    : `\nself samples (of ${total}, about 1 ms of CPU each, the server's start included):`,
);
log(top(self, 25));
log('\nNode-internal and native time by the first caller outside Node:');
log(top(callers, 15));
log('\ninclusive time:');
log(top(inclusive, 50));
log(`\nprofile: ${join(dir, file)}`);
