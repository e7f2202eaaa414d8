// Web hardening over HTTP: the session cookie's Secure flag behind a trusted proxy, the security
// headers on every response, the cross-origin check of cookie-signed API calls, and database errors
// logged without the values users sent.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import type { Db } from '@ferry/db';
import { openTestDatabase, migratedPgliteTemplate, testDatabaseKinds } from '@ferry/db/testing';
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddressOf } from './client-address.js';
import { loggableError, logSerializers } from './log-errors.js';
import { startServer, type RunningServer, type ServerOptions } from './server.js';
import { must } from '@ferry/core';

const PASSWORD = 'correct horse battery';
const TOKEN = 'ferry_request-guard-test-token';

/** A server on an in-memory database whose log lines are kept. */
async function start(options: Pick<ServerOptions, 'trustProxy' | 'fallback'> = {}) {
  const log: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      log.push(chunk.toString());
      done();
    },
  });
  const server = await startServer({
    port: 0,
    dataDir: null,
    pgliteTemplate: (await migratedPgliteTemplate()).tarball,
    adminPassword: PASSWORD,
    adminToken: TOKEN,
    logger: pino({ level: 'info' }, stream),
    announce: () => {},
    ...options,
  });
  return { server, log };
}

const login = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: 'admin', password: PASSWORD }),
  });

const sessionOf = (res: Response) =>
  must(
    must(res.headers.get('set-cookie'), "res.headers.get('set-cookie')").split(';')[0],
    "res.headers.get('set-cookie')!.split(';')[0]",
  );

