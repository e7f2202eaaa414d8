// Benchmark of @ferry/core. Run after a build: `node bench/run.mjs` (or `pnpm bench` at the root).
//
// What it measures, and why:
//  1. Throughput on a 10,000-interaction bot (500 dialogs x 20 interactions, pretty-printed like
//     CB's own downloads). The baseline is the least any import must do: JSON.parse the text and
//     SHA-256 its bytes. Import (importCbExport + Snapshotter.write into a fresh store, which is
//     what a server does on upload) and export (Snapshotter.read + exportCbExportText) are given
//     in MB/s and as a percentage of that baseline; the target is >= 40 %. Export runs on a store
//     that holds the nodes as text only (cold, as after loading them from a database) and again
//     on a warm one (decoded nodes and loaded lists cached). Heap use of one import is recorded.
//  2. Cost of one small edit at 100, 1,000 and 10,000 interactions (20 per dialog): the snapshot
//     rebuild after one interaction's text changed (Snapshotter.edit, updateInteraction, another
//     interaction each time), the nodes that edit wrote, and the diff of the roots before and
//     after it (on the same snapshotter, whose store holds both trees, and on a cold copy).
//     Content addressing should make these independent of bot size: the target is a 10,000/100
//     ratio within 2x.
// Method: warm-up runs, then the median (and p90) of repeated runs timed with performance.now();
// sizes are interleaved so drift (JIT, GC, CPU clock) hits them alike. A benchmark, not a test:
// no timing is asserted, only that the work was real (the round trip is lossless, each diff finds
// exactly one changed interaction). Prints a table; writes bench-results/core.json (git-ignored).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  MemoryNodeStore,
  createSnapshotter,
  diffSnapshots,
  exportCbExportText,
  importCbExport,
  jsonEqual,
} from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
// The helpers every benchmark shares (a file of Node built-ins only: no package dependency).
import { PER_DIALOG, SEED, f, gc, int, log, stats, table, time } from '../../bench/common.mjs';

const BIG_DIALOGS = 500; // 10,000 interactions
const THROUGHPUT_WARMUP = 3;
const THROUGHPUT_RUNS = 15;
const EDIT_SIZES = [100, 1_000, 10_000];
const EDIT_WARMUP = 200;
const EDIT_RUNS = 1_000;
const COLD_DIFF_RUNS = 50;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const bytes = (text) => Buffer.byteLength(text, 'utf8');

function unwrap(result, what) {
  if (!result.ok) throw new Error(`${what} failed: ${result.error.message}`);
  return result.value;
}

