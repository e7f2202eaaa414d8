// Automations: list, create, show, rename, delete, import a CB export, export one, read content.
import {
  emptyContent,
  exportCbExport,
  exportCbExportText,
  importCbExport,
  rejectRelease,
  type BotContent,
} from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, opContext, writeAudit } from '../audit.js';
import { ContentStore } from '../content.js';
import {
  SEARCH_FIELDS,
  countStructure,
  dialogPage,
  integrationsOf,
  readDialogSubtree,
} from '../content-tree.js';
import { runsOf, runsOfOne } from '../release-flow.js';
import { importAsNewAutomation, importIntoAutomation } from '../import-target.js';
import { fail, unwrap } from '../errors.js';
import { agentsOf } from '../repositories/agent-repository.js';
import {
  advanceAutomation,
  automationNameTaken,
  deleteAutomation,
  findAutomation,
  insertAutomation,
  listAutomations,
  lockAutomation,
  requireRevision,
  toAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { findVersion } from '../repositories/version-repository.js';
import { environmentOf } from '../repositories/environment-repository.js';
import {
  keepPartyName,
  ledgerOf,
  pendingReleaseOf,
  storeRelease,
} from '../repositories/release-repository.js';
import { procedure, router } from '../trpc.js';
import { automationRef, baseRevision, jsonObject, jsonText, name, textInput } from './inputs.js';

const summary = (row: AutomationRow) => ({ id: row.id, name: row.name, revision: row.revision });

async function requireFreeName(db: Db, wanted: string, except?: string): Promise<void> {
  if (await automationNameTaken(db, wanted, except))
    fail('CONFLICT', `An automation named "${wanted}" already exists.`, 'name');
}

const countContent = (content: BotContent) => ({
  dialogs: content.dialogs.length,
  interactions: content.dialogs.reduce((n, d) => n + d.interactions.length, 0),
  integrations: Array.isArray(content.sections.responder) ? content.sections.responder.length : 0,
});

export const automationsRouter = router({
  list: procedure('read').query(async ({ ctx }) => {
    const listed = await listAutomations(ctx.db);
    const runs = await runsOf(
      ctx.db,
      listed.map((l) => l.ledger),
    );
    return listed.map(({ row, environment, lastVersion, ...facts }, i) => {
      const running = runs[i];
      return {
        ...summary(row),
        environment,
        lastVersion,
        /** The release it runs; null when it runs none, or a rollback's backup (see `runs`). */
        runsRelease: running?.release?.version ?? null,
        runs: running?.text ?? 'no release',
        pendingRelease: facts.pendingRelease,
        updatedAt: row.updatedAt.toISOString(),
      };
    });
  }),

  create: procedure('edit')
    .input(z.object({ name }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        await requireFreeName(tx, input.name);
        const root = await new ContentStore(tx).write(emptyContent());
        const row = await insertAutomation(tx, { id: uuidv7(), name: input.name, root });
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.create', row.id, {
            after: root,
            details: { name: input.name },
          }),
        );
        return summary(row);
      }),
    ),

  show: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      // The counts from the snapshot's structure: its entities are never read here.
      const counts = await countStructure(ctx.db, new ContentStore(ctx.db).snap, row.root);
      const environment = await environmentOf(ctx.db, row.environmentId);
      const agents = await agentsOf(ctx.db, row.id);
      const running = await runsOfOne(ctx.db, await ledgerOf(ctx.db, row.id));
      return {
        ...summary(row),
        root: row.root,
        environment,
        agents: agents.map((a) => ({ id: a.id, name: a.name })),
        lastVersionNumber: row.lastVersionNumber,
        /** The release it runs; null when it runs none, or a rollback's backup (see `runs`). */
        runsRelease: running.release,
        runs: running,
        counts,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      };
    }),

  /** The content model (dialogs, interactions, settings, sections) of the working copy or a version. */
  content: procedure('read')
    .input(z.object({ automation: automationRef, version: textInput().min(1).optional() }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const root = input.version ? (await findVersion(ctx.db, row, input.version)).root : row.root;
      return {
        id: row.id,
        name: row.name,
        revision: row.revision,
        root,
        content: await new ContentStore(ctx.db).read(root),
      };
    }),

  /**
   * A page of the working copy's (or a version's) dialogs: name, kind and interaction count, and
   * with `search` only the dialogs whose name, interaction names or texts hold it (`in` narrows
   * where to look). Reads the page's dialogs, or what the search looks in, never the whole bot.
   */
  dialogs: procedure('read')
    .input(
      z.object({
        automation: automationRef,
        version: textInput().min(1).optional(),
        search: textInput().max(200, 'must be at most 200 characters').optional(),
        in: z.enum(SEARCH_FIELDS).default('all'),
        offset: z.number().int().min(0, 'must be 0 or more').default(0),
        limit: z
          .number()
          .int()
          .min(1, 'must be 1 or more')
          .max(500, 'must be at most 500')
          .default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const root = input.version ? (await findVersion(ctx.db, row, input.version)).root : row.root;
      const page = await dialogPage(ctx.db, new ContentStore(ctx.db).snap, root, input);
      return {
        id: row.id,
        revision: row.revision,
        root,
        offset: input.offset,
        limit: input.limit,
        ...page,
      };
    }),

  /** One dialog of the working copy (or a version) with its interactions as CB stores them. */
  dialog: procedure('read')
    .input(
      z.object({
        automation: automationRef,
        version: textInput().min(1).optional(),
        dialogId: textInput().min(1, 'must not be empty'),
      }),
    )
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const root = input.version ? (await findVersion(ctx.db, row, input.version)).root : row.root;
      const subtree = await readDialogSubtree(
        ctx.db,
        new ContentStore(ctx.db).snap,
        root,
        input.dialogId,
      );
      return { id: row.id, revision: row.revision, root, ...subtree };
    }),

  /** The integrations of the working copy (or a version) by id and name, e.g. for a form to pick one. */
  integrations: procedure('read')
    .input(z.object({ automation: automationRef, version: textInput().min(1).optional() }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const root = input.version ? (await findVersion(ctx.db, row, input.version)).root : row.root;
      const store = new ContentStore(ctx.db);
      return {
        id: row.id,
        revision: row.revision,
        root,
        integrations: await integrationsOf(ctx.db, store.snap, root),
      };
    }),

  rename: procedure('edit')
    .input(z.object({ automation: automationRef, name, baseRevision }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        requireRevision(row, input.baseRevision);
        await requireFreeName(tx, input.name, row.id);
        const next = await advanceAutomation(tx, row, { name: input.name });
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.rename', row.id, {
            details: { from: row.name, to: input.name },
          }),
        );
        return summary(next);
      }),
    ),

  delete: procedure('admin')
    .input(z.object({ automation: automationRef }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        // Rule 15: the releases and upgrades it sent or received stay (they have no foreign key
        // to it) and keep its name. A release still waiting for it can never be accepted now:
        // it is closed as rejected, so that it is pending for no one.
        const waiting = await pendingReleaseOf(tx, row.id);
        if (waiting) {
          const closed = unwrap(
            rejectRelease(
              toAutomation(row),
              waiting,
              { reason: `"${row.name}" was deleted.` },
              opContext(ctx, uuidv7),
            ),
          );
          await storeRelease(tx, closed.release);
          await writeAudit(tx, ctx, closed.audit);
        }
        const releasesKept = await keepPartyName(tx, row.id, row.name);
        await deleteAutomation(tx, row.id);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.delete', row.id, {
            before: row.root,
            details: {
              name: row.name,
              releasesKept,
              ...(waiting && { closedReleaseId: waiting.id }),
            },
          }),
        );
        return {
          id: row.id,
          name: row.name,
          deleted: true,
          releasesKept,
          closedRelease: waiting ? { id: waiting.id, version: waiting.version } : null,
        };
      }),
    ),

  /** A CB export as a new automation, or (with `into`) as an existing automation's new working copy. */
  import: procedure('edit')
    .input(
      z.object({
        document: z.union([jsonText, jsonObject]),
        name: name.optional(),
        into: automationRef.optional(),
        baseRevision,
      }),
    )
    .mutation(({ ctx, input }) => {
      const parsed = importCbExport(input.document);
      if (!parsed.ok)
        fail('VALIDATION', parsed.error.message, `document${parsed.error.path ?? ''}`);
      // Warnings (an interaction whose dialog is missing: kept, exported again) go back to the caller.
      const { content, name: botName, warnings } = unwrap(parsed);
      return ctx.db.transaction(async (tx) => {
        const root = await new ContentStore(tx).write(content);
        const counts = countContent(content);
        const imported =
          input.into !== undefined
            ? await importIntoAutomation(tx, ctx, await lockAutomation(tx, input.into, 'into'), {
                root,
                counts,
                baseRevision: input.baseRevision,
                warnings,
              })
            : await importAsNewAutomation(tx, ctx, {
                root,
                counts,
                name: input.name,
                botName,
                warnings,
              });
        return imported.result;
      });
    }),

  /** The working copy (or a version) as a CB export for this automation. */
  export: procedure('read')
    .input(z.object({ automation: automationRef, version: textInput().min(1).optional() }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const root = input.version ? (await findVersion(ctx.db, row, input.version)).root : row.root;
      const content = await new ContentStore(ctx.db).read(root);
      return {
        id: row.id,
        name: row.name,
        root,
        document: exportCbExport(content, { id: row.id, name: row.name }),
        /** The export as text: an imported export's exact text (key order, number lexemes). */
        text: exportCbExportText(content, { id: row.id, name: row.name }),
      };
    }),
});
