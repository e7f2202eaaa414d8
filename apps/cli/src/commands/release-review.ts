// `ferry release approve | comment | notes` (issue 14): approve a pending release (the policy's
// required approvals), comment on a release, and print a release's notes; plus how `release show`
// and `release history` print approvals and comments. Registered under `ferry release`.
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, leaf, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import type { Output } from '../lib/output.js';
import { plural, quoted, when } from '../lib/format.js';

const FORMATS = ['markdown', 'json'] as const;

/** One line of a user's text: control characters (tabs, newlines, escapes) shown as spaces. */
const oneLine = (s: string) =>
  [...s].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('');

interface Reviews {
  required: number;
  approvals: { by: string; at: string; comment: string }[];
  comments: { by: string; at: string; text: string }[];
}

/** `release show`'s approvals and comments, after its header. */
export function printReviews(out: Output, r: Reviews): void {
  out.line(
    `Approvals: ${r.approvals.length} of ${r.required} required${r.approvals.length === 0 ? '.' : ':'}`,
  );
  for (const a of r.approvals)
    out.line(`  ${a.by} ${when(a.at)}${a.comment ? `: ${oneLine(a.comment)}` : ''}`);
  if (r.comments.length > 0) {
    out.line(`Comments (${r.comments.length}):`);
    for (const c of r.comments) out.line(`  ${c.by} ${when(c.at)}: ${oneLine(c.text)}`);
  }
}

/** `release history`'s releases received, each with its rejection reason, approvals and comments. */
export function printReceived(
  out: Output,
  releases: readonly {
    version: string;
    status: string;
    role: 'source' | 'target';
    rejectReason: string | null;
    decidedBy: string | null;
    approvals: Reviews['approvals'];
    comments: Reviews['comments'];
  }[],
): void {
  const received = releases.filter(
    (r) =>
      r.role === 'target' && (r.rejectReason || r.approvals.length > 0 || r.comments.length > 0),
  );
  if (received.length === 0) return;
  out.line();
  for (const r of received) {
    out.line(`${out.color.bold(`Release ${r.version}`)} ${r.status}`);
    if (r.status === 'rejected')
      out.line(
        `  Rejection reason${r.decidedBy ? ` (${r.decidedBy})` : ''}: ${r.rejectReason ? oneLine(r.rejectReason) : 'none given'}`,
      );
    if (r.approvals.length > 0)
      out.line(`  Approved by ${r.approvals.map((a) => a.by).join(', ')}`);
    for (const c of r.comments) out.line(`  Comment by ${c.by} ${when(c.at)}: ${oneLine(c.text)}`);
  }
}

export function registerReleaseReview(cmd: CommandUnknownOpts, rt: Runtime): void {
  leaf(
    cmd,
    'approve <target>',
    "approve a pending release (the pending one unless --release): acceptors other than its creator, once each; the policy's --required-approvals must be reached before an upgrade",
    [
      'ferry release approve "Support (Prod)" --comment "Checked in staging"',
      'ferry release approve "Support (Prod)" --release 1.2.0',
    ],
  )
    .option('--release <release>', 'the release (id or version number) instead of the pending one')
    .option('--comment <text>', 'a comment kept with the approval')
    .action(async (target, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().releases.approve.mutate({
        target,
        ...(opts.release !== undefined && { release: opts.release }),
        ...(opts.comment !== undefined && { comment: opts.comment }),
      });
      out.result(done, () => {
        out.line(
          `Approved release ${done.release.version} for ${quoted(done.release.targetName ?? target)}: ${done.approvals.length} of ${plural(done.required, 'required approval')} (${done.approvals.map((a) => a.by).join(', ')}).`,
        );
        if (done.shortfall !== null) out.message(done.shortfall);
      });
    });

  leaf(
    cmd,
    'comment <target> <text>',
    'comment on a release addressed to the target (the pending one unless --release)',
    [
      'ferry release comment "Support (Prod)" "Greeting checked with the brand team"',
      'ferry release comment "Support (Prod)" --release 1.1.0 "Rejected: wrong skill"',
    ],
  )
    .option('--release <release>', 'the release (id or version number) instead of the pending one')
    .action(async (target, text, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().releases.comment.mutate({
        target,
        text,
        ...(opts.release !== undefined && { release: opts.release }),
      });
      out.result(done, () =>
        out.line(
          `Commented on release ${done.release.version} for ${quoted(done.release.targetName ?? target)}.`,
        ),
      );
    });

  leaf(
    cmd,
    'notes <release>',
    "a release's notes: its changes against what the target ran before, grouped by dialog, with the description on top (a release by id, or by version with --target)",
    [
      'ferry release notes 1.2.0 --target "Support (Prod)" > NOTES.md',
      'ferry release notes 0193a8e2-… --format json | jq .dialogs',
    ],
  )
    .option(
      '--target <automation>',
      'the target the release is addressed to (with a version number)',
    )
    .addOption(new Option('--format <format>', 'markdown (default) or json').choices(FORMATS))
    .action(async (release, opts, command) => {
      const { out, client, flags } = contextOf(rt, command);
      if (opts.format === 'markdown' && flags.json)
        throw new CliError('usage', '--json prints JSON: leave out --format markdown.');
      const done = await client().releases.notes.query({
        release,
        ...(opts.target !== undefined && { target: opts.target }),
      });
      if (flags.json) out.result(done.notes, () => undefined);
      else if (opts.format === 'json') out.line(JSON.stringify(done.notes, null, 2));
      else out.line(done.markdown.trimEnd());
    });
}
