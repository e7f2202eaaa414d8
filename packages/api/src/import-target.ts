// Where an imported tree goes, for a plain import and a synced one alike: an existing automation's
// new working copy (rule 15: the replaced one is kept first as "Before import") or a new automation.
import { importInto, type ImportWarning } from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { auditEntry, opContext, writeAudit } from './audit.js';
import type { Context } from './context.js';
import { fail, unwrap } from './errors.js';
import {
  automationNamesInUse,
  automationNameTaken,
  insertAutomation,
  toAutomation,
  storeAutomation,
  type AutomationRow,
} from './repositories/automation-repository.js';
import { insertVersions, versionHolds, versionSummary } from './repositories/version-repository.js';
import type { InstancePolicy } from './repositories/policy-repository.js';
import { pruneAutomaticVersions } from './retention.js';

export interface ImportCounts {
  dialogs: number;
  interactions: number;
  integrations: number;
}

async function uniqueName(db: Db, wanted: string): Promise<string> {
  // Names are unique ignoring case (the set holds them lower-cased).
  const taken = await automationNamesInUse(db);
  const free = (n: string) => !taken.has(n.toLowerCase());
  if (free(wanted)) return wanted;
  for (let i = 2; ; i++) if (free(`${wanted} (${i})`)) return `${wanted} (${i})`;
}

/**
 * Make `root` (already stored and checked) the locked `into` automation's working copy. Returns
 * what the caller answers, and the automation's row as it now is (still locked).
 */
export async function importIntoAutomation(
  tx: Db,
  ctx: Context,
  row: AutomationRow,
  input: {
    root: string;
    counts: ImportCounts;
    baseRevision?: number | undefined;
    details?: Record<string, unknown>;
    /** What the import kept but reports (an interaction whose dialog is missing). */
    warnings?: readonly ImportWarning[];
    /** Whether a version holds the replaced working copy, and the policy, when already read. */
    workingCopySaved?: boolean;
    policy?: InstancePolicy;
    /** Writes of the caller's to send with the import's (one round trip). */
    alongside?: () => Promise<void>;
  },
) {
  const done = unwrap(
    importInto(
      toAutomation(row),
      {
        root: input.root,
        workingCopySaved: input.workingCopySaved ?? (await versionHolds(tx, row.id, row.root)),
        ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
        details: { ...input.counts, ...input.details },
      },
      opContext(ctx, uuidv7),
    ),
  );
  // Independent writes, sent together (one round trip).
  await Promise.all([
    input.alongside?.(),
    done.backup && insertVersions(tx, done.backup),
    storeAutomation(tx, done.automation),
    writeAudit(tx, ctx, done.audit),
  ]);
  const protect = done.backup ? [done.backup.id] : [];
  const pruned = await pruneAutomaticVersions(tx, ctx, row.id, protect, input.policy);
  const { root, revision, lastVersionNumber } = done.automation;
  return {
    result: {
      id: row.id,
      name: row.name,
      revision,
      created: false,
      counts: input.counts,
      backup: done.backup ? versionSummary(done.backup) : null,
      pruned,
      warnings: [...(input.warnings ?? [])],
    },
    row: { ...row, root, revision, lastVersionNumber },
  };
}

/**
 * A new automation holding `root`: named `name`, else the export's bot name made unique. Returns
 * what the caller answers, and the new automation's row.
 */
export async function importAsNewAutomation(
  tx: Db,
  ctx: Context,
  input: {
    root: string;
    counts: ImportCounts;
    name?: string | undefined;
    botName: string | null;
    details?: Record<string, unknown>;
    warnings?: readonly ImportWarning[];
    /** Writes of the caller's to send with the import's (one round trip). */
    alongside?: () => Promise<void>;
  },
) {
  // The export's bot name is content: a tab or line break in it becomes a space (names are one line).
  const wanted = input.name ?? (input.botName?.replace(/\p{Cc}+/gu, ' ').trim() || 'Imported bot');
  if (input.name !== undefined && (await automationNameTaken(tx, wanted)))
    fail('CONFLICT', `An automation named "${wanted}" already exists.`, 'name');
  const finalName = input.name ?? (await uniqueName(tx, wanted));
  const id = uuidv7();
  const [row] = await Promise.all([
    insertAutomation(tx, { id, name: finalName, root: input.root }),
    input.alongside?.(),
    writeAudit(
      tx,
      ctx,
      auditEntry(ctx, 'automation.import', id, {
        after: input.root,
        details: { into: false, ...input.counts, ...input.details },
      }),
    ),
  ]);
  return {
    result: {
      id: row.id,
      name: row.name,
      revision: row.revision,
      created: true,
      counts: input.counts,
      backup: null,
      pruned: [] as number[],
      warnings: [...(input.warnings ?? [])],
    },
    row,
  };
}
