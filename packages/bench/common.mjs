// The helpers every Ferry benchmark shares: core's (packages/core/bench), the api's in-process one
// (packages/api/bench) and the end-to-end one here (lib.mjs re-exports them). Node built-ins only,
// nothing of Ferry's, so that core and the api can import this file by its path without depending
// on @ferry/bench (which depends on them): the generated bots' parameters, git as a benchmark
// runs it, timing, a real GC between steps, statistics and the printed tables.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const log = (line = '') => process.stdout.write(line + '\n');

// ---------------------------------------------------------------------------------------------
// The bots: core's generateBotExport with these parameters, at 100 to 10,000 interactions
// ---------------------------------------------------------------------------------------------

export const SEED = 20240601;
export const PER_DIALOG = 20;
/** The variables the generated bot references ({$env.NAME} and getEnvVariable('NAME')). */
export const ENV = {
  API_BASE_URL: 'https://api.example.com',
  SKILL_ID: 'skill-1234',
  BRAND: 'Ferry',
};
/** The version and release operations the api and end-to-end benchmarks time, and their labels. */
export const OPS = ['edit', 'save', 'restore', 'release', 'upgrade'];
export const OP_LABELS = {
  edit: 'edit one interaction',
  save: 'save version',
  restore: 'restore version',
  release: 'create release',
  upgrade: 'upgrade',
};

/** Interactions whose first tile has a text (the ones an edit can change). */
export const hasText = (interaction) =>
  typeof interaction?.content?.results?.tile?.tileData?.[0]?.text === 'string';

/** Set the first tile's text of an interaction (a one-interaction change). */
export function setText(interaction, text) {
  interaction.content.results.tile.tileData[0].text = text;
}

// ---------------------------------------------------------------------------------------------
// git holding the export as one file: no user or system configuration, a fixed identity
// ---------------------------------------------------------------------------------------------

/** The environment of git's runs: `base` (this process's, or one cleaned of Ferry's settings). */
export const gitEnv = (base = process.env) => ({
  ...base,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
});

// ---------------------------------------------------------------------------------------------
// Timing and statistics
// ---------------------------------------------------------------------------------------------

// A real GC before a timed step or between phases, so that no step pays for the garbage of the
// one before and heap figures mean something, without requiring --expose-gc.
setFlagsFromString('--expose-gc');
export const gc = globalThis.gc ?? runInNewContext('gc');

/** `fn()`'s wall time: `{ ms, value }`, a promise of it when `fn` returns one. */
export function time(fn) {
  const t0 = performance.now();
  const value = fn();
  if (value instanceof Promise)
    return value.then((v) => ({ ms: performance.now() - t0, value: v }));
  return { ms: performance.now() - t0, value };
}

/** Median (p50), p90, p99, min and max of `samples`; NaN for none. */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0)
    return { median: NaN, p50: NaN, p90: NaN, p99: NaN, min: NaN, max: NaN, runs: 0 };
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return {
    median: at(0.5),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    min: s[0],
    max: s[s.length - 1],
    runs: s.length,
  };
}

export const median = (samples) => stats(samples).median;

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** A text table; `align[i]` is 'l' or 'r' (left when not given). */
export function table(headers, rows, align = []) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const cell = (text, i) =>
    align[i] === 'r' ? String(text).padStart(widths[i]) : String(text).padEnd(widths[i]);
  const line = (cells) => '  ' + cells.map(cell).join('   ').trimEnd();
  return [
    line(headers),
    '  ' + widths.map((w) => '-'.repeat(w)).join('   '),
    ...rows.map(line),
  ].join('\n');
}

/** `n` with thousands separators and `digits` decimals; 'n/a' for NaN and infinities. */
export const f = (n, digits = 1) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
export const int = (n) => f(n, 0);
/** Milliseconds with a precision that suits their size, and the unit. */
export const ms = (n) => (Number.isFinite(n) ? `${f(n, n < 10 ? 2 : n < 100 ? 1 : 0)} ms` : 'n/a');
export const kb = (bytes) => `${f(bytes / 1024, 1)} KB`;
/** A ratio as `1.23x`. */
export const x = (r) => (Number.isFinite(r) ? `${f(r, 2)}x` : 'n/a');
