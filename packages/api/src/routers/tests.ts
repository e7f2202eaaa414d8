// Conversation tests (issue 15): an automation's stored suite (set, show), running a suite on an
// automation's working copy or one of its versions with an environment's values, and the release
// gate (`releaseGate`): a release's frozen suite on the release content with the target's
// environment, and which tests change outcome against the target's current content. `chat` talks to
// any version (replaying the conversation from fresh state), `append` saves one as a test.
import { resolveVersionRef, type Release } from '@ferry/core';
import type { Db } from '@ferry/db';
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import { ContentStore } from '../content.js';
import { fail, unwrap } from '../errors.js';
import {
  findAutomation,
  lockAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { environmentIdByName } from '../repositories/environment-repository.js';
import {
  releaseSuiteOf,
  runValues,
  storeSuite,
  suiteOf,
} from '../repositories/test-suite-repository.js';
import { listVersions, toVersion } from '../repositories/version-repository.js';
import { outcomeChanges, runChat, runSuite, type SuiteRun } from '../test-run.js';
import {
  STEPS_MAX,
  SUITE_TEXT_MAX,
  USER_MESSAGE_MAX,
  appendTest,
  parseSuite,
  recordedTest,
  suiteTextOf,
  turnText,
  type Suite,
} from '../test-suite.js';
import { procedure, router } from '../trpc.js';
import { automationRef, refInput, textInput } from './inputs.js';

/**
 * A suite file's text as sent (parsed and validated by parseSuite); like every text input it
 * refuses U+0000 and lone surrogates, which a stored text cannot hold.
 */
const suiteText = textInput().max(SUITE_TEXT_MAX, `must be at most ${SUITE_TEXT_MAX} characters`);

async function runOn(
  db: Db,
  root: string,
  suite: Suite,
  environmentId: string | null,
  testBudgetMs: number | undefined,
): Promise<SuiteRun> {
  const content = await new ContentStore(db).read(root);
  return runSuite(content, suite, { env: await runValues(db, environmentId), testBudgetMs });
}

/** What a release's frozen suite says about upgrading `target` to it. */
export interface ReleaseGate {
  /** The release carries no suite (or an empty one): nothing to run, nothing blocks. */
  suite: boolean;
  run: SuiteRun | null;
  /** Tests whose outcome differs between the target's current content and the release. */
  changes: ReturnType<typeof outcomeChanges>;
  /** Tests that failed or were inconclusive on the release content: these block the upgrade. */
  blocking: { name: string; status: string }[];
}

export async function releaseGate(
  db: Db,
  release: Release,
  target: AutomationRow,
  compare: boolean,
  testBudgetMs?: number,
): Promise<ReleaseGate> {
  const frozen = await releaseSuiteOf(db, release.id);
  if (frozen === null || frozen.suite.tests.length === 0)
    return { suite: false, run: null, changes: [], blocking: [] };
  const run = await runOn(db, release.root, frozen.suite, target.environmentId, testBudgetMs);
  const before = compare
    ? await runOn(db, target.root, frozen.suite, target.environmentId, testBudgetMs)
    : null;
  return {
    suite: true,
    run,
    changes: before ? outcomeChanges(before, run) : [],
    blocking: run.tests
      .filter((t) => t.status !== 'passed')
      .map((t) => ({ name: t.name, status: t.status })),
  };
}

const versionInput = refInput('must name a version by its number (N or #N), id or name').optional();
const envInput = refInput('must name an environment by its id or name').optional();
const testName = textInput()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');
const chatInput = z.object({
  automation: automationRef,
  version: versionInput,
  env: envInput,
  messages: z
    .array(textInput().max(USER_MESSAGE_MAX, `must be at most ${USER_MESSAGE_MAX} characters`))
    .min(1, 'must list at least one message')
    .max(STEPS_MAX, `must list at most ${STEPS_MAX} messages`),
});

/** The content a run or chat uses (working copy or a version) and the environment whose values it gets. */
async function chosenContent(
  db: Db,
  row: AutomationRow,
  input: { version?: string | undefined; env?: string | undefined },
) {
  let root = row.root;
  let version: { number: number; name: string } | null = null;
  if (input.version !== undefined) {
    const found = resolveVersionRef((await listVersions(db, row.id)).map(toVersion), input.version);
    if (!found.ok) fail('NOT_FOUND', `"${row.name}" has no version "${input.version}".`, 'version');
    const v = unwrap(found);
    root = v.root;
    version = { number: v.number, name: v.name };
  }
  let environmentId = row.environmentId;
  if (input.env !== undefined) {
    environmentId = await environmentIdByName(db, input.env);
    if (environmentId === null) fail('NOT_FOUND', `There is no environment "${input.env}".`, 'env');
  }
  return { root, version, environmentId };
}

async function chatOn(
  db: Db,
  row: AutomationRow,
  input: z.infer<typeof chatInput>,
  testBudgetMs: number | undefined,
) {
  const { root, version, environmentId } = await chosenContent(db, row, input);
  const sim = await runChat(await new ContentStore(db).read(root), input.messages, {
    env: await runValues(db, environmentId),
    testBudgetMs,
  });
  return { sim, version };
}

export const testsRouter = router({
  /** Store an automation's suite (YAML or JSON text), replacing the one it had. */
  set: procedure('edit')
    .input(z.object({ automation: automationRef, text: suiteText }))
    .mutation(({ ctx, input }) => {
      const suite = parseSuite(input.text);
      return ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        const before = await suiteOf(tx, row.id);
        await storeSuite(tx, row.id, { text: input.text, suite, by: ctx.caller.name });
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'tests.set', row.id, {
            details: {
              tests: suite.tests.length,
              previousTests: before?.suite.tests.length ?? null,
            },
          }),
        );
        return {
          automation: { id: row.id, name: row.name },
          tests: suite.tests.map((t) => ({ name: t.name, steps: t.steps.length })),
        };
      });
    }),

  /** An automation's stored suite: its text and parsed tests (null when it has none). */
  show: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const stored = await suiteOf(ctx.db, row.id);
      return {
        automation: { id: row.id, name: row.name },
        suite: stored,
      };
    }),

  /**
   * Run a suite (the stored one, or `text`) on the working copy or a version, with an environment's
   * values (`env` by name; default: the automation's linked environment).
   */
  run: procedure('read')
    .input(
      z.object({
        automation: automationRef,
        version: versionInput,
        text: suiteText.optional(),
        env: envInput,
      }),
    )
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const suite =
        input.text !== undefined
          ? parseSuite(input.text)
          : ((await suiteOf(ctx.db, row.id))?.suite ??
            fail(
              'NOT_FOUND',
              `"${row.name}" has no test suite: store one with "ferry test set" or pass a file.`,
              'automation',
            ));
      const { root, version, environmentId } = await chosenContent(ctx.db, row, input);
      return {
        automation: { id: row.id, name: row.name },
        version,
        ...(await runOn(ctx.db, root, suite, environmentId, ctx.services.testBudgetMs)),
      };
    }),

  /**
   * Talk to the working copy or a version: the whole conversation so far (`messages`), replayed
   * from fresh state (the server keeps no chat state). Answers every turn, and the conversation
   * written as a test suite (`recorded`: what `ferry chat --record` saves).
   */
  chat: procedure('read')
    .input(chatInput.extend({ name: testName.optional() }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const { sim, version } = await chatOn(ctx.db, row, input, ctx.services.testBudgetMs);
      return {
        automation: { id: row.id, name: row.name },
        version,
        outcome: sim.outcome,
        inconclusive: sim.inconclusive ?? null,
        turns: sim.turns.map((t) => ({
          user: t.user,
          bot: turnText(t),
          messages: t.messages,
          dialog: t.dialog,
          interaction: t.interaction,
          outcome: t.outcome,
        })),
        recorded: suiteTextOf(recordedTest(input.name ?? 'recorded conversation', sim.turns)),
      };
    }),

  /** "Save as test": the conversation, with what the bot said, appended to the stored suite. */
  append: procedure('edit')
    .input(chatInput.extend({ name: testName }))
    .mutation(async ({ ctx, input }) => {
      const found = await findAutomation(ctx.db, input.automation);
      const { sim } = await chatOn(ctx.db, found, input, ctx.services.testBudgetMs);
      const test = recordedTest(input.name, sim.turns);
      return ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        const before = await suiteOf(tx, row.id);
        const text = appendTest(before?.text ?? null, test);
        const suite = parseSuite(text);
        await storeSuite(tx, row.id, { text, suite, by: ctx.caller.name });
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'tests.append', row.id, {
            details: { test: test.name, steps: test.steps.length, tests: suite.tests.length },
          }),
        );
        return {
          automation: { id: row.id, name: row.name },
          test: { name: test.name, steps: test.steps.length },
          tests: suite.tests.length,
        };
      });
    }),
});
