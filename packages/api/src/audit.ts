// Rule 11: every mutation writes its audit entry in the same transaction as the change.
import type { AuditEntry } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import type { Context } from './context.js';

export async function writeAudit(
  tx: Db,
  ctx: Pick<Context, 'requestId'>,
  entry: AuditEntry,
): Promise<void> {
  await tx.insert(schema.auditLog).values({
    at: new Date(entry.at),
    actor: entry.actor,
    action: entry.action,
    automationId: entry.automationId,
    versionId: entry.versionId ?? null,
    releaseId: entry.releaseId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    details: entry.details ?? null,
    requestId: ctx.requestId,
  });
}

/** An audit entry for changes the core's operations do not describe (rename, import, users…). */
export const auditEntry = (
  ctx: Pick<Context, 'caller'>,
  action: string,
  automationId: string | null,
  rest: Partial<Omit<AuditEntry, 'action' | 'actor' | 'at' | 'automationId'>> = {},
): AuditEntry => ({
  action,
  actor: ctx.caller?.name ?? 'system',
  at: new Date().toISOString(),
  automationId,
  ...rest,
});

/** The clock and id source the core's pure operations take. */
export const opContext = (ctx: Pick<Context, 'caller'>, newId: () => string) => ({
  now: new Date(),
  newId,
  actor: ctx.caller?.name ?? 'system',
});
