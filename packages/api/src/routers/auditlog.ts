// The audit trail (DESIGN.md rule 11), newest first, filtered and paged by sequence number. Entries
// outlive what they talk about: a deleted automation's entries keep its id, without a name.
import { NAME_MAX } from '@ferry/core';
import { z } from 'zod';
import { auditReferences, listAuditEntries } from '../repositories/audit-log-repository.js';
import { procedure, router } from '../trpc.js';
import { refInput, textInput } from './inputs.js';

const instant = z.union(
  [z.iso.datetime({ offset: true }), z.iso.date()],
  'must be an ISO date (2024-05-01) or date-time (2024-05-01T12:00:00Z)',
);

export const auditlogRouter = router({
  /**
   * Entries newest first. `automation` is an id or a current name; `action` is exact, or a prefix
   * when it ends with `*` (e.g. `environment.*`); `since` and `until` are inclusive. Pass the
   * answer's `nextCursor` as `cursor` for the next page (null: no more). `refs` says what the ids
   * of the page's entries name now (versions, releases, automations), so a reader shows names and
   * links instead of raw ids; an id of something deleted since is not in it.
   */
  list: procedure('read')
    .input(
      z
        .object({
          automation: refInput('must name an automation by its id or name').optional(),
          actor: refInput('must name a user').optional(),
          action: refInput('must name an action').max(NAME_MAX).optional(),
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
      const rows = await listAuditEntries(ctx.db, {
        ...(input.automation !== undefined && { automation: input.automation }),
        ...(input.actor !== undefined && { actor: input.actor }),
        ...(input.action !== undefined && {
          action: input.action.endsWith('*')
            ? { prefix: input.action.slice(0, -1) }
            : { exact: input.action },
        }),
        ...(input.since !== undefined && { since: new Date(input.since) }),
        ...(input.until !== undefined && {
          // A date alone means the whole day.
          until: /^\d{4}-\d{2}-\d{2}$/.test(input.until)
            ? { at: new Date(Date.parse(input.until) + 24 * 3600 * 1000), inclusive: false }
            : { at: new Date(input.until), inclusive: true },
        }),
        ...(input.cursor !== undefined && { beforeSeq: Number(input.cursor) }),
        // One more than a page tells whether there is a next one.
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      // The query asks for one row more than the limit: when it comes, the next page starts after
      // the last entry shown here.
      const last = page.at(-1);
      const refs = await auditReferences(
        ctx.db,
        page.map((r) => r.entry),
      );
      return {
        refs,
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
        nextCursor: rows.length > input.limit && last ? String(last.entry.seq) : null,
      };
    }),
});
