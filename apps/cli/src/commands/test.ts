// `ferry test …`: an automation's conversation test suite (issue 15) — store it (`set`, YAML or
// JSON), show it, and run it on the working copy or a version with an environment's values. The
// server parses the file and runs the bot (bot code only in its QuickJS sandbox): the CLI sends the
// file's text and prints the results (a table, transcripts of what failed, coverage; JUnit XML for
// CI). Exit 0 when every test passes, 6 when any fails or is inconclusive, 2 for an invalid file.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, leaf, noun, type Runtime } from '../lib/command.js';
import { CliError, describeError } from '../lib/errors.js';
import type { Outputs } from '../lib/client.js';
import { readTextFile, writeTextFile } from '../lib/files.js';
import { plural, quoted, when } from '../lib/format.js';
import type { Output } from '../lib/output.js';

/** The largest suite file read (the server refuses more than 1,000,000 characters). */
const MAX_SUITE_BYTES = 4 * 1024 * 1024;

export type SuiteRun = Outputs['tests']['run'];
type RunShape = Pick<SuiteRun, 'status' | 'counts' | 'tests' | 'coverage'>;

/** A VALIDATION from parsing a suite names the file, and keeps the path of the mistake. */
async function fromFile<T>(file: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const f = describeError(e);
    if (f.kind === 'validation' && !['automation', 'version', 'env'].includes(f.path ?? ''))
      throw new CliError('validation', `${file}: ${f.message}`, {
        ...(f.path !== undefined && { path: f.path }),
        ...(f.details && { details: f.details }),
      });
    throw e;
  }
}

