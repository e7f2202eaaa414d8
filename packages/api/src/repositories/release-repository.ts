// Releases and the upgrade ledger: rows <-> the core's Release and Upgrade, look-ups by reference,
// the names of the parties a release mentions, and the release and ledger writes.
import type { PipelineFacts, Release, ReleaseStatus, Upgrade } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { and, asc, desc, eq, inArray, isNotNull, or, type SQL } from 'drizzle-orm';
import { fail } from '../errors.js';

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

/** `1.2.0` and `v1.2.0` name the same release number. */
const normaliseVersion = (v: string) => v.trim().replace(/^[vV](?=\d)/, '');

/**
 * A release by id, or (with `targetId`) by its version number among the releases offered to that
 * target (the newest with that number); NOT_FOUND otherwise.
 */
export async function findRelease(
  db: Db,
  ref: string,
  opts: { targetId?: string; field?: string } = {},
): Promise<Release> {
  const field = opts.field ?? 'release';
  const [byId] = await db.select().from(schema.releases).where(eq(schema.releases.id, ref.trim()));
  if (byId) return toRelease(byId);
  if (opts.targetId !== undefined) {
    const [byVersion] = await db
      .select()
      .from(schema.releases)
      .where(
        and(
          eq(schema.releases.targetId, opts.targetId),
          eq(schema.releases.version, normaliseVersion(ref)),
        ),
      )
      .orderBy(desc(schema.releases.createdAt), desc(schema.releases.id))
      .limit(1);
    if (byVersion) return toRelease(byVersion);
  }
  return fail('NOT_FOUND', `There is no release "${ref}".`, field);
}

/** A release by id, or null (for the rows the ledger points at). */
export async function releaseById(db: Db, id: string): Promise<Release | null> {
  const [row] = await db.select().from(schema.releases).where(eq(schema.releases.id, id));
  return row ? toRelease(row) : null;
}

/** Who sent or received a release: an automation's name, and whether it has been deleted. */
export interface Party {
  name: string;
  /** Deleted since; `name` is then the one it had, kept on its releases (rule 15). */
  deleted: boolean;
}

/**
 * Names of automations by id, in one query; an id no automation has any more is named after the
 * name its releases kept when it was deleted.
 */
export async function automationNames(db: Db, ids: readonly string[]): Promise<Map<string, Party>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .select({ id: schema.automations.id, name: schema.automations.name })
    .from(schema.automations)
    .where(inArray(schema.automations.id, wanted));
  const parties = new Map(rows.map((r) => [r.id, { name: r.name, deleted: false }]));
  const gone = wanted.filter((id) => !parties.has(id));
  if (gone.length === 0) return parties;
  const { releases } = schema;
  const kept = [
    ...(await db
      .selectDistinct({ id: releases.sourceId, name: releases.sourceName })
      .from(releases)
      .where(and(inArray(releases.sourceId, gone), isNotNull(releases.sourceName)))),
    ...(await db
      .selectDistinct({ id: releases.targetId, name: releases.targetName })
      .from(releases)
      .where(and(inArray(releases.targetId, gone), isNotNull(releases.targetName)))),
  ];
  // The queries keep only non-null names; the check tells the type so.
  for (const { id, name } of kept) if (name !== null) parties.set(id, { name, deleted: true });
  return parties;
}

/** Which releases a listing wants: of one automation (as source, target or either), by status. */
export interface ReleaseFilter {
  automationId?: string;
  role?: 'source' | 'target' | 'any';
  /** true: pending only; false: decided only (superseded, rejected, upgraded, rolled back). */
  pending?: boolean;
}

/** Releases, newest first. */
export async function listReleases(db: Db, filter: ReleaseFilter = {}): Promise<Release[]> {
  const { releases } = schema;
  const conditions: (SQL | undefined)[] = [];
  if (filter.automationId !== undefined) {
    const id = filter.automationId;
    const role = filter.role ?? 'any';
    conditions.push(
      role === 'source'
        ? eq(releases.sourceId, id)
        : role === 'target'
          ? eq(releases.targetId, id)
          : or(eq(releases.sourceId, id), eq(releases.targetId, id)),
    );
  }
  if (filter.pending === true) conditions.push(eq(releases.status, 'pending'));
  if (filter.pending === false)
    conditions.push(
      inArray(releases.status, ['superseded', 'rejected', 'upgraded', 'rolled-back']),
    );
  const rows = await db
    .select()
    .from(releases)
    .where(and(...conditions))
    .orderBy(desc(releases.createdAt), desc(releases.id));
  return rows.map(toRelease);
}

