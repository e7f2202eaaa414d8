// The load benchmark (issue 12, item 6): N clients, each on its own automation, doing conditional
// edits (editing.updateInteraction with `baseRevision`, the revision the client last saw) and a
// version save every SAVE_EVERY requests, against one server or against two replicas on one
// PostgreSQL database (each client sends its requests to the replicas in turn, so that every edit
// is based on what the other process wrote). Bounded: each scenario stops at MAX_REQUESTS or
// DURATION_MS, whichever comes first, after a warm-up. Loopback only.
//
// Lost updates: every acknowledged edit must have moved the revision on by exactly one from the
// revision it was based on; at the end the automation's revision must be the last one acknowledged,
// its root the content hash of the last acknowledged edit or save, and (checked on the small bot, and on two
// automations of the big one) every interaction a client edited must hold the text of its last
// acknowledged edit. Anything else is a lost update.
//
// Given the servers' process ids (`pids`), a scenario also reports the CPU time the servers and this
// process (the load generator, on the same machine) spent per request: less sensitive than req/s to
// what else the machine runs.
import { performance } from 'node:perf_hooks';
import { hasText, ownCpuMs, processCpuMs, stats } from './lib.mjs';

export const CLIENTS = [4, 16];
const WARMUP_MS = 500;
/** FERRY_BENCH_LOAD_MS: longer scenarios for steadier figures on a busy machine. */
const DURATION_MS = Number(process.env.FERRY_BENCH_LOAD_MS ?? 3_000);
const MAX_REQUESTS = 4_000;
const SAVE_EVERY = 10;

/** Interactions whose first tile has a text (the ones an edit can change), with their dialog. */
export function editable(doc) {
  return doc.conversationMessage.filter(hasText);
}

/** The text of an interaction as an edit set it (null when another text is there). */
const textOf = (interaction) => interaction?.content?.results?.tile?.tileData?.[0]?.text;

/**
 * One scenario: `automations` (one per client, `{ id, revision }`, updated in place), `clients`
 * of them in use, `apis` the HTTP clients of the servers (one, or one per replica).
 */
export async function loadScenario({ apis, automations, clients, targets, label, pids = [] }) {
  const used = automations.slice(0, clients);
  const latencies = [];
  const editLatencies = [];
  const counts = { ok: 0, edits: 0, saves: 0, conflicts: 0, errors: 0 };
  const errors = [];
  let measuring = false;
  let stopAt = Infinity;
  let requests = 0;
  const started = performance.now();
  const measureFrom = started + WARMUP_MS;
  stopAt = measureFrom + DURATION_MS;

  const worker = async (a, c) => {
    let k = 0;
    while (performance.now() < stopAt && requests < MAX_REQUESTS) {
      const api = apis[k % apis.length];
      const isSave = k % SAVE_EVERY === SAVE_EVERY - 1;
      const target = targets[(c * 31 + k * 7) % targets.length];
      const text = `load ${label} client ${c} edit ${k}`;
      k++;
      const t0 = performance.now();
      measuring = t0 >= measureFrom;
      if (measuring) requests++;
      try {
        if (isSave) {
          const r = await api.mutate('versions.save', {
            automation: a.id,
            name: `load ${k}`,
            baseRevision: a.revision,
          });
          a.revision = r.automation.revision;
          a.root = r.contentHash;
          counts.saves++;
        } else {
          const interaction = structuredClone(target);
          interaction.content.results.tile.tileData[0].text = text;
          const r = await api.mutate('editing.updateInteraction', {
            automation: a.id,
            baseRevision: a.revision,
            dialogId: target.group,
            interaction,
          });
          // A conditional edit moves the revision on by exactly one: more means a write the
          // client never saw went in between (none may, each automation has one client).
          if (r.revision !== a.revision + 1) a.skipped++;
          a.revision = r.revision;
          a.root = r.contentHash;
          a.lastText.set(target.id, text);
          counts.edits++;
          if (t0 >= measureFrom) editLatencies.push(performance.now() - t0);
        }
        counts.ok++;
        if (t0 >= measureFrom) latencies.push(performance.now() - t0);
      } catch (e) {
        if (e.ferryCode === 'CONFLICT') counts.conflicts++;
        else counts.errors++;
        if (errors.length < 5) errors.push(String(e.message));
        // A failed conditional request: learn the current revision before going on.
        const [row] = (await apis[0].query('automations.list')).filter((r) => r.id === a.id);
        a.revision = row.revision;
      }
    }
  };
  const t0 = performance.now();
  const serverCpu0 = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const clientCpu0 = ownCpuMs();
  await Promise.all(used.map((a, c) => worker(a, c)));
  // CPU per request (warm-up included: CPU is counted over every request sent) of the servers
  // and of this process, the load generator.
  const sent = counts.ok + counts.conflicts + counts.errors;
  const serverCpuMs =
    pids.length === 0
      ? null
      : (pids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - serverCpu0) / sent;
  const clientCpuMs = (ownCpuMs() - clientCpu0) / sent;
  const elapsed = Math.max(1, Math.min(performance.now(), stopAt) - Math.max(t0, measureFrom));
  const s = stats(latencies);
  const e = stats(editLatencies);
  return {
    clients,
    replicas: apis.length,
    requests: latencies.length,
    seconds: elapsed / 1000,
    reqPerSec: latencies.length / (elapsed / 1000),
    p50: s.p50,
    p99: s.p99,
    editP50: e.p50,
    editP99: e.p99,
    serverCpuMs,
    clientCpuMs,
    ...counts,
    errorSamples: errors,
  };
}

/**
 * Lost updates of `automations` after all scenarios: acknowledged edits and saves the database does
 * not show. `contentOf(id)` reads an automation's working copy ({ revision, root, content }).
 */
export async function lostUpdates({ api, automations, checkContent }) {
  const list = await api.query('automations.list');
  let lost = 0;
  const problems = [];
  for (const [i, a] of automations.entries()) {
    const row = list.find((r) => r.id === a.id);
    if (row.revision !== a.revision || a.skipped > 0) {
      lost += Math.max(1, a.skipped);
      problems.push(
        `${a.name}: revision ${row.revision}, last acknowledged ${a.revision}, ${a.skipped} unexpected revision steps`,
      );
    }
    if (!checkContent(i)) continue;
    const c = await api.query('automations.content', { automation: a.id });
    if (a.root && c.root !== a.root) {
      lost++;
      problems.push(`${a.name}: root ${c.root} is not the last acknowledged ${a.root}`);
    }
    const byId = new Map(c.content.dialogs.flatMap((d) => d.interactions.map((x) => [x.id, x])));
    for (const [id, text] of a.lastText)
      if (textOf(byId.get(id)) !== text) {
        lost++;
        problems.push(`${a.name}: interaction ${id} lost "${text}"`);
      }
  }
  return { lost, problems: problems.slice(0, 10), checked: automations.length };
}
