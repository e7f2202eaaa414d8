// One plain API call answered directly (trpc-direct.ts) is answered as tRPC's own HTTP handler
// answers it: the same status, headers and body for a result, each kind of refusal, a body that is
// not JSON, a session cookie and a throttled sign-in. Which requests are answered directly and which
// are left to tRPC (batches, other methods and content types, bodies without a length or over the
// limit, unknown paths).
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migratedPgliteTemplate } from '@ferry/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from './context.js';
import { appRouter } from './router.js';
import { startServer, type RunningServer } from './server.js';
import { retryAfterHeaders } from './sign-in-throttle.js';
import { createTestApi, type TestApi } from './test-support/harness.js';
import { answerDirectly } from './trpc-direct.js';

const PASSWORD = 'correct horse battery';
const TOKEN = 'ferry_trpc-direct-test-token';

interface Call {
  method: 'GET' | 'POST';
  path: string;
  /** The query string's `input` (GET). */
  input?: string;
  body?: string;
  token?: boolean;
  cookie?: string;
}

describe('a plain call answered directly, beside the same call answered by tRPC', () => {
  let server: RunningServer;
  let session = '';
  let n = 0;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      dataDir: null,
      pgliteTemplate: (await migratedPgliteTemplate()).tarball,
      adminPassword: PASSWORD,
      adminToken: TOKEN,
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });
  });
  afterAll(() => server.close());

  /** The call as sent (`direct`), or with a query parameter tRPC ignores, which sends it to tRPC. */
  const send = async (call: Call, via: 'direct' | 'tRPC') => {
    const params = new URLSearchParams();
    if (call.input !== undefined) params.set('input', call.input);
    if (via === 'tRPC') params.set('via', 'trpc');
    const query = params.size > 0 ? `?${params.toString()}` : '';
    const res = await fetch(`${server.url}/api/trpc/${call.path}${query}`, {
      method: call.method,
      headers: {
        // The same request id for both, so that bodies naming it compare equal.
        'x-request-id': `trpc-direct-${String(++n)}`,
        ...(call.body !== undefined && { 'content-type': 'application/json' }),
        ...(call.token && { authorization: `Bearer ${TOKEN}` }),
        // A call signed with the session cookie comes from the server's own pages.
        ...(call.cookie && { cookie: call.cookie, origin: server.url }),
      },
      ...(call.body !== undefined && { body: call.body }),
    });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      vary: res.headers.get('vary'),
      retryAfter: res.headers.get('retry-after') !== null,
      cookie: res.headers.get('set-cookie')?.split('=')[0] ?? null,
      body: JSON.parse(text.replace(/"expiresAt":"[^"]*"/g, '"expiresAt":"…"')) as unknown,
      rawCookie: res.headers.get('set-cookie'),
    };
  };
  const both = async (call: Call) => {
    const direct = await send(call, 'direct');
    const viaTrpc = await send(call, 'tRPC');
    const { rawCookie, ...shown } = direct;
    const { rawCookie: _, ...shownTrpc } = viaTrpc;
    expect(shown).toEqual(shownTrpc);
    return { ...shown, rawCookie };
  };

  it('a query with and without input, and a mutation: the same result', async () => {
    const whoami = await both({ method: 'GET', path: 'auth.whoami', token: true });
    expect(whoami).toMatchObject({
      status: 200,
      contentType: 'application/json',
      vary: 'trpc-accept, accept, Accept-Encoding',
      body: { result: { data: { name: 'admin', role: 'admin' } } },
    });
    const created = await send(
      { method: 'POST', path: 'automations.create', body: '{"name":"direct one"}', token: true },
      'direct',
    );
    expect(created.body).toMatchObject({ result: { data: { name: 'direct one' } } });
    const shown = await both({
      method: 'GET',
      path: 'automations.show',
      input: JSON.stringify({ automation: 'direct one' }),
      token: true,
    });
    expect(shown.body).toMatchObject({ result: { data: { name: 'direct one' } } });
  });

  it('each kind of refusal: the same status, error shape and message', async () => {
    const cases: [Call, number, string][] = [
      [{ method: 'GET', path: 'auth.whoami' }, 401, 'UNAUTHORIZED'],
      [
        { method: 'GET', path: 'automations.show', input: '{"automation":"nope"}', token: true },
        404,
        'NOT_FOUND',
      ],
      [{ method: 'GET', path: 'automations.show', input: '{', token: true }, 400, 'VALIDATION'],
      [{ method: 'POST', path: 'automations.create', body: '{}', token: true }, 400, 'VALIDATION'],
      [{ method: 'POST', path: 'automations.create', body: '{', token: true }, 400, 'VALIDATION'],
      [{ method: 'POST', path: 'automations.create', body: '', token: true }, 400, 'VALIDATION'],
      [
        { method: 'POST', path: 'automations.create', body: 'null', token: true },
        400,
        'VALIDATION',
      ],
      [
        { method: 'POST', path: 'automations.create', body: '{"name":"direct one"}', token: true },
        409,
        'CONFLICT',
      ],
      [{ method: 'POST', path: 'automations.create', body: '{"name":"x"}' }, 401, 'UNAUTHORIZED'],
    ];
    for (const [call, status, ferryCode] of cases) {
      const answer = await both(call);
      expect(answer.status, JSON.stringify(call)).toBe(status);
      expect(answer.body).toMatchObject({ error: { data: { ferryCode, httpStatus: status } } });
    }
  });

  it('sign-in and sign-out: the same answer and the same session cookie', async () => {
    const login = (via: 'direct' | 'tRPC') =>
      send(
        {
          method: 'POST',
          path: 'auth.login',
          body: JSON.stringify({ name: 'admin', password: PASSWORD }),
        },
        via,
      );
    const [direct, viaTrpc] = [await login('direct'), await login('tRPC')];
    expect(direct.status).toBe(200);
    expect({ ...direct, rawCookie: null }).toEqual({ ...viaTrpc, rawCookie: null });
    expect(direct.cookie).toBe(viaTrpc.cookie);
    session = (direct.rawCookie ?? '').split(';')[0] ?? '';
    expect(
      (await both({ method: 'GET', path: 'auth.whoami', cookie: session })).body,
    ).toMatchObject({ result: { data: { name: 'admin' } } });
    const out = await send(
      { method: 'POST', path: 'auth.logout', body: '{}', cookie: session },
      'direct',
    );
    expect(out.body).toEqual({ result: { data: { signedOut: true } } });
    expect(out.rawCookie).toMatch(/Max-Age=0/);
    expect((await both({ method: 'GET', path: 'auth.whoami', cookie: session })).status).toBe(401);
  });

  it('a throttled sign-in: 429 with Retry-After on both', async () => {
    const wrong = {
      method: 'POST',
      path: 'auth.login',
      body: '{"name":"admin","password":"no"}',
    } as const;
    for (let i = 0; i < 5; i++) expect((await send(wrong, 'direct')).status).toBe(401);
    const throttled = await both(wrong);
    expect(throttled).toMatchObject({ status: 429, retryAfter: true });
  });
});

