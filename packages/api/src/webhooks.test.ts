// Webhooks end to end on each database: admin-only procedures, the sealed secret, deliveries after
// the commit (never for a rolled-back change), signatures, retries with their log, the address
// guard, and one delivery per event with two workers on one database.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { must } from '@ferry/core';
import { openDatabase, schema, type Database } from '@ferry/db';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from './context.js';
import { startJobQueue, type JobQueue } from './job-queue.js';
import { isPrivateAddress } from './outbound-address.js';
import { rotateSecretKey } from './secret-key.js';
import { SecretBox } from './security.js';
import {
  createTestApi,
  failure,
  fixture,
  testDatabaseKinds,
  type TestApi,
  until,
} from './test-support/harness.js';
import { attemptDelivery, emitEvent } from './webhooks.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1: records every request; `answer` picks the status per path and count. */
async function startReceiver(answer: (path: string, nth: number) => number) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer(path, received.filter((r) => r.path === path).length)).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SECRET = 'a-webhook-secret-0123456789';

describe.each(testDatabaseKinds())('webhooks on %s', (kind) => {
  let api: TestApi;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let jobs: JobQueue[] = [];
  let second: Database | null = null;
  let n = 0;
  const unique = (label: string) => `${label} ${++n}`;

  beforeAll(async () => {
    api = await createTestApi(kind);
    api.services.webhookAllowPrivate = true;
    // Path "/flaky…" fails its first attempt, "/down…" every attempt; the rest answer 204.
    receiver = await startReceiver((path, nth) =>
      path.startsWith('/down') ? 503 : path.startsWith('/flaky') && nth === 1 ? 500 : 204,
    );
    const options = {
      allowPrivate: true,
      pollingSeconds: 0.5,
      webhookRetries: 2,
      webhookRetryDelaySeconds: 1,
    };
    jobs.push(await startJobQueue(api.services, options));
    // A second worker, as a second server would run: on PostgreSQL through its own pool.
    let services: Services = api.services;
    if (api.database.url) {
      second = await openDatabase({ databaseUrl: api.database.url, migrate: false });
      services = { ...api.services, database: second, logger: pino({ level: 'silent' }) };
    }
    jobs.push(await startJobQueue(services, options));
  });
  afterAll(async () => {
    for (const j of jobs) await j.stop();
    jobs = [];
    await second?.close();
    await receiver.close();
    await api.close();
  });

  const admin = () => api.as('admin').webhooks;
  const deliveriesTo = (path: string) => receiver.received.filter((r) => r.path === path);
  /** A save stating its base revision, as the web UI sends it (save-version.ts saveUnlocked). */
  const saveVersion = async (automation: string) => {
    const { revision } = await api.as('viewer').automations.show({ automation });
    return api
      .as('editor')
      .versions.save({ automation, name: unique('v'), baseRevision: revision });
  };

  it('is for admins only, and refuses bad input naming the field', async () => {
    for (const role of ['viewer', 'editor', 'release-creator', 'release-acceptor'] as const) {
      const hooks = api.as(role).webhooks;
      expect((await failure(hooks.list())).code).toBe('FORBIDDEN');
      expect((await failure(hooks.deliveries())).code).toBe('FORBIDDEN');
      expect(
        (await failure(hooks.add({ url: receiver.url('/x'), events: ['release.created'] }))).code,
      ).toBe('FORBIDDEN');
      expect((await failure(hooks.remove({ webhook: 'x' }))).code).toBe('FORBIDDEN');
    }
    const bad = [
      [{ url: 'not a url', events: ['release.created'] }, 'url'],
      [{ url: 'ftp://example.com/x', events: ['release.created'] }, 'url'],
      [{ url: 'https://user:pw@example.com/x', events: ['release.created'] }, 'url'],
      [{ url: 'https://example.com/x', events: [] }, 'events'],
      [{ url: 'https://example.com/x', events: ['release.exploded'] }, 'events.0'],
      [{ url: 'https://example.com/x', events: ['release.created'], secret: 'short' }, 'secret'],
    ] as const;
    for (const [input, path] of bad) {
      const f = await failure(admin().add(input as never));
      expect(f.code, JSON.stringify(input)).toBe('VALIDATION');
      expect(f.path, JSON.stringify(input)).toBe(path);
    }
    expect(await admin().list()).toEqual([]);
    expect((await failure(admin().remove({ webhook: 'nope' }))).code).toBe('NOT_FOUND');
  });

  it('refuses private addresses unless the instance allows them', async () => {
    api.services.webhookAllowPrivate = false;
    try {
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://localhost/x',
        'http://[::1]/x',
        'http://169.254.169.254/latest',
        'http://10.1.2.3/',
      ]) {
        const f = await failure(admin().add({ url, events: ['release.created'] }));
        expect(f, url).toMatchObject({ code: 'VALIDATION', path: 'url' });
        expect(f.message).toContain('FERRY_WEBHOOK_ALLOW_PRIVATE');
      }
    } finally {
      api.services.webhookAllowPrivate = true;
    }
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(ip), ip).toBe(false);
    // At delivery, after DNS: "localhost" resolves to loopback and is refused without a request.
    const before = receiver.received.length;
    for (const host of ['localhost', '127.0.0.1']) {
      const outcome = await attemptDelivery({
        url: receiver.url('/refused').replace('127.0.0.1', host),
        event: 'release.created',
        deliveryId: 'd',
        body: '{}',
        secret: null,
        allowPrivate: false,
        timeoutMs: 5000,
      });
      expect(outcome.refused, host).toBe(true);
      expect(outcome.error).toMatch(/loopback, private or link-local/);
    }
    expect(receiver.received.length).toBe(before);
  });

  it('delivers each subscribed event after the commit, signed, and keeps the secret sealed', async () => {
    const signed = await admin().add({
      url: receiver.url('/signed'),
      events: [
        'version.saved',
        'release.created',
        'release.upgraded',
        'release.rejected',
        'release.rolled_back',
      ],
      secret: SECRET,
    });
    const unsigned = await admin().add({
      url: receiver.url('/unsigned'),
      events: ['release.upgraded'],
    });
    expect(signed).toMatchObject({ signed: true, createdBy: 'admin' });
    expect(unsigned.signed).toBe(false);
    const listed = await admin().list();
    expect(listed.map((h) => h.id)).toEqual([signed.id, unsigned.id]);
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    const [row] = await api.database.db
      .select()
      .from(schema.webhooks)
      .where(eq(schema.webhooks.id, signed.id));
    expect(row?.secretCiphertext).not.toContain(SECRET);
    expect(api.services.secrets.open(must(row?.secretCiphertext, 'sealed'))).toBe(SECRET);

    // A release and its upgrade: created, upgraded (both webhooks), and a version saved.
    const source = await api.as('editor').automations.import({
      document: fixture('returns-desk.json'),
      name: unique('Dev'),
    });
    const target = await api.as('editor').automations.create({ name: unique('Prod') });
    const release = await api
      .as('release-creator')
      .releases.create({ source: source.id, target: target.id, version: '1.0.0' });
    await api.as('release-acceptor').releases.upgrade({ target: target.id });
    await saveVersion(source.id);
    await until(
      'three signed and one unsigned deliveries',
      () => deliveriesTo('/signed').length >= 3 && deliveriesTo('/unsigned').length >= 1,
    );
    // Two workers post side by side: the order of arrival is not promised.
    const events = deliveriesTo('/signed').map((r) => r.headers['x-ferry-event']);
    expect(events.sort()).toEqual(['release.created', 'release.upgraded', 'version.saved']);
    for (const r of deliveriesTo('/signed')) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
      expect(r.headers['x-ferry-signature-256']).toBe(expected);
      expect(r.headers['content-type']).toBe('application/json');
      const body = JSON.parse(r.body) as { event: string; data: unknown; id: string };
      expect(body.event).toBe(r.headers['x-ferry-event']);
      expect(r.headers['x-ferry-delivery']).toBeTruthy();
    }
    const created = JSON.parse(
      must(
        deliveriesTo('/signed').find((r) => r.headers['x-ferry-event'] === 'release.created'),
        'release.created',
      ).body,
    ) as {
      data: { id: string; version: string; targetName: string };
    };
    expect(created.data).toMatchObject({
      id: release.id,
      version: '1.0.0',
      targetName: target.name,
    });
    expect(
      must(deliveriesTo('/unsigned')[0], 'u').headers['x-ferry-signature-256'],
    ).toBeUndefined();

    await until('the log says delivered', async () =>
      (await admin().deliveries({ webhook: signed.id })).every((d) => d.status === 'delivered'),
    );
    const log = await admin().deliveries({ webhook: signed.id });
    expect(log.map((d) => [d.event, d.status, d.attempts])).toEqual([
      ['version.saved', 'delivered', 1],
      ['release.upgraded', 'delivered', 1],
      ['release.created', 'delivered', 1],
    ]);
    expect(must(log[0], 'log').attemptLog).toMatchObject([
      { attempt: 1, httpStatus: 204, error: null },
    ]);
    // The audit trail names the webhook's origin and whether it signs, never the secret or path.
    const audit = await api.as('admin').audit.list({ action: 'webhook.add' });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect(JSON.stringify(audit)).not.toContain('/signed');
  });

  it('raises release.approved from an approval', async () => {
    await admin().add({ url: receiver.url('/approved'), events: ['release.approved'] });
    const source = await api.as('editor').automations.import({
      document: fixture('returns-desk.json'),
      name: unique('Dev'),
    });
    const target = await api.as('editor').automations.create({ name: unique('Prod') });
    const release = await api
      .as('release-creator')
      .releases.create({ source: source.id, target: target.id, version: '1.0.0' });
    await api.as('release-acceptor').releases.approve({ target: target.id, comment: 'ok' });
    await until('one delivery', () => deliveriesTo('/approved').length === 1);
    const body = JSON.parse(must(deliveriesTo('/approved')[0], 'approved').body) as {
      event: string;
      data: { release: { id: string }; approval: { by: string } };
    };
    expect(body.event).toBe('release.approved');
    expect(body.data.release.id).toBe(release.id);
    expect(body.data.approval.by).toBe('release-acceptor');
  });

  it('raises nothing for a change that rolls back', async () => {
    await admin().add({ url: receiver.url('/rolled-back'), events: ['release.created'] });
    await expect(
      api.database.db.transaction(async (tx) => {
        await emitEvent(tx, 'release.created', { test: true });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    // A refused upgrade (nothing pending) raises nothing either.
    const target = await api.as('editor').automations.create({ name: unique('Empty') });
    await failure(api.as('release-acceptor').releases.upgrade({ target: target.id }));
    const hooks = await admin().list();
    const hook = must(
      hooks.find((h) => h.url.endsWith('/rolled-back')),
      'hook',
    );
    expect(await admin().deliveries({ webhook: hook.id })).toEqual([]);
    // A committed one right after is delivered: the worker was running all along.
    await api.database.db.transaction((tx) => emitEvent(tx, 'release.created', { test: 2 }));
    await until('one delivery', () => deliveriesTo('/rolled-back').length === 1);
    expect(JSON.parse(must(deliveriesTo('/rolled-back')[0], 'r').body).data).toEqual({ test: 2 });
  });

  it('retries with backoff, logs every attempt, and gives up after the last retry', async () => {
    const flaky = await admin().add({ url: receiver.url('/flaky'), events: ['version.saved'] });
    const down = await admin().add({ url: receiver.url('/down'), events: ['version.saved'] });
    const bot = await api.as('editor').automations.create({ name: unique('Retried') });
    await saveVersion(bot.id);
    await until(
      'the flaky one delivered',
      async () => (await admin().deliveries({ webhook: flaky.id }))[0]?.status === 'delivered',
    );
    const [ok] = await admin().deliveries({ webhook: flaky.id });
    expect(must(ok, 'ok').attemptLog.map((a) => [a.attempt, a.httpStatus])).toEqual([
      [1, 500],
      [2, 204],
    ]);
    expect(must(ok, 'ok').attemptLog[0]?.error).toBe('HTTP 500');
    // Both attempts sent the same body (one event id).
    const bodies = new Set(deliveriesTo('/flaky').map((r) => r.body));
    expect(bodies.size).toBe(1);
    await until(
      'the dead one failed',
      async () => (await admin().deliveries({ webhook: down.id }))[0]?.status === 'failed',
    );
    const [failed] = await admin().deliveries({ webhook: down.id });
    // The first attempt and webhookRetries (2) retries.
    expect(must(failed, 'f').attemptLog.map((a) => a.httpStatus)).toEqual([503, 503, 503]);
    expect(deliveriesTo('/down')).toHaveLength(3);
  });

  it('delivers each event once with two workers on the database', async () => {
    const hook = await admin().add({ url: receiver.url('/once'), events: ['version.saved'] });
    const bot = await api.as('editor').automations.create({ name: unique('Busy') });
    for (let i = 0; i < 12; i++) await saveVersion(bot.id);
    await until('twelve delivered', async () => {
      const log = await admin().deliveries({ webhook: hook.id });
      return log.length === 12 && log.every((d) => d.status === 'delivered');
    });
    const ids = deliveriesTo('/once').map((r) => r.headers['x-ferry-delivery']);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    for (const d of await admin().deliveries({ webhook: hook.id })) expect(d.attempts).toBe(1);
  });

  it('delivers what a starting server finds pending without a job (a restored backup)', async () => {
    const hook = await admin().add({ url: receiver.url('/restored'), events: ['version.saved'] });
    // A delivery as a backup restores it: the row, but no job in the queue.
    await api.database.db.insert(schema.webhookDeliveries).values({
      id: 'restored-delivery',
      webhookId: hook.id,
      event: 'version.saved',
      body: JSON.stringify({ id: 'e', event: 'version.saved', at: new Date().toISOString() }),
      status: 'pending',
    });
    jobs.push(
      await startJobQueue(api.services, {
        allowPrivate: true,
        pollingSeconds: 0.5,
        webhookRetries: 2,
        webhookRetryDelaySeconds: 1,
      }),
    );
    await until('it was delivered', async () =>
      (await admin().deliveries({ webhook: hook.id })).every((d) => d.status === 'delivered'),
    );
    expect(deliveriesTo('/restored').map((r) => r.headers['x-ferry-delivery'])).toEqual([
      'restored-delivery',
    ]);
  });

  it('stops delivering to a removed webhook and forgets its log', async () => {
    const hook = await admin().add({ url: receiver.url('/removed'), events: ['version.saved'] });
    expect((await admin().remove({ webhook: hook.id })).id).toBe(hook.id);
    expect((await admin().list()).map((h) => h.id)).not.toContain(hook.id);
    const bot = await api.as('editor').automations.create({ name: unique('Quiet') });
    await saveVersion(bot.id);
    expect((await failure(admin().deliveries({ webhook: hook.id }))).code).toBe('NOT_FOUND');
    const audit = await api.database.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'webhook.remove'));
    expect(audit.map((a) => a.details?.webhookId)).toContain(hook.id);
  });

  it('re-encrypts webhook secrets when the key is rotated', async () => {
    // Every sealed secret must open with the current key: start over with only this one.
    for (const h of await admin().list()) await admin().remove({ webhook: h.id });
    const key = randomBytes(32);
    api.services.secrets = new SecretBox(key);
    const hook = await admin().add({
      url: receiver.url('/rotated'),
      events: ['release.created'],
      secret: SECRET,
    });
    const next = randomBytes(32);
    await rotateSecretKey(api.database, { key, source: 'given' }, next);
    const [row] = await api.database.db
      .select()
      .from(schema.webhooks)
      .where(eq(schema.webhooks.id, hook.id));
    expect(new SecretBox(next).open(must(row?.secretCiphertext, 'sealed'))).toBe(SECRET);
  });
});
