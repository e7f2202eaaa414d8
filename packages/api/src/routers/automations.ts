// Automations: list, create, show, rename, delete, import a CB export, export one, read content.
import {
  activeUpgrade,
  emptyContent,
  exportCbExport,
  importCbExport,
  importInto,
  rejectRelease,
  type BotContent,
} from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, opContext, writeAudit } from '../audit.js';
import { ContentStore } from '../content.js';
import { fail, unwrap } from '../errors.js';
import {
  advanceAutomation,
  findAutomation,
  lockAutomation,
  requireRevision,
  storeAutomation,
  toAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { pruneAutomaticVersions } from '../repositories/retention.js';
import {
  findVersion,
  insertVersions,
  versionHolds,
  versionSummary,
} from '../repositories/version-repository.js';
import {
  ledgerOf,
  pendingReleaseOf,
  storeRelease,
  toUpgrade,
} from '../repositories/release-repository.js';
import { procedure, router } from '../trpc.js';
import { automationRef, baseRevision, jsonObject, jsonText, name, textInput } from './inputs.js';

const summary = (row: AutomationRow) => ({ id: row.id, name: row.name, revision: row.revision });

async function uniqueName(db: Db, wanted: string): Promise<string> {
  const taken = new Set(
    (await db.select({ name: schema.automations.name }).from(schema.automations)).map(
      (r) => r.name,
    ),
  );
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.has(`${wanted} (${i})`)) return `${wanted} (${i})`;
}

async function requireFreeName(db: Db, wanted: string, except?: string): Promise<void> {
  const [clash] = await db
    .select({ id: schema.automations.id })
    .from(schema.automations)
    .where(
      except
        ? and(eq(schema.automations.name, wanted), ne(schema.automations.id, except))
        : eq(schema.automations.name, wanted),
    );
  if (clash) fail('CONFLICT', `An automation named "${wanted}" already exists.`, 'name');
}

const countContent = (content: BotContent) => ({
  dialogs: content.dialogs.length,
  interactions: content.dialogs.reduce((n, d) => n + d.interactions.length, 0),
  integrations: Array.isArray(content.sections.responder) ? content.sections.responder.length : 0,
});

export const automationsRouter = router({
  list: procedure('read').query(async ({ ctx }) => {
    const rows = await ctx.db.select().from(schema.automations).orderBy(schema.automations.name);
    const envs = new Map(
      (await ctx.db.select().from(schema.environments)).map((e) => [e.id, e.name]),
    );
    const ids = rows.map((r) => r.id);
    const pending = ids.length
      ? await ctx.db
          .select()
          .from(schema.releases)
          .where(and(inArray(schema.releases.targetId, ids), eq(schema.releases.status, 'pending')))
      : [];
    const upgrades = ids.length
      ? await ctx.db
          .select()
          .from(schema.upgrades)
          .where(inArray(schema.upgrades.targetId, ids))
          .orderBy(schema.upgrades.seq)
      : [];
    const lastVersions = ids.length
      ? await ctx.db
          .select()
          .from(schema.versions)
          .where(inArray(schema.versions.automationId, ids))
          .orderBy(desc(schema.versions.number))
      : [];
    return rows.map((row) => {
      const last = lastVersions.find((v) => v.automationId === row.id);
      const running = activeUpgrade(upgrades.filter((u) => u.targetId === row.id).map(toUpgrade));
      const waiting = pending.find((p) => p.targetId === row.id);
      return {
        ...summary(row),
        environment: row.environmentId ? (envs.get(row.environmentId) ?? null) : null,
        lastVersion: last ? { id: last.id, number: last.number, name: last.name } : null,
        runsRelease: running ? running.releaseVersion : null,
        pendingRelease: waiting ? { id: waiting.id, version: waiting.version } : null,
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
        const [row] = await tx
          .insert(schema.automations)
          .values({ id: uuidv7(), name: input.name, root })
          .returning();
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.create', row!.id, {
            after: root,
            details: { name: input.name },
          }),
        );
        return summary(row!);
      }),
    ),

  show: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const content = await new ContentStore(ctx.db).read(row.root);
      const [env] = row.environmentId
        ? await ctx.db
            .select()
            .from(schema.environments)
            .where(eq(schema.environments.id, row.environmentId))
        : [];
      const agents = await ctx.db
        .select()
        .from(schema.agents)
        .where(eq(schema.agents.automationId, row.id));
      const ledger = await ledgerOf(ctx.db, row.id);
      const running = activeUpgrade(ledger);
      return {
        ...summary(row),
        root: row.root,
        environment: env ? { id: env.id, name: env.name } : null,
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
        const sent = await tx
          .update(schema.releases)
          .set({ sourceName: row.name })
          .where(eq(schema.releases.sourceId, row.id))
          .returning({ id: schema.releases.id });
        const received = await tx
          .update(schema.releases)
          .set({ targetName: row.name })
          .where(eq(schema.releases.targetId, row.id))
          .returning({ id: schema.releases.id });
        await tx.delete(schema.automations).where(eq(schema.automations.id, row.id));
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.delete', row.id, {
            before: row.root,
            details: {
              name: row.name,
              releasesKept: sent.length + received.length,
              ...(waiting && { closedReleaseId: waiting.id }),
            },
          }),
        );
        return {
          id: row.id,
          name: row.name,
          deleted: true,
          releasesKept: sent.length + received.length,
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
      const { content, name: botName } = unwrap(parsed);
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
          };
        }
        const wanted = input.name ?? (botName?.trim() || 'Imported bot');
        if (input.name !== undefined) await requireFreeName(tx, wanted);
        const finalName = input.name ?? (await uniqueName(tx, wanted));
        const [row] = await tx
          .insert(schema.automations)
          .values({ id: uuidv7(), name: finalName, root })
          .returning();
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'automation.import', row!.id, {
            after: root,
            details: { into: false, ...counts },
          }),
        );
        return { ...summary(row!), created: true, counts, backup: null, pruned: [] as number[] };
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
      };
    }),
});
