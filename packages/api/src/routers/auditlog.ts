// The audit trail (DESIGN.md rule 11), newest first, filtered and paged by sequence number. Entries
// outlive what they talk about: a deleted automation's entries keep its id, without a name.
import { NAME_MAX } from '@ferry/core';
import { schema } from '@ferry/db';
import { and, desc, eq, gte, like, lt, lte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { procedure, router } from '../trpc.js';
import { refInput, textInput } from './inputs.js';

const instant = z.union(
  [z.iso.datetime({ offset: true }), z.iso.date()],
  'must be an ISO date (2024-05-01) or date-time (2024-05-01T12:00:00Z)',
);

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export const auditlogRouter = router({
  /**
   * Entries newest first. `automation` is an id or a current name; `action` is exact, or a prefix
   * when it ends with `*` (e.g. `environment.*`); `since` and `until` are inclusive. Pass the
   * answer's `nextCursor` as `cursor` for the next page (null: no more).
   */
  list: procedure('read')
    .input(
      z
        .object({
          automation: refInput('names an automation (id or name)').optional(),
          actor: refInput('names a user').optional(),
          action: refInput('names an action').max(NAME_MAX).optional(),
          since: instant.optional(),
          until: instant.optional(),
          limit: z.number().int().min(1).max(500).default(50),
          cursor: textInput()
            .regex(/^[1-9][0-9]{0,15}$/, 'must be a nextCursor from a previous page')
            .optional(),
        })
        .default({ limit: 50 }),
    )
    .query(async ({ ctx, input }) => {
      const log = schema.auditLog;
      const where: (SQL | undefined)[] = [];
      if (input.automation !== undefined) {
        // By id (also of deleted automations) or by the current name.
        const named = await ctx.db
          .select({ id: schema.automations.id })
          .from(schema.automations)
          .where(eq(schema.automations.name, input.automation));
        where.push(
          or(
            eq(log.automationId, input.automation),
            ...named.map((a) => eq(log.automationId, a.id)),
          ),
        );
      }
      if (input.actor !== undefined) where.push(eq(log.actor, input.actor));
      if (input.action !== undefined)
        where.push(
          input.action.endsWith('*')
            ? like(log.action, `${escapeLike(input.action.slice(0, -1))}%`)
            : eq(log.action, input.action),
        );
      if (input.since !== undefined) where.push(gte(log.at, new Date(input.since)));
      if (input.until !== undefined)
        where.push(
          // A date alone means the whole day.
          /^\d{4}-\d{2}-\d{2}$/.test(input.until)
            ? lt(log.at, new Date(Date.parse(input.until) + 24 * 3600 * 1000))
            : lte(log.at, new Date(input.until)),
        );
      if (input.cursor !== undefined) where.push(lt(log.seq, Number(input.cursor)));
      const rows = await ctx.db
        .select({ entry: log, automationName: schema.automations.name })
        .from(log)
        .leftJoin(schema.automations, eq(schema.automations.id, log.automationId))
        .where(and(...where))
        .orderBy(desc(log.seq))
        .limit(input.limit + 1);
      const page = rows.slice(0, input.limit);
      return {
        entries: page.map(({ entry: e, automationName }) => ({
          seq: e.seq,
          at: e.at.toISOString(),
          actor: e.actor,
          action: e.action,
          automationId: e.automationId,
          automationName: automationName ?? null,
          versionId: e.versionId,
          releaseId: e.releaseId,
          before: e.before,
          after: e.after,
          details: e.details ?? null,
          requestId: e.requestId,
        })),
        nextCursor: rows.length > input.limit ? String(page[page.length - 1]!.entry.seq) : null,
      };
    }),
});
