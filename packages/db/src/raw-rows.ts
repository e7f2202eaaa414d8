// The rows of a raw statement (`db.execute`), whichever driver ran it: postgres-js answers an
// array, PGlite an object with `rows`.
import type { SQL } from 'drizzle-orm';
import type { Db } from './database.js';

export async function rawRows<T extends object = Record<string, unknown>>(
  db: Db,
  statement: SQL,
): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
