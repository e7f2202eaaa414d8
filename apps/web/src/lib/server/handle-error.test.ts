// handleError: a page's unexpected failure is logged through the server's logger under the request
// id (a database error without the values users sent) and the id is what the user sees.
import { Writable } from 'node:stream';
import { requestLogger } from '@ferry/api';
import type { RequestEvent } from '@sveltejs/kit';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { handleError } from './handle-error';
import { must } from '@ferry/core';

/** The request as the Ferry server hands it to the web UI: its id and its bound logger. */
function pageRequest(requestId: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  // The logger the server binds to each request (requestId, and `err` without users' values).
  const log = requestLogger(pino(stream), { requestId });
  const event = {
    platform: { req: { ferry: { requestId, log } } },
    route: { id: '/automations/[id]' },
  } as unknown as RequestEvent;
  return { event, lines };
}

describe('handleError', () => {
  it('logs an unexpected failure under the request id and shows the id to the user', async () => {
    const { event, lines } = pageRequest('req-500');
    const shown = await handleError({
      error: new TypeError('boom'),
      event,
      status: 500,
      message: 'Internal Error',
    });
    expect(shown).toEqual({ message: 'Internal Error (request req-500)', requestId: 'req-500' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'page failed',
        requestId: 'req-500',
        status: 500,
        route: '/automations/[id]',
        err: expect.objectContaining({ type: 'TypeError', message: 'boom' }),
      }),
    ]);
  });

  it('logs a database error without the values the request sent', async () => {
    const { event, lines } = pageRequest('req-db');
    const dbError = Object.assign(
      new Error('invalid input syntax for type integer: "s3cret-typed"'),
      { code: '22P02', severity: 'ERROR' },
    );
    await handleError({ error: dbError, event, status: 500, message: 'Internal Error' });
    expect(lines).toHaveLength(1);
    expect(must(lines[0], 'lines[0]').err).toMatchObject({ code: '22P02' });
    expect(JSON.stringify(lines)).not.toContain('s3cret-typed');
  });

  it('neither logs a missing page nor adds the id to its message', async () => {
    const { event, lines } = pageRequest('req-404');
    const shown = await handleError({
      error: new Error('Not found: /nope'),
      event,
      status: 404,
      message: 'Not Found',
    });
    expect(shown).toEqual({ message: 'Not Found', requestId: 'req-404' });
    expect(lines).toEqual([]);
  });
});
