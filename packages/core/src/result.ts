// Expected failures are data, not exceptions: every fallible core function returns a Result.
export type ErrorCode =
  'VALIDATION' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'PRECONDITION_FAILED';

export interface FerryError {
  code: ErrorCode;
  /** One clear sentence naming what was wrong. */
  message: string;
  /** JSON pointer (or field name) of the offending input, when there is one. */
  path?: string;
  /** Machine-readable extras, e.g. the missing environment variable names. */
  details?: Record<string, unknown>;
}

export type Result<T, E = FerryError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export const err = (
  code: ErrorCode,
  message: string,
  extra: { path?: string; details?: Record<string, unknown> } = {},
): { ok: false; error: FerryError } => ({ ok: false, error: { code, message, ...extra } });
