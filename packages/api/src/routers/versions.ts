// Versions: list, save, show, restore, delete, pin and diff (DESIGN.md rules 1, 2, 14). Save,
// restore and delete write a few rows whatever the size of the bot: versions are pointers to roots.
import { deleteVersion, restoreVersion } from '@ferry/core';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, opContext, writeAudit } from '../audit.js';
import { ContentStore } from '../content.js';
import { unwrap } from '../errors.js';
import {
  findAutomation,
  lockAutomation,
  storeAutomation,
  toAutomation,
} from '../repositories/automation-repository.js';
import { countStructure } from '../content-tree.js';
import { ledgerOf } from '../repositories/release-repository.js';
import { saveUnlocked, saveWorkingCopy } from '../save-version.js';
import { pruneAutomaticVersions } from '../retention.js';
import {
  deleteVersions,
  findVersion,
  insertVersions,
  listVersions,
  setVersionPinned,
  toVersion,
  versionSummary,
} from '../repositories/version-repository.js';
import { procedure, router } from '../trpc.js';
import { versionSide } from '../version-sides.js';
import { automationRef, baseRevision, description, shortName, versionRef } from './inputs.js';

/** Blank (or absent) names the version with the current date and time. */
const versionName = shortName().optional();

const automationState = (a: { id: string; revision: number }) => ({
  id: a.id,
  revision: a.revision,
});

export const versionsRouter = router({
  /** The automation's versions, newest first. */
  list: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      return (await listVersions(ctx.db, row.id))
        .reverse()
        .map((r) => versionSummary(toVersion(r)));
    }),

  /** Save the working copy as the next numbered version. */
  save: procedure('edit')
    .input(
      z.object({
        automation: automationRef,
        name: versionName,
        description: description.optional(),
        baseRevision,
      }),
    )
    .mutation(
      async ({ ctx, input }) =>
        (await saveUnlocked(ctx, input.automation, input)) ??
        ctx.db.transaction(async (tx) =>
          saveWorkingCopy(tx, ctx, await lockAutomation(tx, input.automation), input),
        ),
    ),

  /** One version's metadata and how much it holds. */
  show: procedure('read')
    .input(z.object({ automation: automationRef, version: versionRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const version = await findVersion(ctx.db, row, input.version);
      const store = new ContentStore(ctx.db);
      return {
        ...versionSummary(version),
        automation: { id: row.id, name: row.name },
        counts: await countStructure(ctx.db, store.snap, version.root),
      };
    }),

  /** Replace the working copy with a version, after saving it as "Before restore of #N". */
  restore: procedure('edit')
    .input(z.object({ automation: automationRef, version: versionRef, baseRevision }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        const version = await findVersion(tx, row, input.version);
        const restored = unwrap(
          restoreVersion(
            toAutomation(row),
            version,
            input.baseRevision !== undefined ? { baseRevision: input.baseRevision } : {},
            opContext(ctx, uuidv7),
          ),
        );
        await insertVersions(tx, restored.backup);
        await storeAutomation(tx, restored.automation);
        await writeAudit(tx, ctx, restored.audit);
        // The backup just taken is what undoes this restore: the policy never prunes it here.
        const pruned = await pruneAutomaticVersions(tx, ctx, row.id, [restored.backup.id]);
        return {
          automation: automationState(restored.automation),
          restored: versionSummary(version),
          backup: versionSummary(restored.backup),
          pruned,
        };
      }),
    ),

  /** Delete a version (not one a rollback would still return to). */
  delete: procedure('delete-version')
    .input(z.object({ automation: automationRef, version: versionRef }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        const version = await findVersion(tx, row, input.version);
        const { audit } = unwrap(
          deleteVersion(
            toAutomation(row),
            version,
            await ledgerOf(tx, row.id),
            opContext(ctx, uuidv7),
          ),
        );
        await deleteVersions(tx, [version.id]);
        await writeAudit(tx, ctx, audit);
        return { automation: automationState(row), deleted: versionSummary(version) };
      }),
    ),

  /** Pin a version (a retention policy never prunes it) or unpin it. */
  pin: procedure('edit')
    .input(z.object({ automation: automationRef, version: versionRef, pinned: z.boolean() }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        const version = await findVersion(tx, row, input.version);
        await setVersionPinned(tx, version.id, input.pinned);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, input.pinned ? 'version.pin' : 'version.unpin', row.id, {
            versionId: version.id,
            details: { number: version.number, name: version.name },
          }),
        );
        return {
          ...versionSummary({ ...version, pinned: input.pinned }),
          automation: automationState(row),
        };
      }),
    ),

  /** What changed from `from` to `to` (each a version reference; omitted: the working copy). */
  diff: procedure('read')
    .input(
      z.object({
        automation: automationRef,
        from: versionRef.optional(),
        to: versionRef.optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const from = await versionSide(ctx.db, row, input.from, 'from');
      const to = await versionSide(ctx.db, row, input.to, 'to');
      const store = new ContentStore(ctx.db);
      const { summary, changes } = await store.diff(from.root, to.root);
      return { from, to, summary, changes };
    }),
});
