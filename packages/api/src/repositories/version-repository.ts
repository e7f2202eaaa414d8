// Versions: rows <-> the core's Version, look-ups by reference or id, and the version writes.
import { resolveVersionRef, type Version, type VersionKind } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { fail } from '../errors.js';

export type VersionRow = typeof schema.versions.$inferSelect;

export const toVersion = (row: VersionRow): Version => ({
  id: row.id,
  automationId: row.automationId,
  number: row.number,
  name: row.name,
  description: row.description,
  author: row.author,
  createdAt: row.createdAt.toISOString(),
  root: row.root,
  automatic: row.automatic,
  kind: row.kind as VersionKind,
  pinned: row.pinned,
});

export const fromVersion = (v: Version): typeof schema.versions.$inferInsert => ({
  ...v,
  createdAt: new Date(v.createdAt),
});

export const listVersions = (db: Db, automationId: string): Promise<VersionRow[]> =>
  db
    .select()
    .from(schema.versions)
    .where(eq(schema.versions.automationId, automationId))
    .orderBy(asc(schema.versions.number));

export async function insertVersions(tx: Db, ...list: Version[]): Promise<void> {
  if (list.length > 0) await tx.insert(schema.versions).values(list.map(fromVersion));
}

/** What an API answer says about a version (metadata, never content). */
export const versionSummary = (v: Version) => ({
  id: v.id,
  number: v.number,
  name: v.name,
  description: v.description,
  author: v.author,
  createdAt: v.createdAt,
  automatic: v.automatic,
  kind: v.kind,
  pinned: v.pinned,
  contentHash: v.root,
});

/** A version of an automation by reference: N, #N, id, or name (the newest with it). */
export async function findVersion(
  db: Db,
  automation: { id: string },
  ref: string,
  field = 'version',
): Promise<Version> {
  const found = resolveVersionRef((await listVersions(db, automation.id)).map(toVersion), ref);
  return found.ok ? found.value : fail('NOT_FOUND', found.error.message, field);
}

/** Whether a saved version of the automation holds this content (rule 15: then no backup is needed). */
export async function versionHolds(db: Db, automationId: string, root: string): Promise<boolean> {
  const [row] = await db
    .select({ id: schema.versions.id })
    .from(schema.versions)
    .where(and(eq(schema.versions.automationId, automationId), eq(schema.versions.root, root)))
    .limit(1);
  return row !== undefined;
}

/** A version by id, or null. */
export async function versionById(db: Db, id: string): Promise<Version | null> {
  const [row] = await db.select().from(schema.versions).where(eq(schema.versions.id, id));
  return row ? toVersion(row) : null;
}

/** Versions by id (the ones a ledger points at), in one query. */
export async function versionsById(db: Db, ids: readonly string[]): Promise<Map<string, Version>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(schema.versions)
    .where(inArray(schema.versions.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, toVersion(r)]));
}

/** Delete versions by id (the caller has checked that the rules allow it). */
export async function deleteVersions(tx: Db, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await tx.delete(schema.versions).where(inArray(schema.versions.id, [...ids]));
}

/** Pin a version (retention never prunes it) or unpin it. */
export async function setVersionPinned(tx: Db, id: string, pinned: boolean): Promise<void> {
  await tx.update(schema.versions).set({ pinned }).where(eq(schema.versions.id, id));
}
