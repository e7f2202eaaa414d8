// Password guessing is throttled: per account and per client address, in-process and over HTTP,
// shared by every server on one database, audited, and lifted when the window ends.
import { schema } from '@ferry/db';
import {
  openTestDatabase,
  migratedPgliteTemplate,
  testDatabaseKinds,
  type TestDatabase,
} from '@ferry/db/testing';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { uuidv7 } from 'uuidv7';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createContextInner } from './context.js';
import { appRouter } from './router.js';
import { hashPassword } from './security.js';
import { startServer, type RunningServer } from './server.js';
import { SIGN_IN_LIMITS } from './sign-in-throttle.js';
import { createTestApi, failure, type TestApi } from './test-support/harness.js';
import { createCallerFactory } from './trpc.js';
import { must } from '@ferry/core';

const createCaller = createCallerFactory(appRouter);
const ACCOUNT = SIGN_IN_LIMITS.account.failures;
const ADDRESS = SIGN_IN_LIMITS.address.failures;

describe.each(testDatabaseKinds())('sign-in throttling in-process on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  let addresses = 0;
  /** A user of its own (so tests do not lock each other out) and an anonymous caller at a fresh address. */
  const setUp = async (name: string, password: string) => {
    await api.database.db
      .insert(schema.users)
      .values({ id: uuidv7(), name, role: 'viewer', passwordHash: await hashPassword(password) });
    const address = `10.0.0.${++addresses}`;
    const caller = createCaller(
      createContextInner({ services: api.services, clientAddress: address }),
    );
    return {
      address,
      login: (pw: string, as = name) => caller.auth.login({ name: as, password: pw }),
    };
  };
  const throttledAudit = async () =>
    api.database.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'auth.throttled'));

  it('refuses an account after 5 wrong passwords, the right one included, and audits the lockout once', async () => {
    const { address, login } = await setUp('alice', 'alice-password');
    for (let i = 0; i < ACCOUNT; i++)
      expect(await failure(login(`guess-${i}`))).toMatchObject({ code: 'UNAUTHORIZED' });
    const refused = await failure(login('alice-password'));
    expect(refused).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many failed sign-ins. Try again in 15 minutes.',
    });
    const retryAfter = refused.details?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_LIMITS.account.windowSeconds);
    expect(await failure(login('guess-again'))).toMatchObject({ code: 'TOO_MANY_REQUESTS' });

    const audit = (await throttledAudit()).filter((a) => a.details?.name === 'alice');
    expect(audit).toHaveLength(1);
    expect(must(audit[0], 'audit[0]').details).toMatchObject({
      scope: 'account',
      address,
      failures: ACCOUNT,
    });
    expect(JSON.stringify(audit)).not.toMatch(/guess|alice-password/);
  });

  it('a successful sign-in clears the account’s failures', async () => {
    const { login } = await setUp('bob', 'bob-password');
    for (let i = 0; i < ACCOUNT - 1; i++) await failure(login(`guess-${i}`));
    expect(await login('bob-password')).toMatchObject({ name: 'bob' });
    for (let i = 0; i < ACCOUNT; i++)
      expect(await failure(login(`again-${i}`))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await failure(login('bob-password'))).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });

  it('throttles an unknown name exactly like a real account, so probing names tells nothing', async () => {
    const real = await setUp('carol', 'carol-password');
    const unknown = await setUp('someone-else', 'unused');
    const answers = async (login: (pw: string) => Promise<unknown>) => {
      const out = [];
      for (let i = 0; i <= ACCOUNT; i++) out.push(await failure(login(`guess-${i}`)));
      return out.map(({ code, message, path }) => ({ code, message, path }));
    };
    const forReal = await answers((pw) => real.login(pw));
    const forUnknown = await answers((pw) => unknown.login(pw, 'no-such-user'));
    expect(forUnknown).toEqual(forReal);
    expect(forReal.at(-1)).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(forReal.at(-2)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('lets parallel guesses through only up to the limit', async () => {
    const { login } = await setUp('dave', 'dave-password');
    const results = await Promise.all(
      Array.from({ length: 3 * ACCOUNT }, (_, i) => failure(login(`parallel-${i}`))),
    );
    const codes = results.map((r) => r.code);
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(ACCOUNT);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(2 * ACCOUNT);
  });

  it('accepts the right password once the window has passed (clock moved, not waited for)', async () => {
    const { login } = await setUp('erin', 'erin-password');
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    for (let i = 0; i < ACCOUNT; i++) await failure(login(`guess-${i}`));
    expect(await failure(login('erin-password'))).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    vi.setSystemTime(start + SIGN_IN_LIMITS.account.windowSeconds * 1000 - 1000);
    expect(await failure(login('erin-password'))).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many failed sign-ins. Try again in 1 minute.',
    });
    vi.setSystemTime(start + SIGN_IN_LIMITS.account.windowSeconds * 1000 + 1000);
    expect(await login('erin-password')).toMatchObject({ name: 'erin' });
    // The expired window's row is gone after the next failure (the table does not grow forever).
    await failure(login('one-more-guess'));
    const rows = await api.database.db.select().from(schema.signInThrottle);
    expect(rows.every((r) => r.expire === null || r.expire.getTime() > Date.now())).toBe(true);
  });
});

