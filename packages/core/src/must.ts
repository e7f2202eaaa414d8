// `must(value, what)`: a value the code's own invariants guarantee, checked instead of asserted, so
// a broken invariant fails at once with a message naming what was missing (never a later TypeError).

/** A broken internal invariant: a bug in Ferry, not bad input (input errors have their own codes). */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** `value`, which must be present here; throws an InternalError naming `what` when it is not. */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined)
    throw new InternalError(`Internal error: ${what} is missing.`);
  return value;
}
