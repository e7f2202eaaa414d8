// Automations: list, create, show, rename, delete, import a CB export, export one, read content.
import {
  activeUpgrade,
  emptyContent,
  exportCbExport,
  exportCbExportText,
  importCbExport,
  importInto,
  rejectRelease,
  type BotContent,
} from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, opContext, writeAudit } from '../audit.js';
import { ContentStore } from '../content.js';
import { fail, unwrap } from '../errors.js';
import { agentsOf } from '../repositories/agent-repository.js';
import {
  advanceAutomation,
  automationNamesInUse,
  automationNameTaken,
  deleteAutomation,
  findAutomation,
  insertAutomation,
  listAutomations,
  lockAutomation,
  requireRevision,
  storeAutomation,
  toAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import {
  findVersion,
  insertVersions,
  versionHolds,
  versionSummary,
} from '../repositories/version-repository.js';
import { environmentOf } from '../repositories/environment-repository.js';
import {
  keepPartyName,
  ledgerOf,
  pendingReleaseOf,
  storeRelease,
} from '../repositories/release-repository.js';
import { pruneAutomaticVersions } from '../retention.js';
import { procedure, router } from '../trpc.js';
import { automationRef, baseRevision, jsonObject, jsonText, name, textInput } from './inputs.js';

const summary = (row: AutomationRow) => ({ id: row.id, name: row.name, revision: row.revision });

async function uniqueName(db: Db, wanted: string): Promise<string> {
  const taken = await automationNamesInUse(db);
  const free = (n: string) => !taken.has(n.toLowerCase());
  if (free(wanted)) return wanted;
  for (let i = 2; ; i++) if (free(`${wanted} (${i})`)) return `${wanted} (${i})`;
}

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
    return (await listAutomations(ctx.db)).map(({ row, environment, lastVersion, ...facts }) => {
      const running = activeUpgrade(facts.ledger);
      return {
        ...summary(row),
        environment,
        lastVersion,
        runsRelease: running ? running.releaseVersion : null,
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
      const content = await new ContentStore(ctx.db).read(row.root);
      const environment = await environmentOf(ctx.db, row.environmentId);
      const agents = await agentsOf(ctx.db, row.id);
      const ledger = await ledgerOf(ctx.db, row.id);
      const running = activeUpgrade(ledger);
      return {
        ...summary(row),
        root: row.root,
        environment,
        agents: agents.map((a) => ({ id: a.id, name: a.name })),
        lastVersionNumber: row.lastVersionNumber,
        runsRelease: running ? { id: running.releaseId, version: running.releaseVersion } : null,
        counts: countContent(content),
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
        const store = new ContentStore(tx);
        const root = await store.write(content);
        const counts = countContent(content);
        if (input.into !== undefined) {
          const row = await lockAutomation(tx, input.into, 'into');
          // Rule 15: the working copy being replaced is kept first, unless a version holds it.
          const done = unwrap(
            importInto(
              toAutomation(row),
              {
                root,
                workingCopySaved: await versionHolds(tx, row.id, row.root),
                ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
                details: counts,
              },
              opContext(ctx, uuidv7),
            ),
          );
          if (done.backup) await insertVersions(tx, done.backup);
          await storeAutomation(tx, done.automation);
          await writeAudit(tx, ctx, done.audit);
          const pruned = await pruneAutomaticVersions(
            tx,
            ctx,
            row.id,
            done.backup ? [done.backup.id] : [],
          );
          return {
            id: row.id,
            name: row.name,
            revision: done.automation.revision,
            created: false,
            counts,
            backup: done.backup ? versionSummary(done.backup) : null,
            pruned,
            warnings,
          };
        }
        // The export's bot name is content: a tab or line break in it becomes a space (names are one line).
        const wanted = input.name ?? (botName?.replace(/\p{Cc}+/gu, ' ').trim() || 'Imported bot');
        if (input.name !== undefined) await requireFreeName(tx, wanted);
        const finalName = input.name ?? (await uniqueName(tx, wanted));
        const row = await insertAutomation(tx, { id: uuidv7(), name: finalName, root });
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.import', row.id, {
            after: root,
            details: { into: false, ...counts },
          }),
        );
        return {
          ...summary(row),
          created: true,
          counts,
          backup: null,
          pruned: [] as number[],
          warnings,
        };
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
