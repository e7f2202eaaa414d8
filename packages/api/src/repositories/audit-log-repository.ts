// The audit trail: appending an entry (audit.ts's writeAudit builds it, in the transaction of the
// change it records) and reading entries newest first, filtered and paged by sequence number.
import { schema, type Db } from '@ferry/db';
import { and, desc, eq, gte, like, lt, lte, or, type SQL } from 'drizzle-orm';

export type AuditRow = typeof schema.auditLog.$inferSelect;

export async function insertAuditRow(
  tx: Db,
  row: Omit<typeof schema.auditLog.$inferInsert, 'seq'>,
): Promise<void> {
  await tx.insert(schema.auditLog).values(row);
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
