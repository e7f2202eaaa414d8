// Conversation test suites (issue 15): the file format (YAML or JSON, read with `yaml` v2), its zod
// schema with the path of each mistake (`tests[0].steps[1].expect[0]: …`), and how one turn's
// expectations are judged against what the simulator says the bot did. The one home of the suite
// format: the CLI and the web UI send the file's text and the server parses it here.
import { messageText, type JsonValue, type SimTurn } from '@ferry/core';
import { isSeq, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { fail } from './errors.js';
import { unstorable } from './routers/inputs.js';

/** The largest suite file accepted, in characters. */
export const SUITE_TEXT_MAX = 1_000_000;
/** A user message in a test: below the simulator's regex input cap (core's REGEX_INPUT_MAX). */
export const USER_MESSAGE_MAX = 1_000;
export const TESTS_MAX = 200;
export const STEPS_MAX = 50;

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .superRefine((s, ctx) => {
      const problem = unstorable(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const OUTCOMES = ['continue', 'escalated', 'closed'] as const;

/**
 * One expectation about a turn. Exactly one of `contains`, `notContains`, `dialog`, `interaction`,
 * `variable` (with `equals`, or just set) and `outcome`.
 */
const expectation = z
  .strictObject({
    /** The bot's text in the turn contains this (case-insensitively). */
    contains: text(2_000).min(1, 'must not be empty').optional(),
    notContains: text(2_000).min(1, 'must not be empty').optional(),
    /** The dialog the turn ended in, by name (case-insensitively). */
    dialog: text(500).optional(),
    /** The interaction the turn ended in, by name (case-insensitively). */
    interaction: text(500).optional(),
    /** A bot variable after the turn: set, or equal to `equals`. */
    variable: text(500).min(1, 'must not be empty').optional(),
    equals: text(10_000).optional(),
    /** How the turn ended: the conversation goes on, was escalated, or was closed. */
    outcome: z.enum(OUTCOMES).optional(),
  })
  .superRefine((e, ctx) => {
    const kinds = (
      ['contains', 'notContains', 'dialog', 'interaction', 'variable', 'outcome'] as const
    ).filter((k) => e[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'needs one of contains, notContains, dialog, interaction, variable, outcome'
            : `has ${kinds.join(' and ')}: one expectation checks one thing (write two)`,
      });
    if (e.equals !== undefined && e.variable === undefined)
      ctx.addIssue({ code: 'custom', message: '"equals" goes with "variable"', path: ['equals'] });
  });

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.string(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

const step = z.strictObject({
  user: text(USER_MESSAGE_MAX),
  expect: z.array(expectation).max(50, 'at most 50 expectations a step').default([]),
});

const test = z.strictObject({
  name: text(200).trim().min(1, 'must not be empty'),
  description: text(2_000).optional(),
  /** Environment values for this test, over the environment's. */
  env: z.record(text(200), text(10_000)).default({}),
  /** API integrations' answers, by integration name. */
  integrations: z
    .record(
      text(200),
      z.strictObject({
        status: z.number().int().min(100).max(599).default(200),
        body: jsonValue.optional(),
      }),
    )
    .default({}),
  steps: z
    .array(step)
    .min(1, 'a test needs at least one step')
    .max(STEPS_MAX, `at most ${STEPS_MAX} steps a test`),
});

export const suiteSchema = z
  .strictObject({
    tests: z.array(test).max(TESTS_MAX, `at most ${TESTS_MAX} tests a suite`),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.tests.forEach((t, i) => {
      const key = t.name.toLowerCase();
      if (seen.has(key))
        ctx.addIssue({
          code: 'custom',
          message: `"${t.name}" is the name of an earlier test (names are unique)`,
          path: ['tests', i, 'name'],
        });
      seen.add(key);
    });
  });

export type Suite = z.infer<typeof suiteSchema>;
export type SuiteTest = Suite['tests'][number];
export type Expectation = SuiteTest['steps'][number]['expect'][number];

/** `tests[0].steps[1].expect[0]`: where a mistake is, as a reader of the file names it. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path)
    out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/**
 * A suite file's text (YAML, or JSON, which YAML reads too), validated; any mistake is VALIDATION
 * naming where it is (`path`) — the first one in the message, all of them in `details.problems`.
 */
export function parseSuite(source: string): Suite {
  if (source.length > SUITE_TEXT_MAX)
    fail('VALIDATION', `The suite is longer than ${SUITE_TEXT_MAX} characters.`, 'file');
  const doc = parseDocument(source, { prettyErrors: false });
  const broken = doc.errors[0];
  if (broken) {
    const at = broken.linePos?.[0];
    fail(
      'VALIDATION',
      `The suite is not valid YAML or JSON${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${broken.message.split('\n')[0]}`,
      at ? `line ${at.line}` : 'file',
    );
  }
  const parsed = suiteSchema.safeParse(doc.toJS({ maxAliasCount: 100 }) ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => ({
    path: pathText(i.path) || '(top)',
    message: i.message,
  }));
  const first = problems[0] ?? { path: '(top)', message: 'is not a test suite' };
  return fail('VALIDATION', `${first.path}: ${first.message}`, first.path, { problems });
}

/** What the bot sent in a turn, as one text (what `contains` reads). */
export const turnText = (turn: SimTurn): string => turn.messages.map(messageText).join('\n');

const same = (a: string | null, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

/** Why `e` does not hold for the turn (with the bot variables after it), or null when it does. */
export function judge(
  e: Expectation,
  turn: SimTurn,
  variables: Readonly<Record<string, string>>,
): string | null {
  const said = turnText(turn);
  const quote = (s: string) => JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…` : s);
  if (e.contains !== undefined)
    return said.toLowerCase().includes(e.contains.toLowerCase())
      ? null
      : `expected the bot to say ${quote(e.contains)}; it said ${quote(said)}`;
  if (e.notContains !== undefined)
    return said.toLowerCase().includes(e.notContains.toLowerCase())
      ? `expected the bot not to say ${quote(e.notContains)}; it said ${quote(said)}`
      : null;
  if (e.dialog !== undefined)
    return same(turn.dialog, e.dialog)
      ? null
      : `expected dialog ${quote(e.dialog)}; the turn ended in ${turn.dialog === null ? 'no dialog' : quote(turn.dialog)}`;
  if (e.interaction !== undefined)
    return same(turn.interaction, e.interaction)
      ? null
      : `expected interaction ${quote(e.interaction)}; the turn ended in ${turn.interaction === null ? 'no interaction' : quote(turn.interaction)}`;
  if (e.variable !== undefined) {
    const value = variables[e.variable];
    if (e.equals === undefined)
      return value !== undefined ? null : `expected variable ${e.variable} to be set; it is not`;
    return value === e.equals
      ? null
      : `expected variable ${e.variable} = ${quote(e.equals)}; it is ${value === undefined ? 'not set' : quote(value)}`;
  }
  if (e.outcome !== undefined)
    return turn.outcome === e.outcome
      ? null
      : `expected the turn to end as ${e.outcome}; it ended as ${turn.outcome}`;
  return 'an empty expectation';
}

/** The expectations a recorded turn makes: the first line the bot said, and the dialog it ended in. */
function recordedExpectations(turn: SimTurn): Expectation[] {
  const first = turnText(turn)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return [
    ...(first !== undefined ? [{ contains: first.slice(0, 2_000) }] : []),
    ...(turn.dialog !== null ? [{ dialog: turn.dialog }] : []),
    ...(turn.outcome !== 'continue' && turn.outcome !== 'inconclusive'
      ? [{ outcome: turn.outcome }]
      : []),
  ];
}

/** A conversation as a test: each turn's message, expecting what the bot said and where it went. */
export function recordedTest(name: string, turns: readonly SimTurn[]): SuiteTest {
  return {
    name,
    env: {},
    integrations: {},
    steps: turns.map((t) => ({ user: t.user, expect: recordedExpectations(t) })),
  };
}

/** A test as it is written in a file (defaults left out). */
const written = (test: SuiteTest) => ({
  name: test.name,
  ...(Object.keys(test.env).length > 0 && { env: test.env }),
  ...(Object.keys(test.integrations).length > 0 && { integrations: test.integrations }),
  steps: test.steps,
});

/** A suite file of one test (what `ferry chat --record` writes). */
export const suiteTextOf = (test: SuiteTest): string => stringify({ tests: [written(test)] });

/** The file as JSON, when it is JSON (YAML's flow style looks alike but is not). */
function asJson(source: string): { tests?: unknown[] } | null {
  if (!/^\s*\{/.test(source)) return null;
  try {
    return JSON.parse(source) as { tests?: unknown[] };
  } catch {
    return null;
  }
}

/**
 * `source` (a stored suite's text) with `test` appended, keeping the file's comments and form: a
 * JSON file stays JSON, a YAML file gets a YAML item. The result is parsed again by the caller.
 */
export function appendTest(source: string | null, test: SuiteTest): string {
  if (source === null || source.trim() === '') return suiteTextOf(test);
  const json = asJson(source);
  if (json !== null)
    return `${JSON.stringify({ ...json, tests: [...(json.tests ?? []), written(test)] }, null, 2)}\n`;
  const doc = parseDocument(source);
  const tests = doc.get('tests');
  if (isSeq(tests)) tests.add(doc.createNode(written(test)));
  else doc.set('tests', doc.createNode([written(test)]));
  return doc.toString();
}
