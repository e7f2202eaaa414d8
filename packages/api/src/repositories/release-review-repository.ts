// Approvals of and comments on releases (issue 14): rows <-> the core's Approval and
// ReleaseComment, read per release or for many releases at once, and written.
import type { Approval, ReleaseComment } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { asc, inArray } from 'drizzle-orm';

const toApproval = (row: typeof schema.releaseApprovals.$inferSelect): Approval => ({
  ...row,
  at: row.at.toISOString(),
});
const toComment = (row: typeof schema.releaseComments.$inferSelect): ReleaseComment => ({
  ...row,
  at: row.at.toISOString(),
});

/** The approvals of each release, oldest first (every id asked for has an entry). */
export async function approvalsOf(
  db: Db,
  releaseIds: readonly string[],
): Promise<Map<string, Approval[]>> {
  const out = new Map<string, Approval[]>(releaseIds.map((id) => [id, []]));
  if (releaseIds.length === 0) return out;
  const rows = await db
    .select()
    .from(schema.releaseApprovals)
    .where(inArray(schema.releaseApprovals.releaseId, [...new Set(releaseIds)]))
    .orderBy(asc(schema.releaseApprovals.at), asc(schema.releaseApprovals.by));
  for (const row of rows) out.get(row.releaseId)?.push(toApproval(row));
  return out;
}

/** The comments on each release, oldest first (every id asked for has an entry). */
export async function commentsOf(
  db: Db,
  releaseIds: readonly string[],
): Promise<Map<string, ReleaseComment[]>> {
  const out = new Map<string, ReleaseComment[]>(releaseIds.map((id) => [id, []]));
  if (releaseIds.length === 0) return out;
  const rows = await db
    .select()
    .from(schema.releaseComments)
    .where(inArray(schema.releaseComments.releaseId, [...new Set(releaseIds)]))
    .orderBy(asc(schema.releaseComments.at), asc(schema.releaseComments.id));
  for (const row of rows) out.get(row.releaseId)?.push(toComment(row));
  return out;
}

export async function insertApproval(tx: Db, a: Approval): Promise<void> {
  await tx.insert(schema.releaseApprovals).values({ ...a, at: new Date(a.at) });
}

export async function insertComment(tx: Db, c: ReleaseComment): Promise<void> {
  await tx.insert(schema.releaseComments).values({ ...c, at: new Date(c.at) });
}
