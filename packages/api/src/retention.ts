// Rule 14: a retention policy prunes automatic versions (never pinned ones, never a backup a
// rollback still needs), in the transaction of the change that created the new version.
import { versionsToPrune } from '@ferry/core';
import type { Db } from '@ferry/db';
import { auditEntry, writeAudit } from './audit.js';
import type { Context } from './context.js';
import { getPolicy, type InstancePolicy } from './repositories/policy-repository.js';
import { ledgerOf } from './repositories/release-repository.js';
import { deleteVersions, listVersions, toVersion } from './repositories/version-repository.js';

/**
 * Delete the automatic versions the instance policy no longer keeps and audit it ('version.prune').
 * Versions in `protect` (e.g. the backup just taken, so that the change can be undone) are kept.
 * Returns the numbers of the deleted versions, oldest first.
 */
export async function pruneAutomaticVersions(
  tx: Db,
  ctx: Pick<Context, 'caller' | 'requestId'>,
  automationId: string,
  protect: readonly string[] = [],
  policy?: InstancePolicy,
): Promise<number[]> {
  // `policy`: getPolicy(tx), read by the caller in the same transaction (alongside its writes).
  const { keepAutomaticVersions: keep } = policy ?? (await getPolicy(tx));
  if (typeof keep !== 'number') return [];
  const versions = (await listVersions(tx, automationId)).map(toVersion);
  const kept = new Set(protect);
  const doomed = versionsToPrune(versions, await ledgerOf(tx, automationId), keep).filter(
    (v) => !kept.has(v.id),
  );
  if (doomed.length === 0) return [];
  await deleteVersions(
    tx,
    doomed.map((v) => v.id),
  );
  const numbers = doomed.map((v) => v.number).sort((a, b) => a - b);
  await writeAudit(
    tx,
    ctx,
    auditEntry(ctx, 'version.prune', automationId, { details: { numbers, keep } }),
  );
  return numbers;
}
