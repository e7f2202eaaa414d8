// `ferry webhook …` (admins): the URLs that receive a signed POST for each Ferry event they
// subscribe to, and the delivery log (each attempt's HTTP status or error).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, leaf, noun, positiveInt, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { when } from '../lib/format.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '@ferry/api/webhook-events';

/** `--events a,b` as a list, each named. */
function events(value: string): string[] {
  const list = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (list.length === 0)
    throw new CliError('usage', `--events names no event: use ${WEBHOOK_EVENTS.join(', ')}.`, {
      path: 'events',
    });
  const unknown = list.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined)
    throw new CliError('usage', `"${unknown}" is not an event: use ${WEBHOOK_EVENTS.join(', ')}.`, {
      path: 'events',
    });
  return list;
}

export function registerWebhook(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'webhook',
    'webhooks: URLs told of releases and versions (admins)',
    `webhooks (admins only): each gets a JSON POST per event it subscribes to, with X-Ferry-Event and, given a secret, X-Ferry-Signature-256 (sha256=HMAC-SHA256 of the raw body); events: ${WEBHOOK_EVENTS.join(', ')}`,
    'ferry webhook add https://ci.example.com/ferry --events release.created,release.upgraded --secret "$HOOK_SECRET"',
  );

  leaf(cmd, 'add <url>', 'add a webhook for the events named', [
    'ferry webhook add https://ci.example.com/ferry --events release.created,release.upgraded --secret "$HOOK_SECRET"',
  ])
    .requiredOption('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')}`)
    .option(
      '--secret <secret>',
      'sign each body with this secret (16 to 256 characters; stored encrypted, never shown)',
    )
    .action(async (url, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const hook = await client().webhooks.add.mutate({
        url,
        events: events(opts.events) as WebhookEvent[],
        ...(opts.secret !== undefined && { secret: opts.secret }),
      });
      out.result(hook, () =>
        out.line(
          `Added webhook ${hook.id} for ${hook.events.join(', ')}${hook.signed ? ' (signed)' : ''}.`,
        ),
      );
    });

  leaf(cmd, 'list', 'list webhooks with their events', ['ferry webhook list']).action(
    async (_opts, command) => {
      const { out, client } = contextOf(rt, command);
      const hooks = await client().webhooks.list.query();
      out.result(hooks, () =>
        out.table(
          hooks,
          [
            { header: 'ID', value: (h) => h.id, style: (s) => out.color.dim(s) },
            { header: 'URL', value: (h) => h.url, style: (s) => out.color.bold(s) },
            { header: 'EVENTS', value: (h) => h.events.join(',') },
            { header: 'SIGNED', value: (h) => (h.signed ? 'yes' : 'no') },
            { header: 'BY', value: (h) => h.createdBy },
            { header: 'CREATED', value: (h) => when(h.createdAt) },
          ],
          'No webhooks.',
        ),
      );
    },
  );

  leaf(cmd, 'remove <id>', 'remove a webhook and its delivery log', [
    'ferry webhook remove 0190a1b2-…',
  ]).action(async (id, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const removed = await client().webhooks.remove.mutate({ webhook: id });
    out.result(removed, () => out.line(`Removed webhook ${removed.id} (${removed.url}).`));
  });

  leaf(
    cmd,
    'deliveries',
    'the latest deliveries, newest first, with each attempt (of one webhook with --webhook)',
    ['ferry webhook deliveries', 'ferry webhook deliveries --webhook 0190a1b2-… --limit 10'],
  )
    .option('--webhook <id>', 'only this webhook')
    .option('--limit <n>', 'how many (default 50, at most 500)', positiveInt)
    .action(async (opts, command) => {
      const { out, client } = contextOf(rt, command);
      const deliveries = await client().webhooks.deliveries.query({
        ...(opts.webhook !== undefined && { webhook: opts.webhook }),
        ...(opts.limit !== undefined && { limit: opts.limit }),
      });
      out.result(deliveries, () =>
        out.table(
          deliveries,
          [
            { header: 'ID', value: (d) => d.id, style: (s) => out.color.dim(s) },
            { header: 'EVENT', value: (d) => d.event },
            {
              header: 'STATUS',
              value: (d) => d.status,
              style: (s, d) =>
                d.status === 'delivered'
                  ? out.color.green(s)
                  : d.status === 'pending'
                    ? out.color.yellow(s)
                    : out.color.red(s),
            },
            { header: 'ATTEMPTS', value: (d) => d.attempts, align: 'right' },
            {
              header: 'LAST',
              value: (d) => {
                const last = d.attemptLog.at(-1);
                return last ? (last.error ?? `HTTP ${last.httpStatus}`) : '';
              },
            },
            { header: 'URL', value: (d) => d.url },
            { header: 'CREATED', value: (d) => when(d.createdAt) },
          ],
          'No deliveries.',
        ),
      );
    });
}