describe('which calls are answered directly', () => {
  let api: TestApi;
  let plain: Server;
  let url = '';
  beforeAll(async () => {
    api = await createTestApi('pglite');
    // Answers directly, or "left" (599) when answerDirectly leaves the request untouched.
    plain = createServer((req, res) => {
      void answerDirectly(req, res, {
        router: appRouter,
        basePath: '/api/trpc/',
        maxBodySize: 1000,
        headersFor: retryAfterHeaders,
        createContext: () =>
          Promise.resolve(createContextInner({ services: api.services, caller: api.users.viewer })),
        onError: () => {},
      }).then((answered) => {
        if (answered) return;
        res.statusCode = 599;
        // What was left must still be readable: tRPC reads the body itself.
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => res.end(body));
      });
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${String((plain.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => plain.close(resolve));
    await api.close();
  });

  /** Status and body of a raw request (headers as given, the body written in `chunks`). */
  const raw = (
    method: string,
    path: string,
    headers: Record<string, string>,
    chunks: string[] = [],
  ) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  const json = { 'content-type': 'application/json' };
  const sized = (body: string) => ({ ...json, 'content-length': String(Buffer.byteLength(body)) });

  it('answers one query or one mutation with a JSON body of known length', async () => {
    expect((await raw('GET', '/api/trpc/auth.whoami', {})).status).toBe(200);
    expect((await raw('GET', '/api/trpc/automations.list?input=%7B%7D', {})).status).toBe(200);
    const body = '{"name":"a viewer may not"}';
    const refused = await raw('POST', '/api/trpc/automations.create', sized(body), [body]);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { data: { ferryCode: 'FORBIDDEN' } } });
    const split = await raw('POST', '/api/trpc/automations.create', sized(body), [
      body.slice(0, 5),
      body.slice(5),
    ]);
    expect(split.status).toBe(403);
  });

  it('leaves everything else to tRPC, with its body unread', async () => {
    const body = '{"name":"x"}';
    const left: [string, string, Record<string, string>, string[]][] = [
      ['GET', '/api/trpc/auth.whoami,auth.whoami?batch=1&input=%7B%7D', {}, []],
      ['GET', '/api/trpc/auth.whoami?batch=1', {}, []],
      ['GET', '/api/trpc/auth.whoami?input=1&input=2', {}, []],
      ['GET', '/api/trpc/automations.create', {}, []],
      ['GET', '/api/trpc/no.such.procedure', {}, []],
      ['GET', '/api/trpc/auth%2Ewhoami', {}, []],
      ['GET', '/api/trpc/auth.whoami', { 'trpc-accept': 'application/jsonl' }, []],
      ['GET', '/api/trpc/auth.whoami', { accept: 'text/html, application/jsonl' }, []],
      ['HEAD', '/api/trpc/auth.whoami', {}, []],
      ['PUT', '/api/trpc/automations.create', sized(body), [body]],
      ['POST', '/api/trpc/auth.whoami', sized(body), [body]],
      ['POST', '/api/trpc/automations.create?batch=1', sized(body), [body]],
      [
        'POST',
        '/api/trpc/automations.create',
        { 'content-type': 'text/plain', 'content-length': '12' },
        [body],
      ],
      ['POST', '/api/trpc/automations.create', { 'content-length': '12' }, [body]],
      ['POST', '/api/trpc/automations.create', json, [body]],
      ['POST', '/api/trpc/automations.create', sized('x'.repeat(1001)), ['x'.repeat(1001)]],
    ];
    for (const [method, path, headers, chunks] of left) {
      const answer = await raw(method, path, headers, chunks);
      expect(answer.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(599);
      if (method !== 'HEAD') expect(answer.body).toBe(chunks.join(''));
    }
  });
});
