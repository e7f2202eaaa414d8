import { join } from 'node:path';
import { generateBotExport } from '@ferry/core/testing';
import { httpClient, startServer, postgresForRun } from './lib.mjs';
import { editable, loadScenario } from './load.mjs';
const pg = await postgresForRun();
const server = await startServer({
  databaseUrl: pg.url,
  logFile: '/tmp/prof/server.log',
  nodeArgs: process.argv[2] === 'prof' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
});
const api = httpClient(server.url);
const doc = generateBotExport({ seed: 1, dialogs: 5, interactionsPerDialog: 20 });
const text = JSON.stringify(doc, null, 2);
const automations = [];
for (let c = 0; c < 16; c++) {
  const a = await api.mutate('automations.import', { document: text, name: `p${c}` });
  automations.push({
    id: a.id,
    name: a.name,
    revision: a.revision,
    skipped: 0,
    root: null,
    lastText: new Map(),
  });
}
import postgres from 'postgres';
import { readFileSync } from 'node:fs';
const cpu = () => {
  const f = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const q = postgres(pg.url, { max: 1 });
for (let i = 0; i < 3; i++) {
  const c0 = cpu();
  const [b] =
    await q`select xact_commit::int c from pg_stat_database where datname = current_database()`;
  const r = await loadScenario({
    apis: [api],
    automations,
    clients: 16,
    targets: editable(doc),
    label: 'p' + i,
  });
  await new Promise((r) => setTimeout(r, 800));
  const [a] =
    await q`select xact_commit::int c from pg_stat_database where datname = current_database()`;
  console.log('server cpu ms per request', ((cpu() - c0) / r.ok).toFixed(2));
  console.log('commits per ok request', ((a.c - b.c) / r.ok).toFixed(2));
  console.log(
    JSON.stringify({
      rps: Math.round(r.reqPerSec),
      p50: r.p50.toFixed(1),
      p99: r.p99.toFixed(1),
      ok: r.ok,
      errors: r.errors,
      e: r.errorSamples,
    }),
  );
}
api.close();
await q.end();
await server.stop();
await pg.drop();
