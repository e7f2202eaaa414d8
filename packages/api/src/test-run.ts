// Runs a conversation test suite on bot content (issue 15): each test from fresh state through
// @ferry/core's simulator, bot code in @ferry/sandbox's QuickJS (never in this process's engine),
// environment values under the test's own, integrations from the test's fixtures. Passed, failed or
// inconclusive per test, a transcript for each test that did not pass, and coverage by name.
//
// Protecting the server: the simulator's work (bot regexes run in the JavaScript regex engine, which
// cannot be interrupted) happens in a worker thread (`test-worker.ts`), one per run or chat, at
// most RUN_WORKERS_MAX at once, so the server's own thread stays free to answer. Budgets:
// - each code block by the sandbox's own limits (1 s, 32 MiB);
// - each test by TEST_BUDGET_MS: once spent, further bot code is refused as a timeout (the test
//   turns inconclusive); a test still running STOP_GRACE_MS after it (a super-linear regex) gets
//   its worker terminated: that test and the ones after it are inconclusive, never passed;
// - each run by RUN_BUDGET_MS: tests not started within it are inconclusive, "not run", and a
//   worker still busy STOP_GRACE_MS after it is terminated the same way;
// - the text bot regexes are matched against is capped (core's REGEX_INPUT_MAX).
// closeTestRuns() terminates the workers still running (server shutdown).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  simulateConversation,
  simulationCoverage,
  type BotContent,
  type CodeSandbox,
  type SimulationCoverage,
  type SimulationResult,
} from '@ferry/core';
import { judge, turnText, type Suite, type SuiteTest } from './test-suite.js';

export const TEST_BUDGET_MS = 5_000;
export const RUN_BUDGET_MS = 30_000;
/** How long past a budget a worker may still be busy before it is terminated. */
export const STOP_GRACE_MS = 1_000;
/** Test runs (workers) at once in this process; more wait their turn. */
export const RUN_WORKERS_MAX = 2;
/** The clock bot code sees: fixed, so that runs repeat. */
const SIMULATED_NOW = new Date('2026-01-05T10:00:00Z');

export type TestStatus = 'passed' | 'failed' | 'inconclusive';

export interface TranscriptTurn {
  user: string;
  bot: string;
  dialog: string | null;
  interaction: string | null;
  outcome: string;
}

export interface TestResult {
  name: string;
  status: TestStatus;
  /** Each expectation that did not hold: the step (from 0), the expectation (from 0), why. */
  failures: { step: number; expectation: number; message: string }[];
  /** Why the simulator could not tell (construct and reason), when inconclusive. */
  inconclusive: { construct: string; reason: string; step: number | null } | null;
  /** What was said, turn by turn: only for a test that did not pass. */
  transcript: TranscriptTurn[] | null;
}

export interface SuiteRun {
  status: TestStatus | 'empty';
  counts: { passed: number; failed: number; inconclusive: number; total: number };
  tests: TestResult[];
  coverage: SimulationCoverage & { dialogShare: number; interactionShare: number };
}

let shared: Promise<CodeSandbox> | null = null;

/** The thread's sandbox (in a test worker): one WebAssembly module; each code block gets a fresh runtime in it. */
export function quickJs(): Promise<CodeSandbox> {
  shared ??= import('@ferry/sandbox').then(({ createQuickJsSandbox }) =>
    createQuickJsSandbox({ timeLimitMs: 1_000, memoryLimitBytes: 32 << 20 }),
  );
  return shared;
}

/** A sandbox that refuses bot code once the test's deadline has passed (a timeout, so inconclusive). */
const withDeadline = (inner: CodeSandbox, deadline: number, budgetMs: number): CodeSandbox => ({
  run: (run) =>
    Date.now() > deadline
      ? {
          ok: false,
          kind: 'timeout',
          message: `the test's time budget of ${budgetMs / 1000} s was spent`,
        }
      : inner.run(run),
});

export interface RunOptions {
  /** The environment's values; a test's `env` overrides them. */
  env: Readonly<Record<string, string>>;
  sandbox: CodeSandbox;
  testBudgetMs?: number;
}

