// The background work of a server, on pg-boss 10 over the database every server shares: posting
// webhook deliveries (retried with backoff, each attempt logged) and running scheduled upgrades at
// their time. pg-boss hands each job to one worker (FOR UPDATE SKIP LOCKED), so with several servers
// on one PostgreSQL each job runs on one of them; the rows it changes are re-checked under lock, so
// a job that is run twice (a worker died after its work but before pg-boss heard) changes nothing
// twice. Stopped (and waited for) before the database closes.
import { TRPCError } from '@trpc/server';
import PgBoss from 'pg-boss';
import { uuidv7 } from 'uuidv7';
import { auditEntry, writeAudit } from './audit.js';
import { createContextInner, type Caller, type Services } from './context.js';
import { FerryApiError } from './errors.js';
import type { Role } from './roles.js';
import { loggableError } from './log-errors.js';
import {
  JOB_SCHEMA,
  deliveriesWithoutJob,
  jobExecutor,
} from './repositories/job-queue-repository.js';
import {
  finishSchedule,
  lockWaitingSchedule,
  waitingSchedules,
} from './repositories/scheduled-upgrade-repository.js';
import { userByName } from './repositories/user-repository.js';
import { lockDelivery, recordAttempt } from './repositories/webhook-repository.js';
import { automationNames, releaseById } from './repositories/release-repository.js';
import { appRouter } from './router.js';
import { enqueueSchedule } from './scheduled-upgrades.js';
import { createCallerFactory } from './trpc.js';
import {
  SCHEDULE_QUEUE,
  WEBHOOK_QUEUE,
  attemptDelivery,
  emitEvent,
  jobSender,
  type AttemptOutcome,
} from './webhooks.js';

const createCaller = createCallerFactory(appRouter);

export interface JobQueueOptions {
  /** FERRY_WEBHOOK_ALLOW_PRIVATE: deliver to loopback and private addresses too. */
  allowPrivate?: boolean;
  /** How often an idle worker asks for work (seconds, at least 0.5; default 2). */
  pollingSeconds?: number;
  /** Retries of a delivery after its first attempt (default 10: over half an hour with backoff). */
  webhookRetries?: number;
  /** The first retry's delay in seconds; each further one about doubles (default 2). */
  webhookRetryDelaySeconds?: number;
  /** How long a receiver has to answer (default 10 s). */
  webhookTimeoutMs?: number;
}

export interface JobQueue {
  stop(): Promise<void>;
}

type DeliveryJob = PgBoss.JobWithMetadata<{ deliveryId: string }>;
type ScheduleJob = PgBoss.JobWithMetadata<{ scheduleId: string }>;