const xml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** JUnit XML for CI: a failed test is a <failure>, an inconclusive one an <error>. */
export function junitXml(suiteName: string, run: RunShape): string {
  const cases = run.tests.map((t) => {
    const open = `    <testcase classname="${xml(suiteName)}" name="${xml(t.name)}">`;
    const transcript = (t.transcript ?? [])
      .map((turn) => `user: ${turn.user}\nbot (${turn.dialog ?? '-'}): ${turn.bot}`)
      .join('\n');
    if (t.status === 'passed') return `${open}</testcase>`;
    if (t.status === 'failed')
      return `${open}\n      <failure message="${xml(t.failures.map((f) => `step ${f.step + 1}: ${f.message}`).join('; '))}">${xml(transcript)}</failure>\n    </testcase>`;
    return `${open}\n      <error type="inconclusive" message="${xml(t.inconclusive?.reason ?? 'inconclusive')}">${xml(transcript)}</error>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ferry" tests="${run.counts.total}" failures="${run.counts.failed}" errors="${run.counts.inconclusive}">`,
    `  <testsuite name="${xml(suiteName)}" tests="${run.counts.total}" failures="${run.counts.failed}" errors="${run.counts.inconclusive}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** The results as a table, each test that did not pass with its transcript, then coverage. */
export function printRun(out: Output, run: RunShape): void {
  out.table(
    run.tests,
    [
      {
        header: 'RESULT',
        value: (t) => t.status,
        style: (s, t) =>
          t.status === 'passed'
            ? out.color.green(s)
            : t.status === 'failed'
              ? out.color.red(s)
              : out.color.yellow(s),
      },
      { header: 'TEST', value: (t) => t.name },
      {
        header: 'WHY',
        value: (t) =>
          t.status === 'failed'
            ? `step ${(t.failures[0]?.step ?? 0) + 1}: ${t.failures[0]?.message ?? ''}`
            : t.status === 'inconclusive'
              ? `${t.inconclusive?.construct ?? ''}: ${t.inconclusive?.reason ?? ''}`
              : '',
      },
    ],
    'The suite has no tests.',
  );
  for (const t of run.tests) {
    if (t.status === 'passed') continue;
    out.line();
    out.line(out.color.bold(`${t.name} (${t.status})`));
    for (const f of t.failures)
      out.line(`  step ${f.step + 1}, expectation ${f.expectation + 1}: ${f.message}`);
    if (t.inconclusive)
      out.line(
        `  inconclusive${t.inconclusive.step !== null ? ` at step ${t.inconclusive.step + 1}` : ''}: ${t.inconclusive.reason}`,
      );
    for (const turn of t.transcript ?? []) {
      out.line(`  > ${turn.user}`);
      for (const line of (turn.bot || '(nothing)').split('\n')) out.line(`    ${line}`);
      out.line(
        out.color.dim(
          `    [${turn.dialog ?? 'no dialog'} / ${turn.interaction ?? '-'}; ${turn.outcome}]`,
        ),
      );
    }
  }
  const c = run.coverage;
  out.line();
  out.line(
    `Coverage: ${percent(c.dialogShare)} of dialogs (${c.dialogs.reached.length}/${c.dialogs.total}), ${percent(c.interactionShare)} of interactions (${c.interactions.reached.length}/${c.interactions.total}).`,
  );
  if (c.dialogs.reached.length > 0) out.line(`  reached: ${c.dialogs.reached.join(', ')}`);
  if (c.dialogs.missed.length > 0) out.line(`  not reached: ${c.dialogs.missed.join(', ')}`);
  out.line(
    `${plural(run.counts.passed, 'test')} passed, ${run.counts.failed} failed, ${run.counts.inconclusive} inconclusive.`,
  );
}

/** Exit 6 (after the results are printed) when any test failed or was inconclusive. */
export function failUnlessPassed(run: RunShape, what: string): void {
  if (run.counts.failed + run.counts.inconclusive === 0) return;
  const failing = run.tests
    .filter((t) => t.status !== 'passed')
    .map((t) => ({ name: t.name, status: t.status }));
  throw new CliError(
    'precondition',
    `${what}: ${failing.map((t) => `"${t.name}" ${t.status}`).join(', ')}.`,
    { path: 'tests', details: { reason: 'TESTS_FAILED', failing, counts: run.counts } },
  );
}

export function registerTest(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'test',
    "store, show and run an automation's conversation tests",
    "conversation tests: a suite (YAML or JSON) of conversations with what the bot must say, run by the server in its simulator; a release freezes its source's suite and its upgrade runs it",
    'ferry test run "Support (Dev)" --junit report.xml',
  );

  leaf(
    cmd,
    'set <automation> <file>',
    "store an automation's test suite (YAML or JSON; - reads stdin)",
    ['ferry test set "Support (Dev)" tests.yaml'],
  ).action(async (automation, file, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const { text } = await readTextFile(file, MAX_SUITE_BYTES, rt.io.stdin);
    const stored = await fromFile(file, () => client().tests.set.mutate({ automation, text }));
    out.result(stored, () =>
      out.line(
        `Stored ${plural(stored.tests.length, 'test')} for ${quoted(stored.automation.name)}: ${stored.tests.map((t) => t.name).join(', ')}.`,
      ),
    );
  });

  leaf(cmd, 'show <automation>', "print an automation's test suite as stored", [
    'ferry test show "Support (Dev)" > tests.yaml',
  ]).action(async (automation, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const shown = await client().tests.show.query({ automation });
    if (shown.suite === null)
      throw new CliError(
        'not-found',
        `"${shown.automation.name}" has no test suite: store one with "ferry test set".`,
        { path: 'automation' },
      );
    const suite = shown.suite;
    out.result(shown, () => {
      out.message(
        `${plural(suite.suite.tests.length, 'test')}, stored by ${suite.updatedBy ?? 'unknown'} ${when(suite.updatedAt)}.`,
      );
      out.line(suite.text.replace(/\n$/, ''));
    });
  });

  leaf(
    cmd,
    'run <automation>',
    'run the stored suite (or --file) on the working copy (or --version) with an environment; exit 6 when a test fails or is inconclusive',
    [
      'ferry test run "Support (Dev)"',
      'ferry test run "Support (Dev)" --version 7 --env Prod --junit report.xml',
      'ferry test run "Support (Dev)" --file tests.yaml --json',
    ],
  )
    .option(
      '--version <version>',
      'run on this version (N, #N, id or name) instead of the working copy',
    )
    .option('--file <file>', 'run this suite file instead of the stored one')
    .option('--env <name>', "use this environment's values (default: the automation's linked one)")
    .option('--junit <file>', 'also write the results as JUnit XML')
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const text =
        opts.file !== undefined
          ? (await readTextFile(opts.file, MAX_SUITE_BYTES, rt.io.stdin)).text
          : undefined;
      const input = {
        automation,
        ...(opts.version !== undefined && { version: opts.version }),
        ...(text !== undefined && { text }),
        ...(opts.env !== undefined && { env: opts.env }),
      };
      const progress = out.progress('Running the tests');
      let run: SuiteRun;
      try {
        run =
          opts.file !== undefined
            ? await fromFile(opts.file, () => client().tests.run.query(input))
            : await client().tests.run.query(input);
      } finally {
        progress.stop();
      }
      if (opts.junit !== undefined)
        await writeTextFile(opts.junit, junitXml(run.automation.name, run));
      out.result(run, () => printRun(out, run));
      failUnlessPassed(run, `Tests of ${quoted(run.automation.name)} did not pass`);
    });
}