/** One conversation from fresh state, bot code refused once the test's budget is spent. */
export function simulate(
  content: BotContent,
  messages: readonly string[],
  opts: RunOptions & { integrations?: SuiteTest['integrations'] },
  budgetMs = opts.testBudgetMs ?? TEST_BUDGET_MS,
): SimulationResult {
  return simulateConversation(
    content,
    {
      env: opts.env,
      fixtures: { integrations: opts.integrations ?? {} },
      sandbox: withDeadline(opts.sandbox, Date.now() + budgetMs, budgetMs),
      now: () => SIMULATED_NOW,
      random: () => 0.5,
    },
    messages,
  );
}

export function runOne(
  content: BotContent,
  test: SuiteTest,
  opts: RunOptions,
  budgetMs: number,
): { result: TestResult; sim: SimulationResult | null } {
  const started = Date.now();
  const sim = simulate(
    content,
    test.steps.map((s) => s.user),
    { ...opts, env: { ...opts.env, ...test.env }, integrations: test.integrations },
    budgetMs,
  );
  const failures: TestResult['failures'] = [];
  const variables: Record<string, string> = {};
  let ended: string | null = null;
  test.steps.forEach((step, i) => {
    const turn = sim.turns[i];
    if (turn === undefined) {
      // Not run: the run was inconclusive (reported below) or the bot ended the conversation.
      if (sim.outcome !== 'inconclusive' && step.expect.length > 0)
        failures.push({
          step: i,
          expectation: 0,
          message: `the conversation had ended (${ended ?? sim.outcome}) before this message`,
        });
      return;
    }
    Object.assign(variables, turn.variablesSet);
    if (turn.outcome === 'escalated' || turn.outcome === 'closed') ended = turn.outcome;
    // A turn cut short by an inconclusive construct is not judged: what it would have sent is unknown.
    if (turn.outcome === 'inconclusive') return;
    step.expect.forEach((e, j) => {
      const why = judge(e, turn, variables);
      if (why !== null) failures.push({ step: i, expectation: j, message: why });
    });
  });
  const overran = Date.now() - started > budgetMs;
  const inconclusive: TestResult['inconclusive'] = sim.inconclusive
    ? {
        construct: sim.inconclusive.construct,
        reason: sim.inconclusive.reason,
        step: sim.inconclusive.turn,
      }
    : overran
      ? {
          construct: 'time-budget',
          reason: `The test ran longer than its time budget of ${budgetMs / 1000} s.`,
          step: null,
        }
      : null;
  const status: TestStatus =
    failures.length > 0 ? 'failed' : inconclusive ? 'inconclusive' : 'passed';
  return {
    result: {
      name: test.name,
      status,
      failures,
      inconclusive,
      transcript:
        status === 'passed'
          ? null
          : sim.turns.map((t) => ({
              user: t.user,
              bot: turnText(t),
              dialog: t.dialog,
              interaction: t.interaction,
              outcome: t.outcome,
            })),
    },
    sim,
  };
}

const share = (reached: number, total: number) =>
  total === 0 ? 1 : Math.round((reached / total) * 1000) / 1000;

/** A test the run never got to (or could not finish): inconclusive with `reason`, never passed. */
export const unfinished = (name: string, reason: string): TestResult => ({
  name,
  status: 'inconclusive',
  failures: [],
  inconclusive: { construct: 'time-budget', reason, step: null },
  transcript: null,
});

/** The run's verdict and coverage from its tests' results (in suite order). */
function summarize(
  content: BotContent,
  tests: TestResult[],
  sims: readonly SimulationResult[],
): SuiteRun {
  const count = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  const counts = {
    passed: count('passed'),
    failed: count('failed'),
    inconclusive: count('inconclusive'),
    total: tests.length,
  };
  const coverage = simulationCoverage(content, sims);
  return {
    status:
      tests.length === 0
        ? 'empty'
        : counts.failed > 0
          ? 'failed'
          : counts.inconclusive > 0
            ? 'inconclusive'
            : 'passed',
    counts,
    tests,
    coverage: {
      ...coverage,
      dialogShare: share(coverage.dialogs.reached.length, coverage.dialogs.total),
      interactionShare: share(coverage.interactions.reached.length, coverage.interactions.total),
    },
  };
}

