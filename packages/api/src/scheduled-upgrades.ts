// Scheduled upgrades: enqueueing a schedule's job (in the transaction that schedules it) and how a
// schedule is shown. The procedures are in routers/schedules.ts, the run at its time in job-queue.ts.
import type { Db } from '@ferry/db';
import { jobExecutor } from './repositories/job-queue-repository.js';
import type { ScheduleRow } from './repositories/scheduled-upgrade-repository.js';
import { SCHEDULE_QUEUE, jobSender } from './webhooks.js';

/**
 * The job that runs schedule `id` at `runAt`. The queue keeps one waiting job per schedule
 * (singletonKey), so enqueueing a schedule that has one adds nothing.
 */
export async function enqueueSchedule(db: Db, id: string, runAt: Date): Promise<void> {
  await jobSender().send(
    SCHEDULE_QUEUE,
    { scheduleId: id },
    { db: jobExecutor(db), startAfter: runAt, singletonKey: id },
  );
}

/** A schedule as the API shows it, with the names of its target and release. */
export const scheduleView = (
  row: ScheduleRow,
  names: { target: string | null; release: string | null },
) => ({
  id: row.id,
  targetId: row.targetId,
  targetName: names.target,
  releaseId: row.releaseId,
  releaseVersion: names.release,
  at: row.runAt.toISOString(),
  ifRevision: row.ifRevision,
  status: row.status as 'scheduled' | 'done' | 'blocked' | 'cancelled',
  reason: row.reason,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt ? row.finishedAt.toISOString() : null,
  finishedBy: row.finishedBy,
});
export type ScheduleView = ReturnType<typeof scheduleView>;
