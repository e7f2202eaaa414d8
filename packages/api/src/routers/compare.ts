// Compare any two sides (issue 13): an automation's working copy or one of its versions against
// another's (or another side of the same automation), e.g. Dev against Prod — the diff a release
// from the one to the other would bring — or Dev's version #4 against what Prod runs. The same diff
// and answer shape as `versions.diff`, with the names of the dialogs it mentions.
import { dialogNamesIn, unnamedDialogIds, type Version } from '@ferry/core';
import type { Db } from '@ferry/db';
import { z } from 'zod';
import { ContentStore, withNodes } from '../content.js';
import { fail } from '../errors.js';
import { findAutomation, type AutomationRow } from '../repositories/automation-repository.js';
import { findVersion } from '../repositories/version-repository.js';
import { procedure, router } from '../trpc.js';
import { automationRef, versionRef } from './inputs.js';

/** One side: an automation's working copy, or one of its versions (`field` names it on failure). */
async function sideOf(db: Db, row: AutomationRow, ref: string | undefined, field: string) {
  const automation = { id: row.id, name: row.name, revision: row.revision };
  if (ref === undefined)
    return {
      label: `${row.name} (revision ${row.revision})`,
      root: row.root,
      automation,
      version: null,
    };
  const v: Version = await findVersion(db, row, ref, field);
  return {
    label: `${row.name} #${v.number} ${v.name}`,
    root: v.root,
    automation,
    version: { id: v.id, number: v.number, name: v.name },
  };
}

export const compareRouter = router({
  /**
   * The diff from `against` (before) to `automation` (after): each side its working copy, or the
   * version `againstVersion` / `version` names. The two sides may be one automation's, but not
   * the same side twice.
   */
  automations: procedure('read')
    .input(
      z.object({
        automation: automationRef,
        against: automationRef,
        version: versionRef.optional(),
        againstVersion: versionRef.optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const afterRow = await findAutomation(ctx.db, input.automation, 'automation');
      const beforeRow = await findAutomation(ctx.db, input.against, 'against');
      const after = await sideOf(ctx.db, afterRow, input.version, 'version');
      const before = await sideOf(ctx.db, beforeRow, input.againstVersion, 'againstVersion');
      if (afterRow.id === beforeRow.id && after.version?.id === before.version?.id)
        fail(
          'VALIDATION',
          after.version === null
            ? `Both sides are the working copy of "${afterRow.name}": compare it against another automation or one of its versions.`
            : `Both sides are version #${after.version.number} of "${afterRow.name}": choose two different sides.`,
          'against',
        );
      const store = new ContentStore(ctx.db);
      const { summary, changes } = await store.diff(before.root, after.root);
      const ids = unnamedDialogIds({ summary, changes });
      const dialogNames =
        ids.length === 0
          ? {}
          : {
              ...(await withNodes(ctx.db, store.snap.store, (snap) =>
                dialogNamesIn(snap, before.root, ids),
              )),
              ...(await withNodes(ctx.db, store.snap.store, (snap) =>
                dialogNamesIn(snap, after.root, ids),
              )),
            };
      return { from: before, to: after, summary, changes, dialogNames };
    }),
});
