// Ferry's error codes, the tRPC codes they travel as and the HTTP status they answer with: data
// only, no server imports, so that the web UI (`@ferry/api/error-codes`) maps the in-process
// caller's errors with the same tables.
import type { FerryError } from '@ferry/core';
import type { TRPCError } from '@trpc/server';

export type ApiErrorCode =
  FerryError['code'] | 'UNAUTHORIZED' | 'TOO_MANY_REQUESTS' | 'UNAVAILABLE';

export const TRPC_CODE = {
  VALIDATION: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  /** The database cannot be reached right now (HTTP 503); the same request may succeed later. */
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const satisfies Record<ApiErrorCode, TRPCError['code']>;

/** The HTTP status each code answers with: tRPC's status for its `TRPC_CODE`. */
export const HTTP_STATUS = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  TOO_MANY_REQUESTS: 429,
  // The database is unreachable: the message carries the request id, and the same request
  // succeeds once it is back.
  UNAVAILABLE: 503,
} as const satisfies Record<ApiErrorCode, number>;

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
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
};
