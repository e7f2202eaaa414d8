// Rule 11: every mutation writes its audit entry in the same transaction as the change.
import { isJsonObject, setKey, type AuditEntry } from '@ferry/core';
import type { Db } from '@ferry/db';
import type { Context } from './context.js';
import { insertAuditRow, type AuditRowValues } from './repositories/audit-log-repository.js';

export async function writeAudit(
  tx: Db,
  ctx: Pick<Context, 'requestId'>,
  entry: AuditEntry,
): Promise<void> {
  await insertAuditRow(tx, auditRow(ctx, entry));
}

/** The audit_log row of `entry` (its sequence number and revision are the database's). */
export function auditRow(ctx: Pick<Context, 'requestId'>, entry: AuditEntry): AuditRowValues {
  return {
    at: new Date(entry.at),
    actor: entry.actor,
    action: entry.action,
    automationId: entry.automationId,
    versionId: entry.versionId ?? null,
    releaseId: entry.releaseId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    details: entry.details ? jsonbSafe(entry.details) : null,
    requestId: ctx.requestId,
  };
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

/**
 * Details as jsonb can hold them. Content keeps U+0000 and lone surrogates losslessly (stored as JSON
 * text, where they are escapes), but names and ids taken from it into an audit entry would make the
 * insert fail: PostgreSQL's jsonb refuses U+0000 and unpaired surrogates. The trail shows U+FFFD in
 * their place, in keys too.
 */
function jsonbSafe<T>(value: T): T {
  if (typeof value === 'string')
    return value.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATE, '\ufffd') as T;
  if (Array.isArray(value)) return value.map(jsonbSafe) as T;
  if (!isJsonObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setKey(out, jsonbSafe(k), jsonbSafe(v));
  return out as T;
}

const LONE_SURROGATE = /\p{Cs}/gu;