describe.each(testDatabaseKinds())('sign-in throttling over HTTP on %s', (kind) => {
  let database: TestDatabase;
  let servers: RunningServer[];
  const secretKey = randomBytes(32).toString('base64');
  const start = async () =>
    startServer({
      port: 0,
      ...(database.url
        ? { databaseUrl: database.url, secretKey }
        : { dataDir: null, pgliteTemplate: (await migratedPgliteTemplate()).tarball }),
      adminPassword: 'admin-password',
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });
  beforeAll(async () => {
    if (kind === 'postgres') {
      // Two replicas on one database: the count must be theirs together.
      database = await openTestDatabase('postgres');
      servers = [await start(), await start()];
    } else {
      database = { url: null } as TestDatabase;
      servers = [await start()];
    }
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    if (database.url) await database.close();
  });

  /** POST auth.login from a chosen loopback address (127.0.0.0/8 is all local on Linux). */
  const login = (server: RunningServer, name: string, password: string, from = '127.0.0.1') =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          `${server.url}/api/trpc/auth.login`,
          { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve({
                status: must(res.statusCode, 'res.statusCode'),
                headers: res.headers,
                body,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ name, password }));
      },
    );
  const errorOf = (res: { body: string }) =>
    (JSON.parse(res.body) as { error: { message: string; data: Record<string, unknown> } }).error;
  const createUser = async (name: string, password: string) => {
    const admin = await login(must(servers[0], 'servers[0]'), 'admin', 'admin-password');
    const cookie = must(
      String(must(admin.headers['set-cookie'], "admin.headers['set-cookie']")[0]).split(';')[0],
      "String(admin.headers['set-cookie']![0]).split(';')[0]",
    );
    const res = await fetch(`${must(servers[0], 'servers[0]').url}/api/trpc/users.create`, {
      method: 'POST',
      // Same-origin, as the web UI would: cookie-signed calls from elsewhere are refused.
      headers: {
        'content-type': 'application/json',
        cookie,
        origin: must(servers[0], 'servers[0]').url,
      },
      body: JSON.stringify({ name, role: 'viewer', password }),
    });
    expect(res.status).toBe(200);
  };
  const throttledAudit = async () =>
    (
      await must(servers[0], 'servers[0]')
        .services.database.db.select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.action, 'auth.throttled'))
    ).map((a) => a.details);

  it('answers 429 with Retry-After and TOO_MANY_REQUESTS, on every replica, after 5 wrong passwords', async () => {
    await createUser('frank', 'frank-password');
    // Spread over the replicas (two on PostgreSQL): they share one count.
    for (let i = 0; i < ACCOUNT; i++) {
      const res = await login(
        must(servers[i % servers.length], 'servers[i % servers.length]'),
        'frank',
        `guess-${i}`,
        '127.0.0.2',
      );
      expect(res.status).toBe(401);
      expect(res.headers['retry-after']).toBeUndefined();
    }
    for (const server of servers) {
      // From another address too: the account itself is locked.
      const res = await login(server, 'frank', 'frank-password', '127.0.0.3');
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_LIMITS.account.windowSeconds);
      const error = errorOf(res);
      expect(error.message).toBe('Too many failed sign-ins. Try again in 15 minutes.');
      expect(error.data).toMatchObject({
        ferryCode: 'TOO_MANY_REQUESTS',
        httpStatus: 429,
        details: { retryAfterSeconds: retryAfter },
      });
    }
    expect(await throttledAudit()).toContainEqual(
      expect.objectContaining({ scope: 'account', name: 'frank', address: '127.0.0.2' }),
    );
  });

  it('throttles a client address after 20 failures across different names, and audits it', async () => {
    const from = '127.0.0.4';
    for (let i = 0; i < ADDRESS; i++) {
      const res = await login(
        must(servers[i % servers.length], 'servers[i % servers.length]'),
        `probe-${i}`,
        'guess',
        from,
      );
      expect(res.status).toBe(401);
    }
    for (const server of servers) {
      const res = await login(server, 'admin', 'admin-password', from);
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await login(server, 'never-tried', 'guess', from)).status).toBe(429);
    }
    // The same account from another address is not affected.
    expect(
      (await login(must(servers.at(-1), 'servers.at(-1)'), 'admin', 'admin-password', '127.0.0.5'))
        .status,
    ).toBe(200);

    const audit = await throttledAudit();
    expect(audit).toContainEqual(
      // Written by the failure that used the limit up, with the name it tried.
      expect.objectContaining({ scope: 'address', name: `probe-${ADDRESS - 1}`, address: from }),
    );
    expect(audit.filter((d) => d?.address === from)).toHaveLength(1);
  });
});
