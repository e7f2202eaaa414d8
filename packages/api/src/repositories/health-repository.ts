// Readiness: whether the database answers a query now.
import type { Db } from '@ferry/db';
import { sql } from 'drizzle-orm';

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
