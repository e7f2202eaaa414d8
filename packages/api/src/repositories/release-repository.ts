// Releases and the upgrade ledger: rows <-> the core's Release and Upgrade.
import type { Release, ReleaseStatus, Upgrade } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { and, asc, eq } from 'drizzle-orm';

export type ReleaseRow = typeof schema.releases.$inferSelect;
export type UpgradeRow = typeof schema.upgrades.$inferSelect;

export const toRelease = (row: ReleaseRow): Release => {
  // The kept names are display data for deleted parties (see automationNames), not release state.
  const { sourceName: _source, targetName: _target, ...rest } = row;
  return {
    ...rest,
    status: row.status as ReleaseStatus,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt ? row.decidedAt.toISOString() : null,
  };
};

export const fromRelease = (r: Release): typeof schema.releases.$inferInsert => ({
  ...r,
  createdAt: new Date(r.createdAt),
  decidedAt: r.decidedAt ? new Date(r.decidedAt) : null,
});

export const toUpgrade = (row: UpgradeRow): Upgrade => {
  const { seq: _seq, ...rest } = row;
  return { ...rest, at: row.at.toISOString() };
};

/** The target's upgrade ledger, oldest first. */
export async function ledgerOf(db: Db, targetId: string): Promise<Upgrade[]> {
  const rows = await db
    .select()
    .from(schema.upgrades)
    .where(eq(schema.upgrades.targetId, targetId))
    .orderBy(asc(schema.upgrades.seq));
  return rows.map(toUpgrade);
}

export async function pendingReleaseOf(db: Db, targetId: string): Promise<Release | null> {
  const [row] = await db
    .select()
    .from(schema.releases)
    .where(and(eq(schema.releases.targetId, targetId), eq(schema.releases.status, 'pending')));
  return row ? toRelease(row) : null;
}

/** Upsert a release's changed state (status, decision). */
export async function storeRelease(tx: Db, r: Release): Promise<void> {
  const values = fromRelease(r);
  await tx
    .insert(schema.releases)
    .values(values)
    .onConflictDoUpdate({ target: schema.releases.id, set: values });
}

export const releaseSummary = (r: Release) => ({
  id: r.id,
  version: r.version,
  description: r.description,
  sourceId: r.sourceId,
  targetId: r.targetId,
  status: r.status,
  contentHash: r.root,
  fromVersionId: r.fromVersionId,
  promotedFromId: r.promotedFromId,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
  rejectReason: r.rejectReason,
  supersededById: r.supersededById,
});
