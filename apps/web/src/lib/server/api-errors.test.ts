import { describe, expect, it } from 'vitest';
import { isHttpError } from '@sveltejs/kit';
import { apiFailure, loadFailure } from './api-errors';

/** What the in-process tRPC caller throws: an Error with tRPC's `code` (and Ferry's extras). */
const trpcError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('apiFailure', () => {
  it("keeps Ferry's own code and the offending field", () => {
    const e = trpcError('CONFLICT', 'changed', { ferryCode: 'CONFLICT', path: 'baseRevision' });
    expect(apiFailure(e)).toEqual({ code: 'CONFLICT', message: 'changed', field: 'baseRevision' });
  });

  it("maps tRPC's own codes through the API's table", () => {
    const e = trpcError('PAYLOAD_TOO_LARGE', 'too big');
    expect(apiFailure(e)).toEqual({ code: 'VALIDATION', message: 'too big' });
  });

  it('names the first invalid input field, in a sentence about it', () => {
    const cause = Object.assign(new Error('invalid'), {
      issues: [{ path: ['name'], message: 'must not be empty' }],
    });
    const e = trpcError('BAD_REQUEST', 'invalid', { cause });
    expect(apiFailure(e)).toMatchObject({
      code: 'VALIDATION',
      message: 'The name must not be empty.',
      field: 'name',
    });
  });

  it('leaves unexpected errors to SvelteKit (500)', () => {
    expect(apiFailure(trpcError('INTERNAL_SERVER_ERROR', 'bug'))).toBeNull();
    expect(apiFailure(new Error('boom'))).toBeNull();
  });

  it('shows an unreachable database as a 503 page that quotes the request id', () => {
    const message =
      'The Ferry server cannot reach its database; try again shortly (request 0192-abc).';
    const e = trpcError('SERVICE_UNAVAILABLE', message, { ferryCode: 'UNAVAILABLE' });
    expect(apiFailure(e)).toEqual({ code: 'UNAVAILABLE', message });
    try {
      loadFailure(e);
      expect.unreachable();
    } catch (thrown) {
      expect(isHttpError(thrown, 503) && thrown.body.message).toBe(message);
    }
  });
});
