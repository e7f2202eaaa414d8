// Saving an automation's working copy as its next numbered version: `versions.save`, and
// `sync.commit` with `save` (an import and the version of it in one transaction).
import { saveVersion, type Version } from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { auditRow, opContext, writeAudit } from './audit.js';
import type { Context } from './context.js';
import { unwrap } from './errors.js';
import {
  commitSave,
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

type SaveInput = {
  name?: string | undefined;
  description?: string | undefined;
  baseRevision?: number | undefined;
};

const saveCommand = (input: SaveInput) => ({
  ...(input.name !== undefined && { name: input.name }),
  ...(input.description !== undefined && { description: input.description }),
  ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
});

/**
 * `versions.save` of the automation `ref` at `input.baseRevision` without a lock: the row as last
 * seen (known-rows.ts), and the version, the row's version count and the audit entry stored in one
 * statement (commitSave) if the row is still as seen. Null when that cannot decide, with nothing
 * written: no base revision, the row is not at it, the save is refused, a webhook listens for
 * `version.saved` or the policy prunes versions. The locked path (saveWorkingCopy) then does it
 * all, with its errors.
 */
export async function saveUnlocked(ctx: Context, ref: string, input: SaveInput) {
  if (input.baseRevision === undefined) return null;
  const row = await knownRows.at(ctx.db, ref, input.baseRevision);
  if (row === null) return null;
  const saved = saveVersion(toAutomation(row), saveCommand(input), opContext(ctx, uuidv7));
  if (!saved.ok) return null;
  const { version, audit } = saved.value;
  const stored = await commitSave(ctx.db, {
    row,
    version,
    audit: auditRow(ctx, audit),
    event: 'version.saved',
  });
  if (stored === null) return null;
  knownRows.remember(stored);
  return answerOf(version, stored, []);
}

const answerOf = (
  version: Version,
  row: Pick<AutomationRow, 'id' | 'revision' | 'name'>,
  pruned: number[],
) => ({
  ...versionSummary(version),
  automation: { id: row.id, revision: row.revision, name: row.name },
  pruned,
});

/**
 * Save the locked automation `row`'s working copy; announced as `version.saved`, and remembered as
 * where the next edit starts (known-rows.ts).
 */
export async function saveWorkingCopy(
  tx: Db,
  ctx: Context,
  row: AutomationRow,
  input: SaveInput,
  /** The instance policy, when the caller has read it already. */
  policy?: InstancePolicy,
) {
  const saved = unwrap(saveVersion(toAutomation(row), saveCommand(input), opContext(ctx, uuidv7)));
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
  const answer = answerOf(saved.version, { ...saved.automation, name: row.name }, pruned);
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
