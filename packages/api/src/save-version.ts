// Saving an automation's working copy as its next numbered version: `versions.save`, and
// `sync.commit` with `save` (an import and the version of it in one transaction).
import { saveVersion } from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { opContext, writeAudit } from './audit.js';
import type { Context } from './context.js';
import { unwrap } from './errors.js';
import {
  storeAutomation,
  toAutomation,
  type AutomationRow,
} from './repositories/automation-repository.js';
import { insertVersions, versionSummary } from './repositories/version-repository.js';
import { knownRows } from './known-rows.js';
import { getPolicy, type InstancePolicy } from './repositories/policy-repository.js';
import { webhooksFor } from './repositories/webhook-repository.js';
import { pruneAutomaticVersions } from './retention.js';
import { emitEvent } from './webhooks.js';

/**
 * Save the locked automation `row`'s working copy; announced as `version.saved`, and remembered as
 * where the next edit starts (known-rows.ts).
 */
export async function saveWorkingCopy(
  tx: Db,
  ctx: Context,
  row: AutomationRow,
  input: { name?: string | undefined; description?: string | undefined; baseRevision?: number },
  /** The instance policy, when the caller has read it already. */
  policy?: InstancePolicy,
) {
  const saved = unwrap(
    saveVersion(
      toAutomation(row),
      {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
      },
      opContext(ctx, uuidv7),
    ),
  );
  // Independent writes and the reads pruning and the webhook event need, sent together (one round
  // trip); pruning reads what the writes wrote.
  const [, , , read, subscribed] = await Promise.all([
    insertVersions(tx, saved.version),
    storeAutomation(tx, saved.automation),
    writeAudit(tx, ctx, saved.audit),
    policy ?? getPolicy(tx),
    webhooksFor(tx, 'version.saved'),
  ]);
  const pruned = await pruneAutomaticVersions(tx, ctx, row.id, [], read);
  const answer = {
    ...versionSummary(saved.version),
    automation: { id: saved.automation.id, revision: saved.automation.revision, name: row.name },
    pruned,
  };
  await emitEvent(tx, 'version.saved', answer, subscribed);
  // What the next conditional edit starts from (editing.ts; a hint, checked when it writes).
  knownRows.remember({
    ...row,
    revision: saved.automation.revision,
    lastVersionNumber: saved.automation.lastVersionNumber,
    updatedAt: new Date(),
  });
  return answer;
}
