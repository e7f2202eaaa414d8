// A change refused because the automation moved on since the revision its caller saw (rule 10),
// explained: who changed it, when, with what (the audit entries written since that revision), and
// what became of its content (core's diff between the content then and now).
import type { DiffSummary, FerryError } from '@ferry/core';
import type { Db } from '@ferry/db';
import { ContentStore } from './content.js';
import { FerryApiError } from './errors.js';
import { auditSinceRevision } from './repositories/audit-log-repository.js';
import type { AutomationRow } from './repositories/automation-repository.js';

/** At most this many changes are listed (all are counted). */
export const STALE_CHANGES_LISTED = 20;

export interface StaleChange {
  at: string;
  actor: string;
  action: string;
  /** The revision the change produced. */
  revision: number | null;
}

/** What happened to `row` after `revision`, as the refusal's details carry it. */
export async function changesSince(
  db: Db,
  row: AutomationRow,
  revision: number,
): Promise<{ changes: StaleChange[]; changesTotal: number; content: DiffSummary | null }> {
  const { entries, total } = await auditSinceRevision(db, row.id, revision, STALE_CHANGES_LISTED);
  // The content at `revision` is what the first content change since then started from.
  const first = entries.find((e) => e.before !== null);
  const then = first?.before ?? null;
  const content =
    then === null
      ? null
      : then === row.root
        ? { added: 0, removed: 0, changed: 0, moved: 0, text: '' }
        : (await new ContentStore(db).diff(then, row.root)).summary;
  return {
    changes: entries.map((e) => ({
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      revision: e.revision,
    })),
    changesTotal: total,
    content,
  };
}

/**
 * The refusal of a change based on a stale revision, rewritten to say what changed in between;
 * the code, field and `expected`/`actual` details stay those of the original refusal.
 */
export async function explainStale(
  db: Db,
  row: AutomationRow,
  revision: number,
  error: FerryError,
  words: { seen: string; advice: string },
): Promise<never> {
  const since = await changesSince(db, row, revision);
  const listed = since.changes
    .map(
      (c) =>
        `${c.action} by ${c.actor} at ${c.at}${c.revision !== null ? ` (revision ${c.revision})` : ''}`,
    )
    .join('; ');
  const more = since.changesTotal - since.changes.length;
  const who =
    since.changes.length === 0
      ? 'the audit log names no change since then (its entries predate revision tracking)'
      : `${listed}${more > 0 ? `; and ${more} more` : ''}`;
  const content =
    since.content === null
      ? 'its content did not change'
      : since.content.text === ''
        ? 'its content is as it was'
        : `its content since: ${since.content.text.replace(/\.$/, '')}`;
  throw new FerryApiError(
    error.code,
    `"${row.name}" changed since ${words.seen} (revision ${revision}, now ${row.revision}): ${who}; ${content}; ${words.advice}.`,
    error.path,
    { ...error.details, ...since },
  );
}
