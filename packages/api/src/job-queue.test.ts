// The job queue at its edges, on PostgreSQL (a second connection holds a row lock on the job, which
// the one embedded PGlite connection cannot): a stop waits for a job's completion statement before
// the database may close, and a completion that fails is logged, never an unhandled rejection
// (which ends a Node process). Both are pg-boss 10 faults that patches/pg-boss@10.4.2.patch fixes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { openDatabase, rawRows, schema, type Database } from '@ferry/db';
import { eq, sql, type SQL } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startJobQueue, type JobQueue } from './job-queue.js';
import { logSerializers } from './log-errors.js';
import { createTestApi, testDatabaseKinds, type TestApi, until } from './test-support/harness.js';

/** A receiver on 127.0.0.1 that answers 204 only once `release()` is called. */
async function startHeldReceiver() {
  let requests = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      void released.then(() => res.writeHead(204).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/held`,
    requests: () => requests,
    release,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!testDatabaseKinds().includes('postgres'))('the job queue on postgres', () => {
  let api: TestApi;
  let locker: Database;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    api = await createTestApi('postgres');
    api.services.webhookAllowPrivate = true;
    locker = await openDatabase({ databaseUrl: api.database.url ?? undefined, migrate: false });
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // Later tests must not see this one's deliveries.
    await api.database.db.delete(schema.webhooks);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await locker.close();
    await api.close();
  });

  /**
   * A queue whose log lines land in `lines`, one webhook on a held receiver, a saved version whose
   * delivery is then running (its request is at the receiver), and that delivery's job id.
   */
  async function deliveryInFlight() {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'warn', serializers: logSerializers },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          const line = JSON.parse(chunk.toString('utf8')) as Record<string, unknown>;
          lines.push(line);
          done();
        },
      }),
    );
    const receiver = await startHeldReceiver();
    const queue = await startJobQueue(
      { ...api.services, logger },
      { allowPrivate: true, pollingSeconds: 0.5 },
    );
    const webhook = await api
      .as('admin')
      .webhooks.add({ url: receiver.url, events: ['version.saved'] });
    const automation = await api.as('editor').automations.create({ name: `Bot ${Date.now()}` });
    await api.as('editor').versions.save({ automation: automation.id, name: 'v1' });
    await until('the delivery reaches the receiver', () => receiver.requests() === 1);
    const [job] = await rawRows<{ id: string }>(
      api.database.db,
      sql`select id from ferry_jobs.job where name = 'ferry.webhook' and state = 'active'`,
    );
    if (!job) throw new Error('no active delivery job');
    return { lines, receiver, queue, jobId: job.id, webhookId: webhook.id };
  }

  /** Holds the lock `statement` takes, in a transaction of its own, until `unlock()`. */
  async function holdLock(statement: SQL) {
    let unlock!: () => void;
    const unlocked = new Promise<void>((resolve) => (unlock = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const done = locker.db.transaction(async (tx) => {
      await tx.execute(statement);
      locked();
      await unlocked;
    });
    await isLocked;
    return { unlock, done };
  }

  /** The backend of a statement (its text matches `like`) once it waits on a lock. */
  async function waitingOnLock(what: string, like: string): Promise<number> {
    let pid = 0;
    await until(`${what} waits on the lock`, async () => {
      const rows = await rawRows<{ pid: number }>(
        locker.db,
        sql`select pid from pg_stat_activity where wait_event_type = 'Lock' and query like ${like}`,
      );
      pid = rows[0]?.pid ?? 0;
      return pid !== 0;
    });
    return pid;
  }
  const waitingCompletion = () => waitingOnLock('the completion', '%completed_on = now()%');

  /** Stops `queue` while `lock` holds what it waits for: the stop must end after the unlock. */
  async function expectStopToWaitFor(queue: JobQueue, lock: Awaited<ReturnType<typeof holdLock>>) {
    const order: string[] = [];
    const stopped = queue.stop().then(() => order.push('stopped'));
    // pg-boss looks for work in progress every 500 ms; unpatched it saw none here and stopped.
    await new Promise((r) => setTimeout(r, 1500));
    order.push('unlocked');
    lock.unlock();
    await lock.done;
    await stopped;
    expect(order).toEqual(['unlocked', 'stopped']);
  }

  const lockJob = (jobId: string) =>
    holdLock(sql`select 1 from ferry_jobs.job where id = ${jobId} for update`);

  const jobState = async (jobId: string) =>
    (
      await rawRows<{ state: string }>(
        api.database.db,
        sql`select state from ferry_jobs.job where id = ${jobId}`,
      )
    )[0]?.state;

  it('stops only once the completion of a running job is written', async () => {
    const { receiver, queue, jobId } = await deliveryInFlight();
    const lock = await lockJob(jobId);
    receiver.release();
    await waitingCompletion();
    await expectStopToWaitFor(queue, lock);
    expect(await jobState(jobId)).toBe('completed');
    await receiver.close();
  });

  it('stops only once a worker asking for work has its answer', async () => {
    const queue = await startJobQueue(api.services, { allowPrivate: true, pollingSeconds: 0.5 });
    // The job table locked, the workers' next requests for work wait on it.
    const lock = await holdLock(sql`lock table ferry_jobs.job in exclusive mode`);
    await waitingOnLock('a request for work', '%FOR UPDATE SKIP LOCKED%');
    await expectStopToWaitFor(queue, lock);
  });

  it('logs a completion that fails, without its values, and the process lives on', async () => {
    const { lines, receiver, queue, jobId, webhookId } = await deliveryInFlight();
    const lock = await lockJob(jobId);
    receiver.release();
    // The connection of the waiting completion is cut, as a network fault or a restart would.
    const pid = await waitingCompletion();
    await locker.db.execute(sql`select pg_terminate_backend(${pid})`);
    await until('the failure is logged', () => lines.some((l) => l.msg === 'job queue error'));
    lock.unlock();
    await lock.done;
    await queue.stop();
    expect(unhandled).toEqual([]);
    const logged = lines.filter((l) => l.msg === 'job queue error');
    expect(logged[0]).toMatchObject({ queue: 'ferry.webhook', err: { type: 'DrizzleQueryError' } });
    expect(JSON.stringify(logged)).not.toContain(jobId);
    const [delivery] = await api.database.db
      .select({ status: schema.webhookDeliveries.status })
      .from(schema.webhookDeliveries)
      .where(eq(schema.webhookDeliveries.webhookId, webhookId));
    // Posted once and recorded; its job is left to expire and be retried, which finds it delivered.
    expect(delivery?.status).toBe('delivered');
    expect(receiver.requests()).toBe(1);
    expect(await jobState(jobId)).toBe('active');
    await receiver.close();
  });
});
