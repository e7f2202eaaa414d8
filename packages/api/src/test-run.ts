// Runs a conversation test suite on bot content (issue 15): each test from fresh state through
// @ferry/core's simulator, bot code in @ferry/sandbox's QuickJS (never in this process's engine),
// environment values under the test's own, integrations from the test's fixtures. Passed, failed or
// inconclusive per test, a transcript for each test that did not pass, and coverage by name.
//
// Protecting the server: a run is synchronous CPU work in the server process, so it is bounded:
// - each code block by the sandbox's own limits (1 s, 32 MiB);
// - each test by TEST_BUDGET_MS: once spent, further bot code is refused as a timeout (the test
//   turns inconclusive) and a test that ran over it counts as inconclusive;
// - each run by RUN_BUDGET_MS: tests not started within it are inconclusive, "not run";
// - bot regexes run in the host engine (they cannot be interrupted), so the text they are matched
//   against is capped (core's REGEX_INPUT_MAX; a test's user messages are capped below it), tests
//   yield to the event loop between them, and runs take turns (one at a time per process).
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

/** The process's sandbox: one WebAssembly module; each code block gets a fresh runtime in it. */
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
  runBudgetMs?: number;
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

function runOne(
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

/** The run in progress: runs take turns, so that they use at most one core between them. */
let previous: Promise<unknown> = Promise.resolve();

/**
 * Runs every test of `suite` on `content`, one after the other, within the budgets. Runs of the
 * whole process take turns (a run's budget starts when its turn comes).
 */
export function runSuite(content: BotContent, suite: Suite, opts: RunOptions): Promise<SuiteRun> {
  const run = previous.then(() => runNow(content, suite, opts));
  previous = run.catch(() => undefined);
  return run;
}

async function runNow(content: BotContent, suite: Suite, opts: RunOptions): Promise<SuiteRun> {
  const testBudget = opts.testBudgetMs ?? TEST_BUDGET_MS;
  const runBudget = opts.runBudgetMs ?? RUN_BUDGET_MS;
  const started = Date.now();
  const tests: TestResult[] = [];
  const sims: SimulationResult[] = [];
  for (const test of suite.tests) {
    if (Date.now() - started > runBudget) {
      tests.push({
        name: test.name,
        status: 'inconclusive',
        failures: [],
        inconclusive: {
          construct: 'time-budget',
          reason: `Not run: the run's time budget of ${runBudget / 1000} s was spent.`,
          step: null,
        },
        transcript: null,
      });
      continue;
    }
    const { result, sim } = runOne(content, test, opts, testBudget);
    tests.push(result);
    if (sim) sims.push(sim);
    // Let the server answer other requests between tests.
    await new Promise((resolve) => setImmediate(resolve));
  }
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
