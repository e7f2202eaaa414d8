// The sides a comparison reads: the working copy or a saved version of one automation, with the
// label people read ("#3 Before launch", "working copy (revision 12)") and the root it names.
import type { Db } from '@ferry/db';
import type { AutomationRow } from './repositories/automation-repository.js';
import { findVersion } from './repositories/version-repository.js';

export interface VersionSide {
  label: string;
  root: string;
  version: { id: string; number: number; name: string } | null;
}

/** The version `ref` names (NOT_FOUND at `field`), or the working copy when there is none. */
export async function versionSide(
  db: Db,
  row: AutomationRow,
  ref: string | undefined,
  field: string,
): Promise<VersionSide> {
  if (ref === undefined)
    return { label: `working copy (revision ${row.revision})`, root: row.root, version: null };
  const v = await findVersion(db, row, ref, field);
  return {
    label: `#${v.number} ${v.name}`,
    root: v.root,
    version: { id: v.id, number: v.number, name: v.name },
  };
}
