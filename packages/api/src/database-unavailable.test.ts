// While PostgreSQL cannot be reached, every procedure fails with UNAVAILABLE (HTTP 503) and the
// request id, never INTERNAL; any other database error stays what it was.
import { randomBytes } from 'node:crypto';
import { openBehindFaultProxy, type FaultyDatabase } from '@ferry/db/testing';
import { TRPCError } from '@trpc/server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from './context.js';
import { UnavailableError, unavailableCause } from './errors.js';
import { appRouter } from './router.js';
import { SecretBox } from './security.js';
import { createCallerFactory } from './trpc.js';

const driverError = (code: string) => Object.assign(new Error(`driver: ${code}`), { code });
/** How Drizzle, then tRPC, wrap the driver's error. */
const wrapped = (cause: Error) =>
  new TRPCError({
    code: 'INTERNAL_SERVER_ERROR',
    cause: Object.assign(new Error('Failed query: select 1\nparams: '), { cause }),
  });

describe('which database errors mean "unavailable"', () => {
  it('recognises connection failures through every wrapper', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'CONNECTION_CLOSED',
      'CONNECTION_ENDED',
      'CONNECT_TIMEOUT',
      '57P01', // admin shutdown: what a restarting PostgreSQL sends
      '57P03',
      '08006',
    ])
      expect(unavailableCause(wrapped(driverError(code)))).toBe(code);
    expect(unavailableCause(new UnavailableError('r1'))).toBe('UNAVAILABLE');
  });

  it('leaves statement errors and bugs alone', () => {
    for (const code of ['23505', '40001', '22P05', 'INTERNAL_SERVER_ERROR'])
      expect(unavailableCause(wrapped(driverError(code)))).toBeUndefined();
    expect(unavailableCause(new TypeError('bug'))).toBeUndefined();
    expect(unavailableCause('text')).toBeUndefined();
  });
});

describe.skipIf(!process.env.DATABASE_URL)('procedures while PostgreSQL is down', () => {
  let database: FaultyDatabase;
  beforeAll(async () => {
    database = await openBehindFaultProxy(2);
  });
  afterAll(() => database?.close());

  it('fail with UNAVAILABLE and the request id, and succeed again once it is back', async () => {
    const services = {
      database,
      secrets: new SecretBox(randomBytes(32)),
      logger: pino({ level: 'silent' }),
      maxRequestBytes: 1024 * 1024,
    };
    const api = (requestId: string) =>
      createCallerFactory(appRouter)(
        createContextInner({
          services,
          requestId,
          caller: { id: 'u1', name: 'admin', role: 'admin', via: 'token' },
        }),
      );
    expect(await api('before').automations.list()).toEqual([]);

    await database.proxy.refuse();
    for (const call of [
      () => api('r-read').automations.list(),
      () => api('r-write').automations.create({ name: 'While down' }),
    ]) {
      const failure = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(UnavailableError);
      const { ferryCode, code, requestId, message } = failure as UnavailableError;
      expect({ ferryCode, code }).toEqual({
        ferryCode: 'UNAVAILABLE',
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(message).toContain(`(request ${requestId})`);
      expect(requestId).toMatch(/^r-/);
    }

    await database.proxy.resume();
    expect(await api('after').automations.list()).toEqual([]);
  });
});
