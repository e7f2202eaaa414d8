// One mapping of Ferry's error codes to tRPC's (and so to HTTP statuses).
import type { FerryError } from '@ferry/core';
import { TRPCError } from '@trpc/server';

export type ApiErrorCode = FerryError['code'] | 'UNAUTHORIZED';

const TRPC_CODE = {
  VALIDATION: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
} as const satisfies Record<ApiErrorCode, TRPCError['code']>;

/** The other way: Ferry's code for a tRPC error code (anything unlisted is unexpected). */
export const FERRY_CODE_OF: Partial<Record<TRPCError['code'], ApiErrorCode>> = {
  BAD_REQUEST: 'VALIDATION',
  PARSE_ERROR: 'VALIDATION',
  PAYLOAD_TOO_LARGE: 'VALIDATION',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
};

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
