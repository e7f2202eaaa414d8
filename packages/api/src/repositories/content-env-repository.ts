// How often each snapshot references each environment variable, one row per root (`content_env`),
// written once and never changed (a root's content never changes).
import { schema, type Db } from '@ferry/db';
import { eq } from 'drizzle-orm';

export async function storedCounts(db: Db, root: string): Promise<Record<string, number> | null> {
  const [row] = await db.select().from(schema.contentEnv).where(eq(schema.contentEnv.root, root));
  return row ? { ...row.names } : null;
}

export async function recordCounts(
  db: Db,
  root: string,
  counts: Record<string, number>,
): Promise<void> {
  await db.insert(schema.contentEnv).values({ root, names: counts }).onConflictDoNothing();
}
