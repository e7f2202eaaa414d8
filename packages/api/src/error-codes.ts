// Ferry's error codes and the tRPC codes they travel as: data only, no server imports, so that the
// web UI (`@ferry/api/error-codes`) maps the in-process caller's errors with the same table.
import type { FerryError } from '@ferry/core';
import type { TRPCError } from '@trpc/server';

export type ApiErrorCode = FerryError['code'] | 'UNAUTHORIZED' | 'TOO_MANY_REQUESTS';

export const TRPC_CODE = {
  VALIDATION: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
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
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
};
