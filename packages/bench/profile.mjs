// Where a small-bot conditional edit spends the server's time: `node profile.mjs` (after a build)
// starts `ferry serve` under `node --cpu-prof` on PostgreSQL (DATABASE_URL, else a fresh database on
// 127.0.0.1:5432, dropped after), runs the load benchmark's 16-client scenario on a 100-interaction
// bot three times, stops the server and prints the hottest functions (self time) and call paths
// (inclusive time), and the server's CPU time and database commits per request. The profile is
// kept in a temporary directory for Chrome DevTools or speedscope; its path is printed.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBotExport } from '@ferry/core/testing';
import postgres from 'postgres';
import { httpClient, log, postgresForRun, startServer } from './lib.mjs';
import { editable, loadScenario } from './load.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ferry-profile-'));
const pg = await postgresForRun();
if (!pg)
  throw new Error('profile.mjs needs PostgreSQL: set DATABASE_URL or run one on 127.0.0.1:5432');
const server = await startServer({
  databaseUrl: pg.url,
  logFile: join(dir, 'server.log'),
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
const api = httpClient(server.url);
const stats = postgres(pg.url, { max: 1, onnotice: () => {} });
/** CPU time (user + system) of the server process so far, ms. */
function serverCpuMs() {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const commits = async () =>
  (
    await stats`select xact_commit::int as c from pg_stat_database where datname = current_database()`
  )[0].c;
try {
  const doc = generateBotExport({ seed: 1, dialogs: 5, interactionsPerDialog: 20 });
  const text = JSON.stringify(doc, null, 2);
  const automations = [];
  for (let c = 0; c < 16; c++) {
    const a = await api.mutate('automations.import', { document: text, name: `profile ${c}` });
    automations.push({ ...a, skipped: 0, root: null, lastText: new Map() });
  }
  for (let round = 0; round < 3; round++) {
    const cpu0 = serverCpuMs();
    const commits0 = await commits();
    const r = await loadScenario({
      apis: [api],
      automations,
      clients: 16,
      targets: editable(doc),
      label: `profile ${round}`,
    });
    // pg_stat_database lags by up to half a second.
    await new Promise((resolve) => setTimeout(resolve, 700));
    log(
      `round ${round + 1}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ` +
        `server CPU ${((serverCpuMs() - cpu0) / r.ok).toFixed(2)} ms and ${(((await commits()) - commits0 - 2) / r.ok).toFixed(2)} commits per request, ${r.errors} errors`,
    );
  }
} finally {
  api.close();
  await stats.end({ timeout: 5 });
  await server.stop();
  await pg.drop();
}

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
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const key = where(nodes.get(id));
  self.set(key, (self.get(key) ?? 0) + dt);
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
log(`\nself time (of ${(total / 1e6).toFixed(1)} s sampled, set-up included):`);
log(top(self, 25));
log('\ninclusive time:');
log(top(inclusive, 50));
log(`\nprofile: ${join(dir, file)}`);