/** Record an accepted release in the target's ledger. */
export async function insertUpgrade(tx: Db, upgrade: Upgrade): Promise<void> {
  await tx.insert(schema.upgrades).values({ ...upgrade, at: new Date(upgrade.at) });
}

/** Mark a ledger entry rolled back (it stays in the ledger: history is never rewritten). */
export async function markUpgradeRolledBack(tx: Db, upgradeId: string): Promise<void> {
  await tx
    .update(schema.upgrades)
    .set({ rolledBack: true })
    .where(eq(schema.upgrades.id, upgradeId));
}

/** What the pipeline graph is built from: every release, the automations and ledgers it names. */
export async function pipelineFacts(db: Db): Promise<PipelineFacts> {
  const rows = await db
    .select()
    .from(schema.releases)
    .orderBy(asc(schema.releases.createdAt), asc(schema.releases.id));
  if (rows.length === 0) return { releases: [], automations: [], upgrades: [] };
  const ids = [...new Set(rows.flatMap((r) => [r.sourceId, r.targetId]))];
  const envNames = new Map(
    (
      await db
        .select({ id: schema.environments.id, name: schema.environments.name })
        .from(schema.environments)
    ).map((e) => [e.id, e.name]),
  );
  const automations = (
    await db.select().from(schema.automations).where(inArray(schema.automations.id, ids))
  ).map((a) => ({
    id: a.id,
    name: a.name,
    revision: a.revision,
    environment: a.environmentId ? (envNames.get(a.environmentId) ?? null) : null,
  }));
  const upgrades = (
    await db
      .select()
      .from(schema.upgrades)
      .where(inArray(schema.upgrades.targetId, ids))
      .orderBy(asc(schema.upgrades.seq))
  ).map(toUpgrade);
  return {
    releases: rows.map((r) => ({
      id: r.id,
      sourceId: r.sourceId,
      targetId: r.targetId,
      version: r.version,
      status: r.status as ReleaseStatus,
      createdAt: r.createdAt.toISOString(),
      sourceName: r.sourceName,
      targetName: r.targetName,
    })),
    automations,
    upgrades,
  };
}

/**
 * Rule 15: before an automation is deleted, the releases it sent or received keep its name.
 * Returns how many releases were kept.
 */
export async function keepPartyName(tx: Db, automationId: string, name: string): Promise<number> {
  const sent = await tx
    .update(schema.releases)
    .set({ sourceName: name })
    .where(eq(schema.releases.sourceId, automationId))
    .returning({ id: schema.releases.id });
  const received = await tx
    .update(schema.releases)
    .set({ targetName: name })
    .where(eq(schema.releases.targetId, automationId))
    .returning({ id: schema.releases.id });
  return sent.length + received.length;
}

/**
 * What `whatRuns` needs beyond the ledgers: when each rolled-back upgrade was rolled back (its
 * release's decision time) and the root of each such upgrade's backup version, in two queries.
 */
export async function rollbackFacts(
  db: Db,
  ledgers: readonly (readonly Upgrade[])[],
): Promise<{ rolledBackAt: Map<string, string>; backupRoots: Map<string, string> }> {
  const rolledBack = ledgers.flat().filter((u) => u.rolledBack);
  if (rolledBack.length === 0) return { rolledBackAt: new Map(), backupRoots: new Map() };
  const releases = await db
    .select({ id: schema.releases.id, decidedAt: schema.releases.decidedAt })
    .from(schema.releases)
    .where(inArray(schema.releases.id, [...new Set(rolledBack.map((u) => u.releaseId))]));
  const decided = new Map(releases.map((r) => [r.id, r.decidedAt?.toISOString() ?? null]));
  const versions = await db
    .select({ id: schema.versions.id, root: schema.versions.root })
    .from(schema.versions)
    .where(inArray(schema.versions.id, [...new Set(rolledBack.map((u) => u.backupVersionId))]));
  const rolledBackAt = new Map<string, string>();
  for (const u of rolledBack) {
    const at = decided.get(u.releaseId);
    if (at) rolledBackAt.set(u.id, at);
  }
  return { rolledBackAt, backupRoots: new Map(versions.map((v) => [v.id, v.root])) };
}
