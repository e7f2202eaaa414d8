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
  ) {
    super({ code: TRPC_CODE[ferryCode], message });
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
