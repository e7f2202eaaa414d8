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

/** Make `root` (already stored and checked) the locked `into` automation's working copy. */
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
  },
) {
  const done = unwrap(
    importInto(
      toAutomation(row),
      {
        root: input.root,
        workingCopySaved: await versionHolds(tx, row.id, row.root),
        ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
        details: { ...input.counts, ...input.details },
      },
      opContext(ctx, uuidv7),
    ),
  );
  if (done.backup) await insertVersions(tx, done.backup);
  await storeAutomation(tx, done.automation);
  await writeAudit(tx, ctx, done.audit);
  const pruned = await pruneAutomaticVersions(tx, ctx, row.id, done.backup ? [done.backup.id] : []);
  return {
    id: row.id,
    name: row.name,
    revision: done.automation.revision,
    created: false,
    counts: input.counts,
    backup: done.backup ? versionSummary(done.backup) : null,
    pruned,
    warnings: [...(input.warnings ?? [])],
  };
}

/** A new automation holding `root`: named `name`, else the export's bot name made unique. */
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
  },
) {
  // The export's bot name is content: a tab or line break in it becomes a space (names are one line).
  const wanted = input.name ?? (input.botName?.replace(/\p{Cc}+/gu, ' ').trim() || 'Imported bot');
  if (input.name !== undefined && (await automationNameTaken(tx, wanted)))
    fail('CONFLICT', `An automation named "${wanted}" already exists.`, 'name');
  const finalName = input.name ?? (await uniqueName(tx, wanted));
  const row = await insertAutomation(tx, { id: uuidv7(), name: finalName, root: input.root });
  await writeAudit(
    tx,
    ctx,
    auditEntry(ctx, 'automation.import', row.id, {
      after: input.root,
      details: { into: false, ...input.counts, ...input.details },
    }),
  );
  return {
    id: row.id,
    name: row.name,
    revision: row.revision,
    created: true,
    counts: input.counts,
    backup: null,
    pruned: [] as number[],
    warnings: [...(input.warnings ?? [])],
  };
}
