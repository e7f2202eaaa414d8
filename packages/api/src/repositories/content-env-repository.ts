// How often each snapshot references each environment variable, one row per root (`content_env`),
// written once and never changed (a root's content never changes).
import { schema, type Db } from '@ferry/db';
import { and, eq, isNull } from 'drizzle-orm';

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

/** The names the whole-content analysis found for a root with wrappers, or null when not yet. */
export async function storedResolved(db: Db, root: string): Promise<string[] | null> {
  const [row] = await db
    .select({ resolved: schema.contentEnv.resolved })
    .from(schema.contentEnv)
    .where(eq(schema.contentEnv.root, root));
  return row?.resolved ?? null;
}

/** Remember them (once: a root's content never changes). */
export async function recordResolved(
  db: Db,
  root: string,
  names: readonly string[],
): Promise<void> {
  await db
    .update(schema.contentEnv)
    .set({ resolved: [...names] })
    .where(and(eq(schema.contentEnv.root, root), isNull(schema.contentEnv.resolved)));
}