/** What `test-worker.ts` is asked to do (its workerData). */
export type WorkerJob =
  | {
      kind: 'suite';
      content: BotContent;
      suite: Suite;
      env: Readonly<Record<string, string>>;
      testBudgetMs: number;
      runBudgetMs: number;
    }
  | {
      kind: 'chat';
      content: BotContent;
      messages: readonly string[];
      env: Readonly<Record<string, string>>;
      testBudgetMs: number;
      runBudgetMs: number;
    };

/** What `test-worker.ts` posts back: a test began, a test's result, the chat's result, the end. */
export type WorkerMessage =
  | { type: 'start'; index: number }
  | { type: 'test'; index: number; result: TestResult; sim: SimulationResult | null }
  | { type: 'chat'; sim: SimulationResult }
  | { type: 'end' };

/** The workers running, and how to stop each with a reason. */
const live = new Map<Worker, (reason: string) => void>();
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `f` when one of the RUN_WORKERS_MAX places is free. */
async function inTurn<T>(f: () => Promise<T>): Promise<T> {
  while (running >= RUN_WORKERS_MAX) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await f();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** A built test-worker.js to run from the sources instead of the .ts entry (`useBuiltWorker`). */
let builtWorker: URL | null = null;

/**
 * Runs conversation tests in `worker`, a built test-worker.js, even while this module runs from
 * its sources: the test suites do (after checking the build is fresh), because loading the worker
 * through tsx costs about a CPU-second per run. null goes back to the default.
 */
export function useBuiltWorker(worker: URL | null): void {
  builtWorker = worker;
}

/**
 * A worker on `test-worker`: the built one given to `useBuiltWorker`, if any; dist/test-worker.js
 * when this module was built (tsdown's entry);
 * from the sources (vitest, or the server run through tsx) the .ts entry, which a worker cannot
 * load by itself (`--import tsx` in a worker's execArgv does not reach its entry module), so a
 * small bootstrap registers tsx's loader in the worker first.
 */
function spawnWorker(job: WorkerJob): Worker {
  const options = { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 256 } };
  // No inherited `--conditions=@ferry/source`: the built worker imports the built packages.
  if (builtWorker) return new Worker(builtWorker, { ...options, execArgv: [] });
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./test-worker.js', import.meta.url), options);
  // tsx's ESM API (its CommonJS build does not load from a worker's eval), by its package's exports.
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  const tsx = new URL(exports['./esm/api'].import.default, pathToFileURL(manifest)).href;
  const entry = new URL('./test-worker.ts', import.meta.url).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`,
    { ...options, eval: true, execArgv: ['--conditions=@ferry/source'] },
  );
}

/**
 * Runs `job` in a worker; `onMessage` sees each message. Resolves with null when the worker
 * finished, or with the reason it was terminated: a test (`started()` says which, and since when)
 * still running STOP_GRACE_MS past its budget, or the run past its own.
 */
function inWorker(job: WorkerJob, onMessage: (m: WorkerMessage) => void): Promise<string | null> {
  return inTurn(
    () =>
      new Promise<string | null>((resolve, reject) => {
        const worker = spawnWorker(job);
        let outcome: string | null | undefined;
        let testTimer: NodeJS.Timeout | undefined;
        const stop = (reason: string) => {
          outcome ??= reason;
          void worker.terminate();
        };
        live.set(worker, stop);
        const runBudget = job.runBudgetMs;
        const runTimer = setTimeout(
          () =>
            stop(
              `Stopped after ${runBudget / 1000} s: the run's time budget was spent while this test was still running.`,
            ),
          runBudget + STOP_GRACE_MS,
        );
        worker.on('message', (m: WorkerMessage) => {
          clearTimeout(testTimer);
          if (m.type === 'start')
            testTimer = setTimeout(
              () =>
                stop(
                  `Stopped after ${job.testBudgetMs / 1000} s: the test was still running past its time budget (bot code or a bot regex that does not finish), so its run was terminated.`,
                ),
              job.testBudgetMs + STOP_GRACE_MS,
            );
          if (m.type === 'end') outcome ??= null;
          onMessage(m);
        });
        worker.on('error', (e) => {
          outcome ??= null;
          reject(e);
        });
        worker.on('exit', () => {
          clearTimeout(runTimer);
          clearTimeout(testTimer);
          live.delete(worker);
          if (outcome === undefined)
            reject(new Error('the test run worker exited before it finished'));
          else resolve(outcome);
        });
      }),
  );
}

