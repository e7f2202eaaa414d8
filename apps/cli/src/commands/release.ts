// `ferry release …`: create a release from a source to a target, preview it, and accept (upgrade),
// reject, roll back or promote it onward (DESIGN.md rules 3-9).
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { printChanges } from '../lib/changes.js';
import { printChecks } from '../lib/checks.js';
import { contextOf, ifRevisionOption, leaf, noun, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { plural, quoted, shortHash, when } from '../lib/format.js';
import { printReceived, printReviews, registerReleaseReview } from './release-review.js';
import { printSchedules, registerScheduleCommands, scheduleUpgrade } from './schedule.js';
import { printRun } from './test.js';

const ROLES = ['source', 'target', 'any'] as const;

/** A release's source or target as the CLI names it: a deleted one keeps its name, marked. */
const party = (name: string | null, id: string | null, deleted: boolean) =>
  `${name ?? id ?? 'unknown'}${deleted ? ' (deleted)' : ''}`;
const sourceOf = (r: {
  sourceName: string | null;
  sourceId: string | null;
  sourceDeleted: boolean;
}) => party(r.sourceName, r.sourceId, r.sourceDeleted);
const targetOf = (r: {
  targetName: string | null;
  targetId: string | null;
  targetDeleted: boolean;
}) => party(r.targetName, r.targetId, r.targetDeleted);

export function registerRelease(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'release',
    'create, preview, upgrade, reject, roll back and promote releases',
    'releases: frozen snapshots a source offers a target, which upgrades to accept them (a release is named by id, or by version number with its target)',
    'ferry release create "Support (Dev)" --to "Support (Prod)" --version 1.2.0 --description "New greeting"',
  );

  leaf(
    cmd,
    'create <source>',
    "offer the source's working copy (or one of its versions) to a target as a release",
    [
      'ferry release create "Support (Dev)" --to "Support (Prod)" --version 1.2.0 --description "New greeting"',
      'ferry release create "Support (Dev)" --to "Support (Prod)" --version 1.2.1 --from-version 7',
    ],
  )
    .requiredOption('--to <target>', 'the target automation')
    .requiredOption(
      '--version <number>',
      'the semantic version number, above the last one the target upgraded to',
    )
    .option('--description <text>', 'what the release brings')
    .option(
      '--from-version <version>',
      'release this version of the source instead of its working copy',
    )
    .option(
      '--force',
      "allow a number that is not above the target's last upgrade, or below the pending release it supersedes (a number already used for the target is always refused)",
    )
    .action(async (source, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const created = await client().releases.create.mutate({
        source,
        target: opts.to,
        version: opts.version,
        ...(opts.description !== undefined && { description: opts.description }),
        ...(opts.fromVersion !== undefined && { fromVersion: opts.fromVersion }),
        ...(opts.force && { force: true }),
      });
      out.result(created, () => {
        out.line(
          `Created release ${created.version} (${created.id}) from ${quoted(created.sourceName ?? created.sourceId)} to ${quoted(created.targetName ?? created.targetId)}: ${created.status}.`,
        );
        if (created.superseded)
          out.message(`It supersedes the pending release ${created.superseded.version}.`);
        out.message(`Preview it with: ferry release show ${created.id}`);
      });
    });

  leaf(
    cmd,
    'list [automation]',
    'list releases, newest first (of one automation, as source or target)',
    ['ferry release list', 'ferry release list "Support (Prod)" --pending'],
  )
    .option('--pending', 'only pending releases')
    .option('--scheduled', 'scheduled upgrades instead (waiting, done, blocked, cancelled)')
    .addOption(
      new Option(
        '--role <role>',
        'with an automation: releases it sent (source), received (target) or both',
      ).choices(ROLES),
    )
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      if (opts.scheduled) return printSchedules(rt, command, automation);
      if (opts.role !== undefined && automation === undefined)
        throw new CliError('usage', '--role goes with an automation.');
      const releases = await client().releases.list.query({
        ...(automation !== undefined && { automation }),
        ...(opts.pending && { pending: true }),
        ...(opts.role !== undefined && { role: opts.role }),
      });
      out.result(releases, () =>
        out.table(
          releases,
          [
            { header: 'ID', value: (r) => r.id, style: (s) => out.color.dim(s) },
            { header: 'VERSION', value: (r) => r.version, style: (s) => out.color.bold(s) },
            {
              header: 'STATUS',
              value: (r) => r.status,
              style: (s, r) => (r.status === 'pending' ? out.color.yellow(s) : s),
            },
            { header: 'SOURCE', value: (r) => sourceOf(r) },
            { header: 'TARGET', value: (r) => targetOf(r) },
            { header: 'BY', value: (r) => r.createdBy },
            { header: 'CREATED', value: (r) => when(r.createdAt) },
            { header: 'DESCRIPTION', value: (r) => r.description },
          ],
          opts.pending ? 'No pending releases.' : 'No releases yet.',
        ),
      );
    });

  leaf(
    cmd,
    'show [release]',
    "preview a release: what upgrading would change in the target, the release checks, and the target revision to upgrade with (a release by id, by version with --target, or the target's pending one)",
    [
      'ferry release show 0193a8e2-…',
      'ferry release show 1.2.0 --target "Support (Prod)"',
      'ferry release show --target "Support (Prod)" --json | jq .summary',
    ],
  )
    .option(
      '--target <automation>',
      'the target the release is addressed to (without a release: its pending one)',
    )
    .action(async (release, opts, command) => {
      const { out, client } = contextOf(rt, command);
      if (release === undefined && opts.target === undefined)
        throw new CliError('usage', 'Name a release (its id), or a target with --target.');
      const shown = await client().releases.show.query({
        ...(release !== undefined && { release }),
        ...(opts.target !== undefined && { target: opts.target }),
      });
      const { preview, ...rest } = shown;
      const result = { ...rest, summary: preview.summary, changes: preview.changes };
      out.result(result, () => {
        const r = shown.release;
        const t = shown.target;
        out.line(`${out.color.bold(`Release ${r.version}`)}  ${r.status}  ${out.color.dim(r.id)}`);
        out.line(
          `From ${quoted(sourceOf(r))} to ${quoted(targetOf(r))}, created by ${r.createdBy} ${when(r.createdAt)}; content ${shortHash(r.contentHash)}.`,
        );
        if (r.description) out.line(`  ${r.description}`);
        if (r.status === 'rejected')
          out.line(
            `Rejected by ${r.decidedBy ?? 'someone'}${r.decidedAt ? ` ${when(r.decidedAt)}` : ''}: ${r.rejectReason ?? 'no reason given'}.`,
          );
        printReviews(out, shown.reviews);
        out.line(
          `Target ${quoted(t.name)} is at revision ${t.revision}${t.environment ? `, environment ${quoted(t.environment.name)}` : ', no environment linked'}.`,
        );
        out.line();
        printChanges(out, preview.summary, preview.changes);
        out.line();
        printChecks(out, shown.checks);
        out.line();
        const tests = shown.tests;
        if (tests.run) {
          out.line(
            `Conversation tests (the release's frozen suite, with the target's environment):`,
          );
          printRun(out, tests.run);
          for (const c of tests.changes)
            out.line(`  changes outcome: "${c.name}" ${c.before} → ${c.after}`);
        } else out.line('Conversation tests: the release carries none.');
        out.line();
        if (shown.canUpgrade) {
          out.line(out.color.green('Can upgrade.'));
          out.line(
            `Accept it with: ferry release upgrade ${quoted(t.name)} --release ${r.id} --if-revision ${t.revision}`,
          );
        } else {
          out.line(out.color.red('Cannot upgrade:'));
          for (const b of shown.blockers) out.line(`  - ${b}`);
        }
      });
    });

  leaf(
    cmd,
    'check <target>',
    "a CI gate: print the release checks and conversation tests of the target's pending release (or --release) and exit 0 when the upgrade would be allowed, 6 when it would be blocked",
    [
      'ferry release check "Support (Prod)"',
      'ferry release check "Support (Prod)" --release 1.2.0 --json',
    ],
  )
    .option('--release <release>', 'the release (id or version number) instead of the pending one')
    .action(async (target, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const shown = await client().releases.show.query({
        target,
        ...(opts.release !== undefined && { release: opts.release }),
      });
      const r = shown.release;
      const result = {
        release: { id: r.id, version: r.version, status: r.status },
        target: shown.target,
        checks: shown.checks,
        /** The release's frozen conversation tests, run with the target's environment. */
        tests: shown.tests,
        canUpgrade: shown.canUpgrade,
        blockers: shown.blockers,
      };
      out.result(result, () => {
        out.line(
          `Release ${r.version} (${r.status}) for ${quoted(shown.target.name)} at revision ${shown.target.revision}${shown.target.environment ? `, environment ${quoted(shown.target.environment.name)}` : ', no environment linked'}.`,
        );
        printChecks(out, shown.checks);
        if (shown.tests.run) {
          out.line("Conversation tests (the release's frozen suite):");
          printRun(out, shown.tests.run);
        } else out.line('Conversation tests: the release carries none.');
        if (shown.canUpgrade) out.line(out.color.green('The upgrade would be allowed.'));
        else {
          out.line(out.color.red('The upgrade would be blocked:'));
          for (const b of shown.blockers) out.line(`  - ${b}`);
        }
      });
      if (!shown.canUpgrade)
        throw new CliError(
          'precondition',
          `The upgrade of ${quoted(shown.target.name)} to release ${r.version} would be blocked: ${shown.blockers.join(' ')}`,
          { details: { blockers: shown.blockers } },
        );
    });

  leaf(
    cmd,
    'upgrade <target>',
    'accept a release (the pending one unless --release): the target becomes the release content, after an automatic backup version',
    [
      'ferry release upgrade "Support (Prod)" --if-revision 12',
      'ferry release upgrade "Support (Prod)" --release 1.2.0 --force',
      'ferry release upgrade "Support (Prod)" --at 2026-12-01T02:00:00Z',
    ],
  )
    .option('--release <release>', 'the release (id or version number) instead of the pending one')
    .addOption(ifRevisionOption('the target (the revision its preview showed)'))
    .option(
      '--force',
      "upgrade although the target's environment misses variables the content uses, or (admins) although the release's conversation tests fail or are inconclusive (audited)",
    )
    .option(
      '--at <time>',
      'schedule it for this ISO date-time instead: the checks run again then, and a blocked upgrade is reported, never forced',
    )
    .action(async (target, opts, command) => {
      if (opts.at !== undefined)
        return scheduleUpgrade(rt, command, target, { ...opts, at: opts.at });
      const { out, client } = contextOf(rt, command);
      const done = await client().releases.upgrade.mutate({
        target,
        ...(opts.release !== undefined && { release: opts.release }),
        ...(opts.ifRevision !== undefined && { ifRevision: opts.ifRevision }),
        ...(opts.force && { force: true }),
      });
      out.result(done, () => {
        out.line(
          `Upgraded ${quoted(done.automation.name)} to release ${done.release.version}: revision ${done.automation.revision}. ` +
            `Backup: version #${done.backupVersion.number} ${quoted(done.backupVersion.name)}.`,
        );
        if (done.forced)
          out.warn('Upgraded by force: the environment misses variables the content uses.');
        if (done.forcedPastTests.length > 0)
          out.warn(
            `Upgraded by force past conversation tests that did not pass: ${done.forcedPastTests.map((t) => `"${t.name}" (${t.status})`).join(', ')}.`,
          );
        // The server counts warnings only when it ran the full checks (a forced upgrade).
        const warnings: number | null = done.warnings;
        if (warnings !== null && warnings > 0)
          out.message(
            `${plural(warnings, 'release check warning')}: see "ferry release show ${done.release.id}".`,
          );
      });
    });

  leaf(cmd, 'reject <target>', 'turn down a pending release (the pending one unless --release)', [
    'ferry release reject "Support (Prod)" --reason "Wrong greeting"',
  ])
    .option('--release <release>', 'the release (id or version number) instead of the pending one')
    .option('--reason <text>', 'why')
    .action(async (target, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const rejected = await client().releases.reject.mutate({
        target,
        ...(opts.release !== undefined && { release: opts.release }),
        ...(opts.reason !== undefined && { reason: opts.reason }),
      });
      out.result(rejected, () =>
        out.line(
          `Rejected release ${rejected.version} for ${quoted(rejected.targetName ?? target)}.`,
        ),
      );
    });

  leaf(
    cmd,
    'rollback <target>',
    'return the target to the backup taken before its last upgrade (edits since are saved as a version first; asks, --yes when not on a terminal)',
    ['ferry release rollback "Support (Prod)" --yes'],
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(ifRevisionOption('the target'))
    .action(async (target, opts, command) => {
      const { out, client, confirm } = contextOf(rt, command);
      await confirm(
        `Roll ${quoted(target)} back to the version it ran before its last upgrade?`,
        opts.yes,
        'A rollback',
      );
      const done = await client().releases.rollback.mutate({
        target,
        ...(opts.ifRevision !== undefined && { baseRevision: opts.ifRevision }),
      });
      out.result(done, () => {
        out.line(
          `Rolled ${quoted(done.automation.name)} back from release ${done.release.version} to version #${done.restoredVersion.number} ${quoted(done.restoredVersion.name)}: revision ${done.automation.revision}.`,
        );
        if (done.savedEditsVersion)
          out.message(
            `Edits made since the upgrade are saved as version #${done.savedEditsVersion.number} ${quoted(done.savedEditsVersion.name)}.`,
          );
        out.message(`It now runs ${done.runs.text}.`);
      });
    });

  leaf(
    cmd,
    'promote <automation>',
    'offer the release an automation accepted onward to the next automation (Dev → Staging → Prod), with the same content hash',
    [
      'ferry release promote "Support (Staging)" --to "Support (Prod)"',
      'ferry release promote "Support (Staging)" --to "Support (Prod)" --version 1.2.0-prod',
    ],
  )
    .requiredOption('--to <next>', 'the next automation')
    .option('--version <number>', 'the version number (default: that of the accepted release)')
    .option(
      '--description <text>',
      'what the release brings (default: that of the accepted release)',
    )
    .option('--force', "allow a number that is not above the next automation's last upgrade")
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const c = client();
      let version = opts.version;
      let description = opts.description;
      if (version === undefined || description === undefined) {
        const history = await c.releases.history.query({ automation });
        const active = history.upgrades.find((u) => u.active);
        if (!active)
          throw new CliError(
            'precondition',
            `${quoted(history.automation.name)} has not accepted a release that could be promoted.`,
            { path: 'from' },
          );
        version ??= active.release.version;
        description ??= active.release.description;
      }
      const created = await c.releases.promote.mutate({
        from: automation,
        to: opts.to,
        version,
        description,
        ...(opts.force && { force: true }),
      });
      out.result(created, () => {
        out.line(
          `Promoted release ${created.version} (${created.id}) from ${quoted(created.sourceName ?? automation)} to ${quoted(created.targetName ?? opts.to)}: ${created.status}, content ${shortHash(created.contentHash)}.`,
        );
        if (created.superseded)
          out.message(`It supersedes the pending release ${created.superseded.version}.`);
      });
    });

  leaf(
    cmd,
    'history <automation>',
    "an automation's upgrades (newest first) and the releases it sent or received",
    ['ferry release history "Support (Prod)"'],
  ).action(async (automation, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const h = await client().releases.history.query({ automation });
    out.result(h, () => {
      out.line(
        `${out.color.bold(h.automation.name)} runs ${h.runs.text}` +
          `${h.pendingRelease ? `; release ${h.pendingRelease.version} is pending` : ''}` +
          `${h.semverFloor ? `; new releases must be above ${h.semverFloor}` : ''}.`,
      );
      out.line();
      out.table(
        h.upgrades,
        [
          { header: 'RELEASE', value: (u) => u.release.version, style: (s) => out.color.bold(s) },
          {
            header: 'STATE',
            value: (u) => (u.active ? 'active' : u.rolledBack ? 'rolled back' : 'replaced'),
          },
          { header: 'FROM', value: (u) => sourceOf(u.release) },
          { header: 'BY', value: (u) => u.by },
          { header: 'AT', value: (u) => when(u.at) },
          {
            header: 'BACKUP',
            value: (u) => (u.backupVersion ? `#${u.backupVersion.number}` : null),
          },
          { header: 'CONTENT', value: (u) => shortHash(u.contentHash) },
        ],
        'No upgrades yet.',
      );
      printReceived(out, h.releases);
    });
  });

  registerReleaseReview(cmd, rt);
  registerScheduleCommands(cmd, rt);

  return cmd;
}
