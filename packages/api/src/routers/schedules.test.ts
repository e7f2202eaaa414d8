// Scheduled upgrades on each database: who may schedule, what is refused, the upgrade at its time
// with every check made again, a blocked one reported (audit, webhook event) and never forced,
// cancelling, and exactly one run when two workers race for it.
import { must } from '@ferry/core';
import { openDatabase, schema, type Database } from '@ferry/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../context.js';
import { runScheduledUpgrade, startJobQueue, type JobQueue } from '../job-queue.js';
import {
  createTestApi,
  failure,
  fixture,
  testDatabaseKinds,
  type TestApi,
  until,
} from '../test-support/harness.js';

const soon = (ms = 1500) => new Date(Date.now() + ms).toISOString();

describe.each(testDatabaseKinds())('scheduled upgrades on %s', (kind) => {
  let api: TestApi;
  let jobs: JobQueue;
  let second: Database | null = null;
  let n = 0;
  const unique = (label: string) => `${label} ${++n}`;

  beforeAll(async () => {
    api = await createTestApi(kind);
    api.services.webhookAllowPrivate = true;
    // Its workers refuse private addresses: the webhooks below (on 127.0.0.1, added while the
    // instance allowed it) are refused at delivery, after the look-up, and never retried.
    jobs = await startJobQueue(api.services, { allowPrivate: false, pollingSeconds: 0.5 });
  });
  afterAll(async () => {
    await jobs.stop();
    await second?.close();
    await api.close();
  });

  const acceptor = () => api.as('release-acceptor');
  /** A target with a pending release 1.0.0 of `document` (no environment linked). */
  async function pending(document = fixture('returns-desk.json')) {
    const source = await api.as('editor').automations.import({ document, name: unique('Dev') });
    const target = await api.as('editor').automations.create({ name: unique('Prod') });
    const release = await api
      .as('release-creator')
      .releases.create({ source: source.id, target: target.id, version: '1.0.0' });
    return { source, target, release };
  }
  const statusOf = async (id: string) =>
    (await acceptor().schedules.list({})).find((s) => s.id === id);

  it('is for acceptors, in the future, one waiting per target', async () => {
    const { target, release } = await pending();
    for (const role of ['viewer', 'editor', 'release-creator'] as const) {
      const f = await failure(
        api.as(role).schedules.create({ target: target.id, at: soon(60_000) }),
      );
      expect(f.code, role).toBe('FORBIDDEN');
      expect((await failure(api.as(role).schedules.cancel({ target: target.id }))).code).toBe(
        'FORBIDDEN',
      );
    }
    expect(
      await failure(acceptor().schedules.create({ target: target.id, at: 'tomorrow' })),
    ).toMatchObject({
      code: 'VALIDATION',
      path: 'at',
    });
    expect(
      await failure(acceptor().schedules.create({ target: target.id, at: '2020-01-01T00:00:00Z' })),
    ).toMatchObject({ code: 'VALIDATION', path: 'at' });
    const empty = await api.as('editor').automations.create({ name: unique('Nothing pending') });
    expect(
      (await failure(acceptor().schedules.create({ target: empty.id, at: soon(60_000) }))).code,
    ).toBe('NOT_FOUND');
    const first = await acceptor().schedules.create({ target: target.id, at: soon(3_600_000) });
    expect(first).toMatchObject({
      status: 'scheduled',
      releaseId: release.id,
      releaseVersion: '1.0.0',
      targetName: target.name,
      createdBy: 'release-acceptor',
    });
    expect(
      (await failure(acceptor().schedules.create({ target: target.id, at: soon(7_200_000) }))).code,
    ).toBe('CONFLICT');
    // Readers see the list; `waiting` keeps only what is still to run.
    const listed = await api.as('viewer').schedules.list({ automation: target.id, waiting: true });
    expect(listed.map((s) => s.id)).toEqual([first.id]);
    // Cancelled: a later run of its job changes nothing, and the release stays pending.
    const cancelled = await acceptor().schedules.cancel({ target: target.id });
    expect(cancelled).toMatchObject({
      id: first.id,
      status: 'cancelled',
      finishedBy: 'release-acceptor',
    });
    expect(await runScheduledUpgrade(api.services, { data: { scheduleId: first.id } })).toBe(
      'skipped',
    );
    expect((await acceptor().releases.show({ target: target.id })).release.status).toBe('pending');
    expect(await api.as('viewer').schedules.list({ automation: target.id, waiting: true })).toEqual(
      [],
    );
    expect((await failure(acceptor().schedules.cancel({ target: target.id }))).code).toBe(
      'NOT_FOUND',
    );
    const audit = await api.database.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.automationId, target.id));
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['release.schedule-upgrade', 'release.schedule-cancel']),
    );
  });

  it('upgrades at its time as the acceptor who scheduled it, raising release.upgraded', async () => {
    const hook = await api.as('admin').webhooks.add({
      url: 'http://127.0.0.1:9/unused',
      events: ['release.upgraded', 'release.upgrade_blocked'],
    });
    const { target, release } = await pending();
    const scheduled = await acceptor().schedules.create({ target: target.id, at: soon() });
    await until('it ran', async () => (await statusOf(scheduled.id))?.status !== 'scheduled');
    expect(await statusOf(scheduled.id)).toMatchObject({ status: 'done', reason: null });
    const history = await api.as('viewer').releases.history({ automation: target.id });
    expect(history.runsRelease).toEqual({ id: release.id, version: '1.0.0' });
    expect(must(history.upgrades[0], 'upgrade').by).toBe('release-acceptor');
    const [upgradeAudit] = await api.database.db
      .select()
      .from(schema.auditLog)
      .where(
        and(
          eq(schema.auditLog.automationId, target.id),
          eq(schema.auditLog.action, 'release.upgrade'),
        ),
      );
    expect(upgradeAudit).toMatchObject({
      actor: 'release-acceptor',
      requestId: `schedule:${scheduled.id}`,
    });
    const events = await api.as('admin').webhooks.deliveries({ webhook: hook.id });
    expect(events.map((e) => e.event)).toEqual(['release.upgraded']);
    await until('the delivery was refused', async () =>
      (await api.as('admin').webhooks.deliveries({ webhook: hook.id })).every(
        (d) => d.status === 'refused',
      ),
    );
    const [refused] = await api.as('admin').webhooks.deliveries({ webhook: hook.id });
    expect(refused?.attempts).toBe(1);
    expect(refused?.attemptLog[0]?.error).toMatch(/loopback, private or link-local/);
    expect(refused?.attemptLog[0]?.httpStatus).toBeNull();
  });

  it('reports a blocked upgrade (audit, webhook event) and never forces it', async () => {
    const hook = await api.as('admin').webhooks.add({
      url: 'http://127.0.0.1:9/unused',
      events: ['release.upgrade_blocked'],
    });
    // concierge.json uses environment variables; the target has no environment.
    const { target } = await pending(fixture('concierge.json'));
    const before = await api.as('viewer').automations.show({ automation: target.id });
    const scheduled = await acceptor().schedules.create({ target: target.id, at: soon() });
    await until('it ran', async () => (await statusOf(scheduled.id))?.status !== 'scheduled');
    const after = await statusOf(scheduled.id);
    expect(after?.status).toBe('blocked');
    expect(after?.reason).toMatch(/environment/i);
    expect((await acceptor().releases.show({ target: target.id })).release.status).toBe('pending');
    expect((await api.as('viewer').automations.show({ automation: target.id })).revision).toBe(
      before.revision,
    );
    const [blocked] = await api.database.db
      .select()
      .from(schema.auditLog)
      .where(
        and(
          eq(schema.auditLog.automationId, target.id),
          eq(schema.auditLog.action, 'release.upgrade-blocked'),
        ),
      );
    expect(blocked?.details).toMatchObject({ scheduleId: scheduled.id, reason: after?.reason });
    const [event] = await api.as('admin').webhooks.deliveries({ webhook: hook.id });
    expect(event?.event).toBe('release.upgrade_blocked');
    const body = await api.database.db
      .select({ body: schema.webhookDeliveries.body })
      .from(schema.webhookDeliveries)
      .where(eq(schema.webhookDeliveries.id, must(event, 'event').id));
    expect(JSON.parse(must(body[0], 'body').body).data).toMatchObject({
      target: { id: target.id, name: target.name },
      release: { version: '1.0.0' },
      reason: after?.reason,
    });
  });

  it('is blocked by the release’s failing conversation tests at its time, never forced', async () => {
    const source = await api
      .as('editor')
      .automations.import({ document: fixture('hello-minimal.json'), name: unique('Dev') });
    const target = await api.as('editor').automations.create({ name: unique('Prod') });
    await api.as('editor').tests.set({
      automation: source.id,
      text: 'tests:\n  - name: greets\n    steps:\n      - user: hi\n        expect:\n          - contains: Goodbye\n',
    });
    await api
      .as('release-creator')
      .releases.create({ source: source.id, target: target.id, version: '1.0.0' });
    // Scheduled by an admin, who could force past failing tests by hand: a schedule never does.
    const scheduled = await api
      .as('admin')
      .schedules.create({ target: target.id, at: soon(3_600_000) });
    expect(await runScheduledUpgrade(api.services, { data: { scheduleId: scheduled.id } })).toBe(
      'blocked',
    );
    expect((await statusOf(scheduled.id))?.reason).toContain(
      'conversation tests do not pass: "greets" (failed)',
    );
    expect((await acceptor().releases.show({ target: target.id })).release.status).toBe('pending');
  });

  it('runs once when two workers take it at the same time', async () => {
    const { target } = await pending();
    const scheduled = await acceptor().schedules.create({ target: target.id, at: soon(3_600_000) });
    let other: Services = api.services;
    if (api.database.url) {
      second = await openDatabase({ databaseUrl: api.database.url, migrate: false });
      other = { ...api.services, database: second };
    }
    const job = { data: { scheduleId: scheduled.id } };
    const outcomes = await Promise.all([
      runScheduledUpgrade(api.services, job),
      runScheduledUpgrade(other, job),
    ]);
    expect(outcomes.sort()).toEqual(['done', 'skipped']);
    const history = await api.as('viewer').releases.history({ automation: target.id });
    expect(history.upgrades).toHaveLength(1);
  });
});