/** Starts this server's workers on `services.database` (its job schema exists: migration 0007). */
export async function startJobQueue(
  services: Services,
  options: JobQueueOptions = {},
): Promise<JobQueue> {
  const log = services.logger.child({ component: 'jobs' });
  const db = services.database.db;
  const boss = new PgBoss({
    db: jobExecutor(db),
    schema: JOB_SCHEMA,
    // The schema is Ferry's migration's; a pg-boss whose schema version differs refuses to start.
    migrate: false,
    supervise: true,
    schedule: false,
  });
  // A worker's error comes as a plain object with the queue's name; the rest are errors.
  boss.on('error', (err: Error & { queue?: string }) =>
    log.warn({ err: loggableError(err), queue: err.queue }, 'job queue error'),
  );
  await boss.start();
  const webhookRetries = options.webhookRetries ?? 10;
  await boss.updateQueue(WEBHOOK_QUEUE, {
    name: WEBHOOK_QUEUE,
    policy: 'standard',
    retryLimit: webhookRetries,
    retryDelay: options.webhookRetryDelaySeconds ?? 2,
    retryBackoff: true,
    expireInSeconds: 120,
  });
  await boss.updateQueue(SCHEDULE_QUEUE, {
    name: SCHEDULE_QUEUE,
    policy: 'short',
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 600,
  });
  const work = {
    pollingIntervalSeconds: options.pollingSeconds ?? 2,
    includeMetadata: true as const,
  };
  const deliver = (job: DeliveryJob) =>
    deliverOnce(services, job, {
      allowPrivate: options.allowPrivate ?? false,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    });
  // Two delivery workers: one slow receiver does not hold up every other webhook.
  for (let i = 0; i < 2; i++)
    await boss.work<{ deliveryId: string }>(WEBHOOK_QUEUE, work, async (jobs) => {
      for (const job of jobs) await deliver(job);
    });
  await boss.work<{ scheduleId: string }>(SCHEDULE_QUEUE, work, async (jobs) => {
    for (const job of jobs) await runScheduledUpgrade(services, job);
  });
  // A schedule without its job (a restored backup carries no jobs) gets it back; the queue's
  // policy keeps one waiting job per schedule, so this adds nothing to ones that have it.
  for (const row of await waitingSchedules(db)) await enqueueSchedule(db, row.id, row.runAt);
  // Likewise a pending delivery without its job (a worker re-checks its status, so one that
  // another server is enqueueing at the same moment is posted once more at most).
  for (const deliveryId of await deliveriesWithoutJob(db, WEBHOOK_QUEUE))
    await jobSender().send(WEBHOOK_QUEUE, { deliveryId }, { db: jobExecutor(db) });
  return {
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}

/**
 * One attempt of a delivery, then its record. A failure that a retry may cure throws, so pg-boss
 * retries the job after its backoff; the last retry's failure marks the delivery failed.
 */
async function deliverOnce(
  services: Services,
  job: DeliveryJob,
  how: { allowPrivate: boolean; timeoutMs: number },
): Promise<void> {
  const db = services.database.db;
  const found = await db.transaction((tx) => lockDelivery(tx, job.data.deliveryId));
  // The webhook was removed, or another run of this job already finished it.
  if (!found || found.delivery.status !== 'pending') return;
  const { delivery, webhook } = found;
  const started = performance.now();
  const at = new Date();
  let outcome: AttemptOutcome;
  try {
    outcome = await attemptDelivery({
      url: webhook.url,
      event: delivery.event,
      deliveryId: delivery.id,
      body: delivery.body,
      secret:
        webhook.secretCiphertext === null ? null : services.secrets.open(webhook.secretCiphertext),
      allowPrivate: how.allowPrivate,
      timeoutMs: how.timeoutMs,
    });
  } catch (e) {
    outcome = { error: (e as Error).message };
  }
  const ok =
    outcome.httpStatus !== undefined && outcome.httpStatus >= 200 && outcome.httpStatus < 300;
  const last = job.retryCount >= job.retryLimit;
  const status = ok ? 'delivered' : outcome.refused ? 'refused' : last ? 'failed' : 'pending';
  const recorded = await db.transaction(async (tx) => {
    const now = await lockDelivery(tx, delivery.id);
    if (!now || now.delivery.status !== 'pending') return false;
    await recordAttempt(
      tx,
      {
        id: uuidv7(),
        deliveryId: delivery.id,
        attempt: now.delivery.attempts + 1,
        at,
        httpStatus: outcome.httpStatus ?? null,
        error: ok ? null : (outcome.error ?? `HTTP ${outcome.httpStatus}`),
        ms: Math.round(performance.now() - started),
      },
      status,
    );
    return true;
  });
  if (recorded && status === 'pending')
    throw new Error(
      `delivery ${delivery.id} to webhook ${webhook.id}: ${outcome.error ?? `HTTP ${outcome.httpStatus}`}`,
    );
}

/** Errors that say the upgrade may not happen (checks, rules, roles), as opposed to a failure to try. */
function refusal(e: unknown): string | null {
  if (e instanceof FerryApiError) return e.ferryCode === 'UNAVAILABLE' ? null : e.message;
  if (e instanceof TRPCError && e.code === 'BAD_REQUEST') return e.message;
  return null;
}

/**
 * A scheduled upgrade at its time, exactly once: under the schedule's row lock, the upgrade runs as
 * the user who scheduled it, with every check of an upgrade made now (never forced), in the same
 * transaction that marks the schedule done. A refusal marks it blocked with the reason, audited
 * and raised as `release.upgrade_blocked`. Anything else (the database went away) rolls all of it
 * back and the job is retried.
 */
export async function runScheduledUpgrade(
  services: Services,
  job: Pick<ScheduleJob, 'data'>,
): Promise<'done' | 'blocked' | 'skipped'> {
  return services.database.db.transaction(async (tx) => {
    const row = await lockWaitingSchedule(tx, job.data.scheduleId);
    if (!row) return 'skipped';
    const requestId = `schedule:${row.id}`;
    const user = await userByName(tx, row.createdBy);
    let reason: string | null = null;
    if (!user || user.disabledAt !== null)
      reason = `"${row.createdBy}", who scheduled the upgrade, is no longer an enabled user.`;
    else {
      const caller: Caller = {
        id: user.id,
        name: user.name,
        role: user.role as Role,
        via: 'token',
      };
      const ctx = { ...createContextInner({ services, caller, requestId }), db: tx };
      try {
        await createCaller(ctx).releases.upgrade({
          target: row.targetId,
          release: row.releaseId,
          ...(row.ifRevision !== null && { ifRevision: row.ifRevision }),
        });
      } catch (e) {
        reason = refusal(e);
        if (reason === null) throw e;
      }
    }
    const by = 'system';
    if (reason === null) {
      await finishSchedule(tx, row.id, { status: 'done', by });
      return 'done';
    }
    await finishSchedule(tx, row.id, { status: 'blocked', reason, by });
    const details = {
      scheduleId: row.id,
      scheduledBy: row.createdBy,
      runAt: row.runAt.toISOString(),
      reason,
    };
    await writeAudit(
      tx,
      { requestId },
      auditEntry({ caller: null }, 'release.upgrade-blocked', row.targetId, {
        releaseId: row.releaseId,
        details,
      }),
    );
    const release = await releaseById(tx, row.releaseId);
    const target = (await automationNames(tx, [row.targetId])).get(row.targetId);
    await emitEvent(tx, 'release.upgrade_blocked', {
      target: { id: row.targetId, name: target?.name ?? null },
      release: { id: row.releaseId, version: release?.version ?? null },
      ...details,
    });
    return 'blocked';
  });
}
