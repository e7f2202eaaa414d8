// Scheduled upgrades in `ferry release …`: `upgrade TARGET --at TIME` schedules (the checks run
// again at that time; a blocked one is reported, never forced), `list --scheduled` shows them and
// `cancel-schedule TARGET` cancels the target's waiting one.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, leaf, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { quoted, when } from '../lib/format.js';

type Command = Parameters<typeof contextOf>[1];

/** `--at`: an ISO date-time; one without a zone is this machine's local time. */
export function instantOf(text: string): string {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text.trim()) || Number.isNaN(ms))
    throw new CliError(
      'usage',
      `--at must be an ISO date-time such as 2026-12-01T02:00:00Z, not "${text}".`,
      { path: 'at' },
    );
  return new Date(ms).toISOString();
}

/** `release upgrade TARGET --at TIME`. */
export async function scheduleUpgrade(
  rt: Runtime,
  command: Command,
  target: string,
  opts: { at: string; release?: string; ifRevision?: number; force?: boolean },
): Promise<void> {
  if (opts.force)
    throw new CliError('usage', 'A scheduled upgrade is never forced: drop --force or --at.');
  const { out, client } = contextOf(rt, command);
  const scheduled = await client().schedules.create.mutate({
    target,
    at: instantOf(opts.at),
    ...(opts.release !== undefined && { release: opts.release }),
    ...(opts.ifRevision !== undefined && { ifRevision: opts.ifRevision }),
  });
  out.result(scheduled, () => {
    out.line(
      `Scheduled the upgrade of ${quoted(scheduled.targetName ?? target)} to release ${scheduled.releaseVersion} at ${scheduled.at} (${scheduled.id}).`,
    );
    out.message(
      'The checks run again then; a blocked upgrade is reported (ferry release list --scheduled), never forced.',
    );
  });
}

/** `release list [A] --scheduled`. */
export async function printSchedules(
  rt: Runtime,
  command: Command,
  automation: string | undefined,
): Promise<void> {
  const { out, client } = contextOf(rt, command);
  const schedules = await client().schedules.list.query({
    ...(automation !== undefined && { automation }),
  });
  out.result(schedules, () =>
    out.table(
      schedules,
      [
        { header: 'ID', value: (s) => s.id, style: (t) => out.color.dim(t) },
        { header: 'AT', value: (s) => s.at },
        { header: 'TARGET', value: (s) => s.targetName ?? s.targetId },
        { header: 'RELEASE', value: (s) => s.releaseVersion ?? s.releaseId },
        {
          header: 'STATUS',
          value: (s) => s.status,
          style: (t, s) =>
            s.status === 'scheduled'
              ? out.color.yellow(t)
              : s.status === 'blocked'
                ? out.color.red(t)
                : t,
        },
        { header: 'BY', value: (s) => s.createdBy },
        { header: 'REASON', value: (s) => s.reason ?? '' },
        { header: 'FINISHED', value: (s) => (s.finishedAt ? when(s.finishedAt) : '') },
      ],
      'No scheduled upgrades.',
    ),
  );
}

/** `release cancel-schedule TARGET`. */
export function registerScheduleCommands(cmd: CommandUnknownOpts, rt: Runtime) {
  leaf(cmd, 'cancel-schedule <target>', "cancel the target's scheduled upgrade", [
    'ferry release cancel-schedule "Support (Prod)"',
  ]).action(async (target, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const cancelled = await client().schedules.cancel.mutate({ target });
    out.result(cancelled, () =>
      out.line(
        `Cancelled the upgrade of ${quoted(cancelled?.targetName ?? target)} to release ${cancelled?.releaseVersion} scheduled at ${cancelled?.at}.`,
      ),
    );
  });
}
