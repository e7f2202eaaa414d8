// The sync row alone, quickly (`node sync-probe.mjs` after a build): `ferry serve` on the embedded
// database (or PostgreSQL: DATABASE_URL), the 10,000-interaction bot imported once, then rounds of
// one-interaction changes synced with `ferry automation import FILE --into A --save NAME`, each
// beside `git add` + `git commit` of the same file. Prints each round (wall times, the server's
// CPU time, what was sent, whether the sync index was used, the CLI's FERRY_DEBUG line) and the
// medians. SYNC_ROUNDS (default 8), FERRY_BENCH_BIG (default 10,000); SYNC_PROFILE=cli and/or
// server writes V8 CPU profiles (the CLI's of the last round) into a temporary directory, printed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBotExport } from '@ferry/core/testing';
import {
  ADMIN_TOKEN,
  CLI,
  PER_DIALOG,
  SEED,
  childEnv,
  f,
  git,
  httpClient,
  log,
  run,
  setText,
  startServer,
  stats,
  tempRoot,
} from './lib.mjs';
import { editable } from './load.mjs';

const BIG = Number(process.env.FERRY_BENCH_BIG ?? 10_000);
const ROUNDS = Number(process.env.SYNC_ROUNDS ?? 8);
const profile = (process.env.SYNC_PROFILE ?? '').split(',');
const profiles = profile.some((p) => p !== '') ? mkdtempSync(join(tmpdir(), 'ferry-sync-')) : null;
const pretty = (doc) => JSON.stringify(doc, null, 2) + '\n';
const dir = tempRoot();
const url = process.env.DATABASE_URL;
const server = await startServer({
  ...(url ? { databaseUrl: url } : { dataDir: join(dir, 'data') }),
  logFile: join(dir, 'server.log'),
  nodeArgs: profile.includes('server') ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [],
});
/** CPU time (user + system) of the server process so far, ms. */
function serverCpuMs() {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const api = httpClient(server.url);
try {
  const doc = generateBotExport({
    seed: SEED + BIG,
    dialogs: BIG / PER_DIALOG,
    interactionsPerDialog: PER_DIALOG,
  });
  const dev = await api.mutate('automations.import', {
    document: pretty(doc),
    name: `sync probe ${Date.now()}`,
  });
  await api.mutate('versions.save', {
    automation: dev.id,
    name: 'imported',
    baseRevision: dev.revision,
  });
  const repo = join(dir, 'git');
  mkdirSync(repo);
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'config', 'gc.auto', '0');
  writeFileSync(join(repo, 'bot.json'), pretty(doc));
  await git(repo, 'add', 'bot.json');
  await git(repo, 'commit', '-q', '-m', 'import');
  const file = join(dir, 'sync.json');
  const targets = editable(doc);
  const env = childEnv({ XDG_CACHE_HOME: join(dir, 'cache'), FERRY_DEBUG: '1' });
  const ferry = [];
  const gits = [];
  for (let k = 0; k < ROUNDS; k++) {
    setText(targets[(k * 7919) % targets.length], `synced #${k} at ${Date.now()}`);
    const text = pretty(doc);
    writeFileSync(file, text);
    writeFileSync(join(repo, 'bot.json'), text);
    const last = k === ROUNDS - 1 && profile.includes('cli');
    const cpu = serverCpuMs();
    const r = await run(
      process.execPath,
      [
        ...(last ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []),
        CLI,
        'automation',
        'import',
        file,
        '--into',
        dev.id,
        '--save',
        `sync ${k}`,
        '--json',
        '--url',
        server.url,
        '--token',
        ADMIN_TOKEN,
      ],
      { env },
    );
    const serverMs = serverCpuMs() - cpu;
    const add = await git(repo, 'add', 'bot.json');
    const commit = await git(repo, 'commit', '-q', '-m', `sync ${k}`);
    const gitMs = add.wallMs + commit.wallMs;
    // The first round has no index yet: it reads the whole export and writes one.
    if (k > 0) {
      ferry.push(r.wallMs);
      gits.push(gitMs);
    }
    const { sync } = JSON.parse(r.stdout);
    const debug = r.stderr.split('\n').find((l) => l.startsWith('ferry: sync:')) ?? '';
    log(
      `round ${k}: ferry ${f(r.wallMs, 0)} ms (server CPU ${serverMs} ms), git ${f(gitMs, 0)} ms; ` +
        `sent ${sync.uploadedNodes} of ${sync.treeNodes} nodes, ${sync.indexed ? 'indexed' : 'whole'}; ${debug}`,
    );
  }
  const fm = stats(ferry).median;
  const gm = stats(gits).median;
  log(`medians of ${ferry.length}: ferry ${f(fm, 0)} ms, git ${f(gm, 0)} ms = ${f(fm / gm, 2)}x`);
  if (profiles) log(`profiles: ${profiles}`);
} finally {
  api.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
