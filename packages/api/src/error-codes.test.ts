import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { FERRY_CODE_OF, HTTP_STATUS, TRPC_CODE, type ApiErrorCode } from './error-codes.js';

const codes = Object.keys(TRPC_CODE) as ApiErrorCode[];

describe('error tables', () => {
  it.each(codes)('%s answers the web UI with the HTTP status the API answers with', (code) => {
    const status = getHTTPStatusCodeFromError(new TRPCError({ code: TRPC_CODE[code] }));
    expect(HTTP_STATUS[code]).toBe(status);
  });

  it.each(codes)('%s travels as a tRPC code that maps back to it', (code) => {
    expect(FERRY_CODE_OF[TRPC_CODE[code]]).toBe(code);
  });
});
