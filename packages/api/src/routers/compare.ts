// Compare two automations (issue 14): what one automation's working copy has that another's has
// not, e.g. Dev against Prod — the diff a release from the one to the other would bring. The same
// diff and answer shape as `versions.diff`, with the names of the dialogs it mentions.
import { dialogNamesIn, unnamedDialogIds } from '@ferry/core';
import { z } from 'zod';
import { ContentStore, withNodes } from '../content.js';
import { fail } from '../errors.js';
import { findAutomation, type AutomationRow } from '../repositories/automation-repository.js';
import { procedure, router } from '../trpc.js';
import { automationRef } from './inputs.js';

const side = (row: AutomationRow) => ({
  label: `${row.name} (revision ${row.revision})`,
  root: row.root,
  automation: { id: row.id, name: row.name, revision: row.revision },
});

export const compareRouter = router({
  /** The diff from `against`'s working copy (before) to `automation`'s (after). */
  automations: procedure('read')
    .input(z.object({ automation: automationRef, against: automationRef }))
    .query(async ({ ctx, input }) => {
      const after = await findAutomation(ctx.db, input.automation, 'automation');
      const before = await findAutomation(ctx.db, input.against, 'against');
      if (after.id === before.id)
        fail('VALIDATION', `Compare "${after.name}" against another automation.`, 'against');
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
      return { from: side(before), to: side(after), summary, changes, dialogNames };
    }),
});
