// One mapping of Ferry's error codes to tRPC's (and so to HTTP statuses).
import type { FerryError } from '@ferry/core';
import { TRPCError } from '@trpc/server';
import { TRPC_CODE, type ApiErrorCode } from './error-codes.js';

export { FERRY_CODE_OF, type ApiErrorCode } from './error-codes.js';

/** An expected failure, with Ferry's stable code, the offending field and machine-readable details. */
export class FerryApiError extends TRPCError {
  constructor(
    readonly ferryCode: ApiErrorCode,
    message: string,
    readonly path?: string,
    readonly details?: Record<string, unknown>,
    cause?: unknown,
  ) {
    super({ code: TRPC_CODE[ferryCode], message, ...(cause !== undefined && { cause }) });
  }
}

export const fail = (
  code: ApiErrorCode,
  message: string,
  path?: string,
  details?: Record<string, unknown>,
): never => {
  throw new FerryApiError(code, message, path, details);
};

/** Unwrap a core Result, turning its error into the API error. */
export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: FerryError }): T {
  if (result.ok) return result.value;
  const { code, message, path, details } = result.error;
  throw new FerryApiError(code, message, path, details);
}

/**
 * The database cannot be reached (HTTP 503). It carries the request id, so that a client can quote
 * it even when the failure came before the request had a context (its caller's credentials are
 * looked up in the database).
 */
export class UnavailableError extends FerryApiError {
  constructor(
    readonly requestId: string | undefined,
    cause?: unknown,
  ) {
    super(
      'UNAVAILABLE',
      `The Ferry server cannot reach its database; try again shortly${requestId ? ` (request ${requestId})` : ''}.`,
      undefined,
      undefined,
      cause,
    );
  }
}

// Failures of the connection rather than of the statement: the socket's own errors, postgres-js's
// connection states, and PostgreSQL's connection-exception class (08), shutdown (57P01 admin
// shutdown on a restart, 57P02 crash, 57P03 starting up) and connection limit (53300). PGlite runs
// in this process and cannot become unreachable; after close() it throws none of these.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * The database-level code when an error (or one of its causes: Drizzle wraps the driver's error,
 * tRPC wraps Drizzle's) says the database could not be reached; undefined for any other error.
 */
export function unavailableCause(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof UnavailableError) return 'UNAVAILABLE';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08...$/.test(code)))
      return code;
    e = e.cause;
  }
  return undefined;
}