export interface SuiteOptions {
  /** The environment's values; a test's `env` overrides them. */
  env: Readonly<Record<string, string>>;
  testBudgetMs?: number;
  runBudgetMs?: number;
}

/**
 * Runs every test of `suite` on `content`, one after the other, within the budgets, in a worker
 * (the run's budget starts when it gets its turn). A run stopped part-way reports the tests it had
 * not finished as inconclusive, with the reason.
 */
export async function runSuite(
  content: BotContent,
  suite: Suite,
  opts: SuiteOptions,
): Promise<SuiteRun> {
  const results: (TestResult | undefined)[] = [];
  const sims: SimulationResult[] = [];
  let current: number | null = null;
  const stopped = await inWorker(
    {
      kind: 'suite',
      content,
      suite,
      env: opts.env,
      testBudgetMs: opts.testBudgetMs ?? TEST_BUDGET_MS,
      runBudgetMs: opts.runBudgetMs ?? RUN_BUDGET_MS,
    },
    (m) => {
      if (m.type === 'start') current = m.index;
      if (m.type === 'test') {
        current = null;
        results[m.index] = m.result;
        if (m.sim) sims.push(m.sim);
      }
    },
  );
  const tests = suite.tests.map(
    (t, i) =>
      results[i] ??
      unfinished(
        t.name,
        stopped === null
          ? 'Not run: the run ended before this test.'
          : i === current
            ? stopped
            : `Not run: the run was stopped (${stopped})`,
      ),
  );
  return summarize(content, tests, sims);
}

/** One conversation from fresh state, in a worker within a test's budget (`tests.chat`). */
export async function runChat(
  content: BotContent,
  messages: readonly string[],
  opts: { env: Readonly<Record<string, string>>; testBudgetMs?: number },
): Promise<SimulationResult> {
  let sim: SimulationResult | null = null;
  const stopped = await inWorker(
    {
      kind: 'chat',
      content,
      messages,
      env: opts.env,
      testBudgetMs: opts.testBudgetMs ?? TEST_BUDGET_MS,
      // The worker's start (compiling QuickJS) counts here; the conversation itself, from its
      // 'start', gets the test's budget.
      runBudgetMs: RUN_BUDGET_MS,
    },
    (m) => {
      if (m.type === 'chat') sim = m.sim;
    },
  );
  return (
    sim ?? {
      outcome: 'inconclusive',
      turns: [],
      variables: {},
      inconclusive: {
        construct: 'time-budget',
        reason: stopped ?? 'The conversation did not finish.',
        turn: 0,
      },
      notRun: [...messages],
    }
  );
}

/** Terminates every test run still in a worker (server shutdown); their callers see them stopped. */
export async function closeTestRuns(): Promise<void> {
  const workers = [...live];
  for (const [, stop] of workers) stop('Stopped: the server is shutting down.');
  await Promise.all(workers.map(([w]) => w.terminate()));
}

/** Tests whose status differs between two runs of one suite (by name): the preview's "changes". */
export function outcomeChanges(
  before: SuiteRun,
  after: SuiteRun,
): { name: string; before: TestStatus; after: TestStatus }[] {
  const was = new Map(before.tests.map((t) => [t.name, t.status]));
  return after.tests.flatMap((t) => {
    const b = was.get(t.name);
    return b !== undefined && b !== t.status ? [{ name: t.name, before: b, after: t.status }] : [];
  });
}
