// The audit trail: appending an entry (audit.ts's writeAudit builds it, in the transaction of the
// change it records) and reading entries newest first, filtered and paged by sequence number.
import { schema, type Db } from '@ferry/db';
import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  like,
  lt,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';

export type AuditRow = typeof schema.auditLog.$inferSelect;
/** An entry to append: everything but its sequence number and the automation's revision. */
export type AuditRowValues = Omit<typeof schema.auditLog.$inferInsert, 'seq' | 'revision'>;

/**
 * Append an entry. It records the automation's revision as it is now, in this transaction: every
 * change writes the automation before (or in the same round trip ahead of) its audit entry, so an
 * entry carries the revision its change produced.
 */
export async function insertAuditRow(tx: Db, row: AuditRowValues): Promise<void> {
  await tx.insert(schema.auditLog).values({
    ...row,
    revision:
      row.automationId === null || row.automationId === undefined
        ? null
        : sql`(select ${schema.automations.revision} from ${schema.automations} where ${schema.automations.id} = ${row.automationId})`,
  });
}

/** The entries about one automation written after it was at `revision`, oldest first. */
export async function auditSinceRevision(
  db: Db,
  automationId: string,
  revision: number,
  limit: number,
): Promise<{ entries: AuditRow[]; total: number }> {
  const log = schema.auditLog;
  const where = and(eq(log.automationId, automationId), gt(log.revision, revision));
  const entries = await db.select().from(log).where(where).orderBy(asc(log.seq)).limit(limit);
  const [count] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(log)
    .where(where);
  return { entries, total: count?.n ?? entries.length };
}

export interface AuditFilter {
  /** An automation id (also of a deleted one) or a current automation name. */
  automation?: string;
  actor?: string;
  /** An exact action, or every action starting with `prefix`. */
  action?: { exact: string } | { prefix: string };
  since?: Date;
  /** Up to this time; `inclusive: false` for the end of a whole day. */
  until?: { at: Date; inclusive: boolean };
  /** Entries older than this sequence number (the previous page's last). */
  beforeSeq?: number;
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Entries newest first, each with its automation's current name (null once deleted). */
export async function listAuditEntries(
  db: Db,
  filter: AuditFilter,
): Promise<{ entry: AuditRow; automationName: string | null }[]> {
  const log = schema.auditLog;
  const where: (SQL | undefined)[] = [];
  if (filter.automation !== undefined) {
    const ref = filter.automation;
    // By id (also of deleted automations) or by the current name.
    const named = await db
      .select({ id: schema.automations.id })
      .from(schema.automations)
      .where(eq(schema.automations.name, ref));
    where.push(or(eq(log.automationId, ref), ...named.map((a) => eq(log.automationId, a.id))));
  }
  if (filter.actor !== undefined) where.push(eq(log.actor, filter.actor));
  if (filter.action !== undefined)
    where.push(
      'prefix' in filter.action
        ? like(log.action, `${escapeLike(filter.action.prefix)}%`)
        : eq(log.action, filter.action.exact),
    );
  if (filter.since !== undefined) where.push(gte(log.at, filter.since));
  if (filter.until !== undefined)
    where.push(filter.until.inclusive ? lte(log.at, filter.until.at) : lt(log.at, filter.until.at));
  if (filter.beforeSeq !== undefined) where.push(lt(log.seq, filter.beforeSeq));
  return db
    .select({ entry: log, automationName: schema.automations.name })
    .from(log)
    .leftJoin(schema.automations, eq(schema.automations.id, log.automationId))
    .where(and(...where))
    .orderBy(desc(log.seq))
    .limit(filter.limit);
}

/** Detail keys that hold a version's, a release's or an automation's id (what the log links). */
export const AUDIT_VERSION_KEYS = ['backupVersionId', 'resultVersionId', 'savedEditsVersionId'];
export const AUDIT_RELEASE_KEYS = ['supersededReleaseId', 'promotedFromId', 'closedReleaseId'];
export const AUDIT_AUTOMATION_KEYS = ['sourceId'];

export interface AuditRefs {
  /** Versions by id: their automation, number and name. */
  versions: Record<string, { automationId: string; number: number; name: string }>;
  /** Releases by id: their number, and their target by id and name (the name once it is deleted). */
  releases: Record<string, { version: string; targetId: string; targetName: string | null }>;
  /** Current names of the automations the details and the releases name by id. */
  automations: Record<string, string>;
}

/**
 * What the ids in `rows` (their version and release columns, and the detail keys above) name now,
 * in three queries whatever the page's size. An id of something since deleted is left out.
 */
export async function auditReferences(db: Db, rows: readonly AuditRow[]): Promise<AuditRefs> {
  const versionIds = new Set<string>();
  const releaseIds = new Set<string>();
  const automationIds = new Set<string>();
  const take = (into: Set<string>, value: unknown) => {
    if (typeof value === 'string' && value !== '') into.add(value);
  };
  for (const row of rows) {
    take(versionIds, row.versionId);
    take(releaseIds, row.releaseId);
    const details = row.details;
    if (details === null || typeof details !== 'object' || Array.isArray(details)) continue;
    const d = details as Record<string, unknown>;
    for (const key of AUDIT_VERSION_KEYS) take(versionIds, d[key]);
    for (const key of AUDIT_RELEASE_KEYS) take(releaseIds, d[key]);
    for (const key of AUDIT_AUTOMATION_KEYS) take(automationIds, d[key]);
  }
  const [versions, releases] = await Promise.all([
    versionIds.size === 0
      ? []
      : db
          .select({
            id: schema.versions.id,
            automationId: schema.versions.automationId,
            number: schema.versions.number,
            name: schema.versions.name,
          })
          .from(schema.versions)
          .where(inArray(schema.versions.id, [...versionIds])),
    releaseIds.size === 0
      ? []
      : db
          .select({
            id: schema.releases.id,
            version: schema.releases.version,
            targetId: schema.releases.targetId,
            targetName: schema.releases.targetName,
          })
          .from(schema.releases)
          .where(inArray(schema.releases.id, [...releaseIds])),
  ]);
  for (const r of releases) automationIds.add(r.targetId);
  const automations =
    automationIds.size === 0
      ? []
      : await db
          .select({ id: schema.automations.id, name: schema.automations.name })
          .from(schema.automations)
          .where(inArray(schema.automations.id, [...automationIds]));
  const names = new Map(automations.map((a) => [a.id, a.name]));
  return {
    versions: Object.fromEntries(versions.map(({ id, ...v }) => [id, v])),
    releases: Object.fromEntries(
      releases.map(({ id, ...r }) => [
        id,
        { ...r, targetName: names.get(r.targetId) ?? r.targetName ?? null },
      ]),
    ),
    automations: Object.fromEntries(names),
  };
}