/** A store holding the same nodes as `store`, as text only (nothing decoded or memoised). */
function coldCopy(store) {
  const copy = new MemoryNodeStore();
  for (const [hash, text] of store.nodes) copy.put(hash, text);
  copy.takeWritten();
  return copy;
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput on the 10,000-interaction bot
// ---------------------------------------------------------------------------------------------

function benchThroughput() {
  const doc = generateBotExport({
    seed: SEED,
    dialogs: BIG_DIALOGS,
    interactionsPerDialog: PER_DIALOG,
  });
  const text = JSON.stringify(doc, null, 2);
  const inBytes = bytes(text);

  const imported = unwrap(importCbExport(text), 'import');
  const identity = { id: imported.botId, name: imported.name };
  const reference = createSnapshotter(sha256, new MemoryNodeStore());
  const root = reference.write(imported.content);
  const exported = exportCbExportText(reference.read(root), identity);
  if (!jsonEqual(JSON.parse(exported), doc)) throw new Error('export is not the imported bot');
  const outBytes = bytes(exported);
  const nodes = reference.store.size;

  const baseline = () => {
    JSON.parse(text);
    sha256(text);
  };
  const importOnce = () => {
    const { content } = unwrap(importCbExport(text), 'import');
    return createSnapshotter(sha256, new MemoryNodeStore()).write(content);
  };
  const exportFrom = (snap) => exportCbExportText(snap.read(root), identity);
  const warm = createSnapshotter(sha256, coldCopy(reference.store));
  exportFrom(warm);

  const samples = { baseline: [], import: [], exportCold: [], exportWarm: [] };
  for (let run = 0; run < THROUGHPUT_WARMUP + THROUGHPUT_RUNS; run++) {
    const measured = run >= THROUGHPUT_WARMUP;
    const cold = createSnapshotter(sha256, coldCopy(reference.store));
    // A GC before each step, so that no step pays for collecting the garbage of the one before.
    gc();
    const b = time(baseline).ms;
    gc();
    const i = time(importOnce);
    if (i.value !== root) throw new Error('import produced a different root');
    gc();
    const ec = time(() => exportFrom(cold)).ms;
    gc();
    const ew = time(() => exportFrom(warm)).ms;
    if (measured) {
      samples.baseline.push(b);
      samples.import.push(i.ms);
      samples.exportCold.push(ec);
      samples.exportWarm.push(ew);
    }
  }

  // Heap: a GC before, the heap right after import + write (garbage included), and what stays
  // after a GC while the store (what a server keeps) is still referenced.
  gc();
  const before = process.memoryUsage();
  let after = before;
  const store = (() => {
    const { content } = unwrap(importCbExport(text), 'import');
    const kept = new MemoryNodeStore();
    createSnapshotter(sha256, kept).write(content);
    after = process.memoryUsage();
    return kept;
  })();
  gc();
  const retained = process.memoryUsage();
  const heap = {
    beforeMB: before.heapUsed / 1e6,
    afterImportMB: after.heapUsed / 1e6,
    importDeltaMB: (after.heapUsed - before.heapUsed) / 1e6,
    retainedAfterGcMB: (retained.heapUsed - before.heapUsed) / 1e6,
    rssAfterImportMB: after.rss / 1e6,
    storeNodes: store.size,
  };

  const rate = (ms, n) => n / 1e6 / (ms / 1000);
  const row = (name, s, n) => ({ name, ...s, mbPerS: rate(s.median, n) });
  const rows = {
    baseline: row('baseline: JSON.parse + SHA-256', stats(samples.baseline), inBytes),
    import: row('import: importCbExport + write', stats(samples.import), inBytes),
    exportCold: row(
      'export: read + exportCbExportText (cold)',
      stats(samples.exportCold),
      outBytes,
    ),
    exportWarm: row(
      'export: read + exportCbExportText (warm)',
      stats(samples.exportWarm),
      outBytes,
    ),
  };
  for (const r of Object.values(rows))
    r.percentOfBaseline = (100 * r.mbPerS) / rows.baseline.mbPerS;
  return {
    bot: {
      dialogs: BIG_DIALOGS,
      interactions: BIG_DIALOGS * PER_DIALOG,
      inputMB: inBytes / 1e6,
      exportMB: outBytes / 1e6,
      nodes,
    },
    rows,
    heap,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. One-interaction edit and diff at growing bot sizes
// ---------------------------------------------------------------------------------------------

function setupEditBench(interactions) {
  const dialogs = interactions / PER_DIALOG;
  const doc = generateBotExport({ seed: SEED, dialogs, interactionsPerDialog: PER_DIALOG });
  const { content } = unwrap(importCbExport(doc), 'import');
  const snap = createSnapshotter(sha256, new MemoryNodeStore());
  const root = snap.write(content);
  // Interactions with a text, visited with a stride so successive edits hit different dialogs.
  const targets = [];
  for (const d of snap.read(root).dialogs)
    for (const interaction of d.interactions) {
      if (typeof interaction.content?.results?.tile?.tileData?.[0]?.text === 'string')
        targets.push({ dialogId: d.dialog.id, interaction });
    }
  const nodes = snap.store.size;
  return { interactions, dialogs, nodes, snap, root, targets, next: 0, samples: newSamples() };
}

const newSamples = () => ({ rebuild: [], diff: [], written: [], coldDiff: [] });

/** Edit the text of the next target interaction, then diff the roots before and after. */
function editOnce(bench, record) {
  const { snap, targets } = bench;
  const k = bench.next++;
  const target = targets[(k * 7919) % targets.length];
  const interaction = structuredClone(target.interaction);
  interaction.content.results.tile.tileData[0].text = `edited text #${k}`;
  const op = { op: 'updateInteraction', dialogId: target.dialogId, interaction };
  const before = bench.root;
  snap.store.takeWritten();
  const edit = time(() => snap.edit(before, op));
  const after = unwrap(edit.value, 'edit');
  const written = snap.store.takeWritten().size;
  const diff = time(() => diffSnapshots(snap, before, after));
  if (diff.value.summary.changed !== 1 || diff.value.changes.length !== 1)
    throw new Error(`diff found "${diff.value.summary.text}" after one edit`);
  bench.root = after;
  if (!record) return { before, after };
  bench.samples.rebuild.push(edit.ms);
  bench.samples.diff.push(diff.ms);
  bench.samples.written.push(written);
  return { before, after };
}

function benchEdits() {
  const benches = EDIT_SIZES.map(setupEditBench);
  for (let run = 0; run < EDIT_WARMUP; run++) for (const b of benches) editOnce(b, false);
  for (let run = 0; run < EDIT_RUNS; run++) for (const b of benches) editOnce(b, true);
  // Cold diff: the store holds both trees as text only, as when a server loads them afresh.
  for (let run = 0; run < COLD_DIFF_RUNS; run++)
    for (const b of benches) {
      const { before, after } = editOnce(b, false);
      const cold = createSnapshotter(sha256, coldCopy(b.snap.store));
      b.samples.coldDiff.push(time(() => diffSnapshots(cold, before, after)).ms);
    }
  const rows = benches.map((b) => ({
    interactions: b.interactions,
    dialogs: b.dialogs,
    nodes: b.nodes,
    rebuildMs: stats(b.samples.rebuild),
    nodesWritten: stats(b.samples.written),
    diffMs: stats(b.samples.diff),
    coldDiffMs: stats(b.samples.coldDiff),
  }));
  const ratiosOf = (big, small) => ({
    label: `${int(big.interactions)}/${int(small.interactions)}`,
    rebuild: big.rebuildMs.median / small.rebuildMs.median,
    nodesWritten: big.nodesWritten.median / small.nodesWritten.median,
    diff: big.diffMs.median / small.diffMs.median,
    coldDiff: big.coldDiffMs.median / small.coldDiffMs.median,
  });
  const last = rows[rows.length - 1];
  // The headline ratio (largest/smallest) and, for context, largest/middle.
  return { rows, ratios: ratiosOf(last, rows[0]), ratiosToMiddle: ratiosOf(last, rows[1]) };
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const started = performance.now();
const throughput = benchThroughput();
gc();
const edits = benchEdits();
const totalSeconds = (performance.now() - started) / 1000;

const { bot, rows: t, heap } = throughput;
log(`@ferry/core benchmark   node ${process.version}   ${cpus()[0]?.model ?? 'unknown CPU'}`);
log();
log(
  `1. Throughput: ${int(bot.interactions)} interactions (${bot.dialogs} dialogs x ${PER_DIALOG}), ` +
    `${f(bot.inputMB, 2)} MB export, ${int(bot.nodes)} nodes; median of ${THROUGHPUT_RUNS} runs after ${THROUGHPUT_WARMUP} warm-up`,
);
log(
  table(
    ['step', 'median ms', 'p90 ms', 'MB/s', '% of baseline'],
    Object.values(t).map((r) => [
      r.name,
      f(r.median),
      f(r.p90),
      f(r.mbPerS),
      `${f(r.percentOfBaseline)} %`,
    ]),
    ['l', 'r', 'r', 'r', 'r'],
  ),
);
log(
  `  target: import and export >= 40 % of baseline   (1 MB = 10^6 bytes; export text ${f(bot.exportMB, 2)} MB)`,
);
log(
  `  heap for one import: ${f(heap.importDeltaMB)} MB used right after import + write (garbage included), ` +
    `${f(heap.retainedAfterGcMB)} MB retained by the store after GC; rss ${f(heap.rssAfterImportMB)} MB`,
);
log();
log(
  `2. One-interaction edit: median of ${int(EDIT_RUNS)} edits per size after ${EDIT_WARMUP} warm-up ` +
    `(cold diff: ${COLD_DIFF_RUNS} runs)`,
);
log(
  table(
    [
      'interactions',
      'dialogs',
      'nodes',
      'rebuild ms',
      'p90',
      'nodes written',
      'diff ms',
      'p90',
      'cold diff ms',
    ],
    edits.rows
      .map((r) => [
        int(r.interactions),
        int(r.dialogs),
        int(r.nodes),
        f(r.rebuildMs.median, 3),
        f(r.rebuildMs.p90, 3),
        int(r.nodesWritten.median),
        f(r.diffMs.median, 3),
        f(r.diffMs.p90, 3),
        f(r.coldDiffMs.median, 3),
      ])
      .concat(
        [edits.ratios, edits.ratiosToMiddle].map((r) => [
          `ratio ${r.label}`,
          '',
          '',
          `${f(r.rebuild, 2)}x`,
          '',
          `${f(r.nodesWritten, 2)}x`,
          `${f(r.diff, 2)}x`,
          '',
          `${f(r.coldDiff, 2)}x`,
        ]),
      ),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  ),
);
log(`  target: ${edits.ratios.label} ratio within 2x (flat)`);
log();
log(`Total time ${f(totalSeconds)} s`);

const results = {
  package: '@ferry/core',
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpu: cpus()[0]?.model ?? null,
  totalSeconds,
  throughput: {
    bot,
    warmupRuns: THROUGHPUT_WARMUP,
    runs: THROUGHPUT_RUNS,
    steps: t,
    ratios: {
      importPercentOfBaseline: t.import.percentOfBaseline,
      exportColdPercentOfBaseline: t.exportCold.percentOfBaseline,
      exportWarmPercentOfBaseline: t.exportWarm.percentOfBaseline,
      targetPercent: 40,
    },
    heap,
  },
  edits: {
    interactionsPerDialog: PER_DIALOG,
    warmupRuns: EDIT_WARMUP,
    runs: EDIT_RUNS,
    coldDiffRuns: COLD_DIFF_RUNS,
    sizes: edits.rows,
    ratios: { ...edits.ratios, target: 2 },
    ratiosToMiddle: edits.ratiosToMiddle,
  },
};
const outDir = new URL('../bench-results/', import.meta.url);
mkdirSync(outDir, { recursive: true });
const outFile = new URL('core.json', outDir);
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
log(`Results written to ${outFile.pathname}`);
