// Scheduled upgrades (`release upgrade --at`, `release list --scheduled`, `release cancel-schedule`):
// an acceptor schedules a target's pending release for later; at that time a worker runs the upgrade
// as that acceptor with every check made again, and never forces it (job-queue.ts). One waiting
// schedule per target.
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import { fail } from '../errors.js';
import { chosenRelease } from '../release-flow.js';
import { findAutomation, lockAutomation } from '../repositories/automation-repository.js';
import { automationNames, releaseById } from '../repositories/release-repository.js';
import {
  finishSchedule,
  insertSchedule,
  listSchedules,
  waitingScheduleOf,
  type ScheduleRow,
} from '../repositories/scheduled-upgrade-repository.js';
import { enqueueSchedule, scheduleView } from '../scheduled-upgrades.js';
import { procedure, router } from '../trpc.js';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { automationRef, refInput } from './inputs.js';

/** An ISO date-time with its offset (2026-12-01T02:00:00Z, …+01:00). */
const at = z.iso.datetime({
  offset: true,
  message: 'must be an ISO date-time with a time zone, e.g. 2026-12-01T02:00:00Z',
});

/** Schedules as shown, naming their targets and releases. */
async function viewsOf(db: Db, rows: ScheduleRow[]) {
  const names = await automationNames(
    db,
    rows.map((r) => r.targetId),
  );
  const versions = new Map<string, string | null>();
  for (const r of rows)
    if (!versions.has(r.releaseId))
      versions.set(r.releaseId, (await releaseById(db, r.releaseId))?.version ?? null);
  return rows.map((r) =>
    scheduleView(r, {
      target: names.get(r.targetId)?.name ?? null,
      release: versions.get(r.releaseId) ?? null,
    }),
  );
}

export const schedulesRouter = router({
  /** Schedule the upgrade of a target to its pending release (or the one named) at `at`. */
  create: procedure('accept-release')
    .input(
      z.object({
        target: automationRef,
        release: refInput('must name a release by its id or version number').optional(),
        at,
        /** The target revision the preview showed: the upgrade is refused if it moved on. */
        ifRevision: z.number().int().positive().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const runAt = new Date(input.at);
      if (runAt.getTime() <= Date.now())
        fail(
          'VALIDATION',
          `The time ${input.at} is not in the future: schedule the upgrade for a later time.`,
          'at',
        );
      return ctx.db.transaction(async (tx) => {
        const target = await lockAutomation(tx, input.target, 'target');
        const release = await chosenRelease(tx, target, input.release);
        if (release.status !== 'pending')
          fail(
            'PRECONDITION_FAILED',
            `Release ${release.version} is ${release.status}, not pending: only a pending release can be scheduled.`,
            'release',
          );
        const waiting = await waitingScheduleOf(tx, target.id);
        if (waiting)
          fail(
            'CONFLICT',
            `"${target.name}" already has an upgrade scheduled at ${waiting.runAt.toISOString()}; cancel it first.`,
            'target',
            { scheduleId: waiting.id },
          );
        const row: ScheduleRow = {
          id: uuidv7(),
          targetId: target.id,
          releaseId: release.id,
          runAt,
          ifRevision: input.ifRevision ?? null,
          status: 'scheduled',
          reason: null,
          createdBy: ctx.caller.name,
          createdAt: new Date(),
          finishedAt: null,
          finishedBy: null,
        };
        await insertSchedule(tx, row);
        await enqueueSchedule(tx, row.id, runAt);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'release.schedule-upgrade', target.id, {
            releaseId: release.id,
            details: {
              scheduleId: row.id,
              at: runAt.toISOString(),
              version: release.version,
              ...(input.ifRevision !== undefined && { ifRevision: input.ifRevision }),
            },
          }),
        );
        return scheduleView(row, { target: target.name, release: release.version });
      });
    }),

  /** Schedules, latest time first: of one automation or all; `waiting` only those still to run. */
  list: procedure('read')
    .input(z.object({ automation: automationRef.optional(), waiting: z.boolean().optional() }))
    .query(async ({ ctx, input }) => {
      const target =
        input.automation !== undefined ? await findAutomation(ctx.db, input.automation) : null;
      return viewsOf(
        ctx.db,
        await listSchedules(ctx.db, {
          ...(target && { targetId: target.id }),
          ...(input.waiting && { waitingOnly: true }),
        }),
      );
    }),

  /** Cancel the target's waiting schedule. */
  cancel: procedure('accept-release')
    .input(z.object({ target: automationRef }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const target = await lockAutomation(tx, input.target, 'target');
        const waiting =
          (await waitingScheduleOf(tx, target.id)) ??
          fail('NOT_FOUND', `"${target.name}" has no scheduled upgrade.`, 'target');
        await finishSchedule(tx, waiting.id, { status: 'cancelled', by: ctx.caller.name });
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'release.schedule-cancel', target.id, {
            releaseId: waiting.releaseId,
            details: { scheduleId: waiting.id, at: waiting.runAt.toISOString() },
          }),
        );
        const [view] = await viewsOf(tx, [
          { ...waiting, status: 'cancelled', finishedBy: ctx.caller.name, finishedAt: new Date() },
        ]);
        return view;
      }),
    ),
});
