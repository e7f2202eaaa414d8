// Scheduled upgrades (`release upgrade --at`): the waiting, done, blocked and cancelled ones.
import { schema, type Db } from '@ferry/db';
import { and, desc, eq } from 'drizzle-orm';

export type ScheduleRow = typeof schema.scheduledUpgrades.$inferSelect;

export async function insertSchedule(tx: Db, row: typeof schema.scheduledUpgrades.$inferInsert) {
  await tx.insert(schema.scheduledUpgrades).values(row);
}

/** The target's waiting schedule, if any. */
export async function waitingScheduleOf(db: Db, targetId: string): Promise<ScheduleRow | null> {
  const [row] = await db
    .select()
    .from(schema.scheduledUpgrades)
    .where(
      and(
        eq(schema.scheduledUpgrades.targetId, targetId),
        eq(schema.scheduledUpgrades.status, 'scheduled'),
      ),
    );
  return row ?? null;
}

/** A schedule still waiting, locked until the transaction ends; null once it ran or was cancelled. */
export async function lockWaitingSchedule(tx: Db, id: string): Promise<ScheduleRow | null> {
  const [row] = await tx
    .select()
    .from(schema.scheduledUpgrades)
    .where(
      and(eq(schema.scheduledUpgrades.id, id), eq(schema.scheduledUpgrades.status, 'scheduled')),
    )
    .for('update');
  return row ?? null;
}

export async function finishSchedule(
  tx: Db,
  id: string,
  outcome: { status: 'done' | 'blocked' | 'cancelled'; reason?: string; by: string },
): Promise<void> {
  await tx
    .update(schema.scheduledUpgrades)
    .set({
      status: outcome.status,
      reason: outcome.reason ?? null,
      finishedAt: new Date(),
      finishedBy: outcome.by,
    })
    .where(eq(schema.scheduledUpgrades.id, id));
}

/** Schedules, newest first: of one target, or all; optionally only those still waiting. */
export const listSchedules = (
  db: Db,
  filter: { targetId?: string; waitingOnly?: boolean; limit?: number },
): Promise<ScheduleRow[]> =>
  db
    .select()
    .from(schema.scheduledUpgrades)
    .where(
      and(
        filter.targetId === undefined
          ? undefined
          : eq(schema.scheduledUpgrades.targetId, filter.targetId),
        filter.waitingOnly ? eq(schema.scheduledUpgrades.status, 'scheduled') : undefined,
      ),
    )
    .orderBy(desc(schema.scheduledUpgrades.runAt), desc(schema.scheduledUpgrades.id))
    .limit(filter.limit ?? 200);

/** Every waiting schedule (a worker starting re-enqueues them: a restored backup has no jobs). */
export const waitingSchedules = (db: Db): Promise<ScheduleRow[]> =>
  listSchedules(db, { waitingOnly: true, limit: 10_000 });
