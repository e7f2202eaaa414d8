// Webhooks (admins): add, list and remove the URLs that receive Ferry's events, and read their
// delivery log. The signing secret is sealed with the instance's key and never answered or logged;
// the audit trail names a webhook's origin only (a URL's path can be a credential, as Slack's are).
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import { fail } from '../errors.js';
import { hostOf, isPrivateAddress } from '../outbound-address.js';
import {
  deleteWebhook,
  insertWebhook,
  listWebhooks,
  recentDeliveries,
  webhookById,
  type WebhookRow,
} from '../repositories/webhook-repository.js';
import { assertKeyIsCurrent } from '../secret-key.js';
import { procedure, router } from '../trpc.js';
import { WEBHOOK_EVENTS } from '../webhooks.js';
import { refInput, textInput } from './inputs.js';
import { isIP } from 'node:net';
import { uuidv7 } from 'uuidv7';

const URL_MAX = 2048;

/** An http(s) URL without credentials in it. */
const webhookUrl = textInput()
  .trim()
  .min(1, 'must not be empty')
  .max(URL_MAX, `must be at most ${URL_MAX} characters`)
  .superRefine((text, ctx) => {
    const url = URL.canParse(text) ? new URL(text) : null;
    if (!url) ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
    else if (url.protocol !== 'http:' && url.protocol !== 'https:')
      ctx.addIssue({ code: 'custom', message: `must be http or https, not ${url.protocol}` });
    else if (url.username !== '' || url.password !== '')
      ctx.addIssue({
        code: 'custom',
        message: 'must not contain a user name or password (use --secret to sign deliveries)',
      });
  });

const secretInput = textInput()
  .min(16, 'must be at least 16 characters')
  .max(256, 'must be at most 256 characters');

const eventsInput = z
  .array(z.enum(WEBHOOK_EVENTS, { message: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
  .min(1, 'name at least one event');

export const webhookView = (row: WebhookRow) => ({
  id: row.id,
  url: row.url,
  events: row.events,
  /** Whether deliveries carry X-Ferry-Signature-256 (the secret itself is never answered). */
  signed: row.secretCiphertext !== null,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
});

export const webhooksRouter = router({
  add: procedure('admin')
    .input(z.object({ url: webhookUrl, events: eventsInput, secret: secretInput.optional() }))
    .mutation(({ ctx, input }) => {
      const url = new URL(input.url);
      const host = hostOf(url);
      if (
        !ctx.services.webhookAllowPrivate &&
        (host === 'localhost' || (isIP(host) !== 0 && isPrivateAddress(host)))
      )
        fail(
          'VALIDATION',
          `url: ${host} is a loopback, private or link-local address; deliveries there are refused (the instance may set FERRY_WEBHOOK_ALLOW_PRIVATE=1).`,
          'url',
        );
      return ctx.db.transaction(async (tx) => {
        const row: WebhookRow = {
          id: uuidv7(),
          url: input.url,
          events: [...new Set(input.events)],
          secretCiphertext:
            input.secret === undefined ? null : ctx.services.secrets.seal(input.secret),
          createdBy: ctx.caller.name,
          createdAt: new Date(),
        };
        if (input.secret !== undefined) await assertKeyIsCurrent(tx, ctx.services.secrets);
        await insertWebhook(tx, row);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'webhook.add', null, {
            details: {
              webhookId: row.id,
              origin: url.origin,
              events: row.events,
              signed: row.secretCiphertext !== null,
            },
          }),
        );
        return webhookView(row);
      });
    }),

  list: procedure('admin').query(async ({ ctx }) => (await listWebhooks(ctx.db)).map(webhookView)),

  remove: procedure('admin')
    .input(z.object({ webhook: refInput('must name a webhook by its id') }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row =
          (await webhookById(tx, input.webhook)) ??
          fail('NOT_FOUND', `There is no webhook "${input.webhook}".`, 'webhook');
        await deleteWebhook(tx, row.id);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'webhook.remove', null, {
            details: { webhookId: row.id, origin: new URL(row.url).origin, events: row.events },
          }),
        );
        return webhookView(row);
      }),
    ),

  /** The latest deliveries (of one webhook, or all), newest first, each with its attempts. */
  deliveries: procedure('admin')
    .input(
      z
        .object({
          webhook: refInput('must name a webhook by its id').optional(),
          limit: z.number().int().min(1).max(500).optional(),
        })
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      if (input?.webhook !== undefined && !(await webhookById(ctx.db, input.webhook)))
        fail('NOT_FOUND', `There is no webhook "${input.webhook}".`, 'webhook');
      const rows = await recentDeliveries(ctx.db, {
        ...(input?.webhook !== undefined && { webhookId: input.webhook }),
        limit: input?.limit ?? 50,
      });
      return rows.map((d) => ({
        id: d.id,
        webhookId: d.webhookId,
        url: d.url,
        event: d.event,
        status: d.status as 'pending' | 'delivered' | 'failed' | 'refused',
        attempts: d.attempts,
        createdAt: d.createdAt.toISOString(),
        finishedAt: d.finishedAt ? d.finishedAt.toISOString() : null,
        attemptLog: d.attemptLog.map((a) => ({
          attempt: a.attempt,
          at: a.at.toISOString(),
          httpStatus: a.httpStatus,
          error: a.error,
          ms: a.ms,
        })),
      }));
    }),
});
