// A unique index refused a row (PostgreSQL 23505), whichever driver or Drizzle wrapper reports it.
// Checks before inserts give the friendly message; this catches the race between check and insert.
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