describe('the session cookie over HTTPS', () => {
  let trusting: RunningServer;
  let plain: RunningServer;
  beforeAll(async () => {
    [trusting, plain] = await Promise.all([
      start({ trustProxy: true }).then((s) => s.server),
      start().then((s) => s.server),
    ]);
  });
  afterAll(() => Promise.all([trusting.close(), plain.close()]));

  it('is Secure when a trusted proxy says the request came over HTTPS (FERRY_TRUST_PROXY)', async () => {
    const res = await login(trusting.url, { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^ferry_session=[^;]+;.*; Secure$/);
    // Plain HTTP through that proxy: not Secure (the browser would drop it).
    const overHttp = await login(trusting.url, { 'x-forwarded-proto': 'http' });
    expect(overHttp.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('is not Secure when the header comes from a client and no proxy is trusted', async () => {
    const res = await login(plain.url, { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^ferry_session=[^;]+; HttpOnly; SameSite=Lax/);
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/);
  });
});

describe('the client address (sign-in throttling counts per address)', () => {
  const req = (forwarded?: string) =>
    ({
      headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
      socket: { remoteAddress: '::ffff:10.0.0.5' },
    }) as unknown as IncomingMessage;

  it('is the socket peer unless a proxy is trusted, then the address the proxy appended', () => {
    expect(clientAddressOf(req('1.2.3.4'))).toBe('10.0.0.5'); // a client cannot pick its own
    expect(clientAddressOf(req('6.6.6.6, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientAddressOf(req(), true)).toBe('10.0.0.5');
  });
});

describe('every response', () => {
  let server: RunningServer;
  beforeAll(async () => {
    ({ server } = await start({
      fallback: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><p>a page</p>');
        return true;
      },
    }));
  });
  afterAll(() => server.close());

  it('carries nosniff, a same-origin referrer policy and frame-ancestors none (API, health, pages)', async () => {
    const responses = await Promise.all([
      fetch(`${server.url}/api/trpc/auth.whoami`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      fetch(`${server.url}/api/trpc/automations.list`), // 401
      fetch(`${server.url}/healthz`),
      fetch(`${server.url}/some/page`),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 401, 200, 200]);
    for (const res of responses) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
    // API answers are data: nothing in them may load or run.
    expect(must(responses[0], 'responses[0]').headers.get('content-security-policy')).toMatch(
      /default-src 'none'/,
    );
  });
});

describe('API calls signed in with the session cookie', () => {
  let server: RunningServer;
  let session: string;
  beforeAll(async () => {
    ({ server } = await start());
    session = sessionOf(await login(server.url));
  });
  afterAll(() => server.close());

  const create = (name: string, headers: Record<string, string>) =>
    fetch(`${server.url}/api/trpc/environments.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name }),
    });
  const exists = async (name: string) => {
    const res = await fetch(
      `${server.url}/api/trpc/environments.list?input=${encodeURIComponent('{}')}`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
    );
    const body = (await res.json()) as { result: { data: { name: string }[] } };
    return body.result.data.some((e) => e.name === name);
  };

  it('are refused (403) from another origin, and change nothing', async () => {
    const res = await create('from-evil', { cookie: session, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { message: string; data: { ferryCode: string } } };
    expect(body.error.data.ferryCode).toBe('FORBIDDEN');
    expect(body.error.message).toMatch(/Cross-origin/);
    // A Referer from elsewhere, or no origin at all, is refused the same way.
    expect(
      (await create('from-evil-2', { cookie: session, referer: 'http://evil.example/x' })).status,
    ).toBe(403);
    expect((await create('from-nowhere', { cookie: session })).status).toBe(403);
    // The same host on another scheme is another origin.
    const host = new URL(server.url).host;
    expect(
      (await create('from-https', { cookie: session, origin: `https://${host}` })).status,
    ).toBe(403);
    for (const name of ['from-evil', 'from-evil-2', 'from-nowhere', 'from-https'])
      expect(await exists(name)).toBe(false);
  });

  it('are allowed from the server’s own origin (Origin or Referer)', async () => {
    expect((await create('same-origin', { cookie: session, origin: server.url })).status).toBe(200);
    expect(
      (await create('same-referer', { cookie: session, referer: `${server.url}/environments` }))
        .status,
    ).toBe(200);
    expect(await exists('same-origin')).toBe(true);
    expect(await exists('same-referer')).toBe(true);
  });

  it('leave bearer-token calls and cookie reads alone, whatever their origin', async () => {
    const res = await create('by-token', {
      authorization: `Bearer ${TOKEN}`,
      cookie: session,
      origin: 'https://elsewhere.example',
    });
    expect(res.status).toBe(200);
    const read = await fetch(`${server.url}/api/trpc/auth.whoami`, {
      headers: { cookie: session, origin: 'https://elsewhere.example' },
    });
    expect(read.status).toBe(200);
  });
});

describe('a database error in the log', () => {
  const SECRET = `user-typed-${randomBytes(6).toString('hex')}`;

  it('has its code and message but none of the values the request sent', async () => {
    // The web UI's handler (the fallback) hits a database error with a value from the request.
    const late: { db?: Db } = {}; // the server's database, once it has started
    const { server, log } = await start({
      fallback: async (req) => {
        const value = must(
          new URL(must(req.url, 'req.url'), 'http://x').searchParams.get('q'),
          "new URL(req.url!, 'http://x').searchParams.get('q')",
        );
        await must(late.db, 'late.db').execute(sql`select ${value}::integer`);
        return true;
      },
    });
    late.db = server.services.database.db;
    try {
      const res = await fetch(`${server.url}/search?q=${SECRET}`);
      expect(res.status).toBe(500);
      const lines = log.filter((l) => l.includes('request failed'));
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(must(lines[0], 'lines[0]')) as {
        requestId: string;
        err: Record<string, unknown>;
      };
      expect(entry.requestId).toBe(res.headers.get('x-request-id'));
      expect(entry.err).toMatchObject({
        code: '22P02',
        message: expect.stringMatching(/invalid input syntax for type integer/),
      });
      expect(log.join('')).not.toContain(SECRET);
    } finally {
      await server.close();
    }
  });

  it.each(testDatabaseKinds())(
    'as tRPC and Drizzle wrap it on %s: no parameters, query values or detail',
    async (kind) => {
      const db = await openTestDatabase(kind);
      try {
        await db.db.execute(sql`create table t (name text primary key)`);
        await db.db.execute(sql`insert into t values (${SECRET})`);
        for (const query of [
          sql`select ${SECRET}::integer`,
          sql`insert into t values (${SECRET})`, // detail: Key (name)=(…) already exists
        ]) {
          const thrown = await db.db.execute(query).then(
            () => null,
            (e: unknown) => e,
          );
          expect(thrown).toBeInstanceOf(Error);
          const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: thrown });
          for (const err of [thrown, wrapped]) {
            const logged = loggableError(err);
            expect(logged.code).toMatch(/^(22P02|23505)$/);
            expect(JSON.stringify(logged)).not.toContain(SECRET);
            // Through Ferry's serializers, logged raw or as loggableError made it: its type kept.
            for (const value of [err, logged]) {
              const line = pinoLine(value, logSerializers);
              expect(line.err).toMatchObject({ type: logged.type, code: logged.code });
              expect(JSON.stringify(line)).not.toContain(SECRET);
            }
          }
          // What the raw error would have put in the log.
          expect(JSON.stringify(pinoLine(thrown))).toContain(SECRET);
        }
      } finally {
        await db.close();
      }
    },
  );
});

/** The line pino writes for `err` with `serializers` (by default its standard error serializer). */
function pinoLine(
  err: unknown,
  serializers?: pino.LoggerOptions['serializers'],
): { err: Record<string, unknown> } {
  let line = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      line += chunk.toString();
      done();
    },
  });
  pino({ ...(serializers && { serializers }) }, stream).error({ err }, 'x');
  return JSON.parse(line) as { err: Record<string, unknown> };
}
