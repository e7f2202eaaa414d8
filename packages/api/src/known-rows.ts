// The automation rows this process last saw, by id: where a conditional edit of the working copy
// (editing.ts) starts without reading the row. A hint only, never trusted: commitEdit writes
// nothing unless the row is still at the revision and root the edit was computed from, and the
// locked path then decides. Kept by the edits themselves and by versions.save (the load a team
// puts on a server: edits, and a save now and then). Bounded; the oldest go first.
import type { Db } from '@ferry/db';
import { FerryApiError } from './errors.js';
import { findAutomation, type AutomationRow } from './repositories/automation-repository.js';

const MAX_ROWS = 10_000;
const rows = new Map<string, AutomationRow>();

export const knownRows = {
  remember(row: AutomationRow): void {
    rows.delete(row.id);
    rows.set(row.id, row);
    if (rows.size > MAX_ROWS) rows.delete(rows.keys().next().value as string);
  },

  /**
   * The row `ref` names (an id, else a name, as findAutomation resolves it) at `revision`, from
   * memory (by id) or else the database; null if it is not at that revision, or not found.
   */
  async at(db: Db, ref: string, revision: number): Promise<AutomationRow | null> {
    const known = rows.get(ref);
    if (known?.revision === revision) return known;
    let row: AutomationRow | null;
    try {
      row = await findAutomation(db, ref);
    } catch (e) {
      if (e instanceof FerryApiError) return null;
      throw e;
    }
    this.remember(row);
    return row.revision === revision ? row : null;
  },
};
