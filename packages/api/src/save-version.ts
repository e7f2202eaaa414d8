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
import type { InstancePolicy } from './repositories/policy-repository.js';
import { pruneAutomaticVersions } from './retention.js';
import { emitted } from './webhooks.js';

/** Save the locked automation `row`'s working copy; announced as `version.saved`. */
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
  const writes = [
    insertVersions(tx, saved.version),
    storeAutomation(tx, saved.automation),
    writeAudit(tx, ctx, saved.audit),
  ];
  const event = (pruned: number[]) => ({
    ...versionSummary(saved.version),
    automation: { id: saved.automation.id, revision: saved.automation.revision, name: row.name },
    pruned,
  });
  // Nothing to prune (a policy keeping every version): the announcement goes with the writes.
  if (policy !== undefined && policy.keepAutomaticVersions === null) {
    const [announced] = await Promise.all([emitted(tx, 'version.saved', event([])), ...writes]);
    return announced;
  }
  // Independent writes, sent together (one round trip); pruning reads what they wrote.
  await Promise.all(writes);
  return emitted(
    tx,
    'version.saved',
    event(await pruneAutomaticVersions(tx, ctx, row.id, [], policy)),
  );
}
