// Following one request through the logs: a client's sane X-Request-Id is kept and echoed (else a
// new one), and everything logged for the request — by the server, a procedure, the web UI — names it.
import { Writable } from 'node:stream';
import { migratedPgliteTemplate } from '@ferry/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from './context.js';
import { startServer, type RunningServer, type WebRequest } from './server.js';
import { createTestApi, type TestApi } from './test-support/harness.js';
import { createCallerFactory, procedure, router } from './trpc.js';
import { must } from '@ferry/core';

const TOKEN = 'ferry_request_id_test_token_0123456789';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('the request id', () => {
  let server: RunningServer;
  const { lines, logger } = logSink();
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      dataDir: null,
      pgliteTemplate: (await migratedPgliteTemplate()).tarball,
      adminToken: TOKEN,
      logger,
      announce: () => {},
      // The web UI's side: what it logs through the request's logger names the request.
      fallback: (req: WebRequest, res) => {
        must(req.ferry, 'req.ferry').log.info({ page: req.url }, 'page rendered');
        res.end(`request ${must(req.ferry, 'req.ferry').requestId}`);
        return true;
      },
    });
  });
  afterAll(() => server.close());

  it("keeps a client's sane id, echoes it and logs the request under it with the caller", async () => {
    const id = 'ci-run:4711.step-3';
    const res = await fetch(`${server.url}/api/trpc/auth.whoami`, {
      headers: { 'x-request-id': id, authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(id);
    await res.text();
    // The line is written when the response has finished on the server (its compressed body
    // flushed), which can be a moment after the client has read it.
    await expect
      .poll(() => lines)
      .toContainEqual(
        expect.objectContaining({
          msg: 'request',
          requestId: id,
          path: '/api/trpc/auth.whoami',
          status: 200,
          user: 'admin',
        }),
      );
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['a space', 'two words'],
    ['a header-like character', 'id;drop'],
    ['a slash', '../etc'],
    ['non-ASCII', 'café'],
    ['empty', ''],
  ])('replaces an id with %s by a new one', async (_what, given) => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': given } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID_V7);
    expect(lines.filter((l) => l.requestId === given)).toEqual([]);
  });

  it('accepts the longest sane id (128 characters)', async () => {
    const id = `${'A1._:-'.repeat(21)}xy`;
    expect(id).toHaveLength(128);
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': id } });
    expect(res.headers.get('x-request-id')).toBe(id);
  });

  it('reaches the web UI with the request logger bound to it', async () => {
    const res = await fetch(`${server.url}/some/page`, { headers: { 'x-request-id': 'page-1' } });
    expect(await res.text()).toBe('request page-1');
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'page rendered', requestId: 'page-1', page: '/some/page' }),
    );
  });
});

describe("a procedure's logger (ctx.log)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi('pglite');
  });
  afterAll(() => api.close());

  it('names the request, the procedure and the user', async () => {
    const { lines, logger } = logSink();
    const probe = router({
      probe: procedure('read').query(({ ctx }) => {
        ctx.log.warn('inside the procedure');
        return ctx.requestId;
      }),
    });
    const ctx = createContextInner({
      services: { ...api.services, logger },
      caller: api.users.viewer,
      requestId: 'proc-9',
    });
    expect(await createCallerFactory(probe)(ctx).probe()).toBe('proc-9');
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'inside the procedure',
        requestId: 'proc-9',
        path: 'probe',
        user: 'viewer',
      }),
    ]);
  });
});
