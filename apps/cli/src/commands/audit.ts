// `ferry audit [A]`: the audit trail, newest first (who did what to which automation, with the
// content hashes before and after).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Outputs } from '../lib/client.js';
import { contextOf, leaf, positiveInt, type Runtime } from '../lib/command.js';
import { shortHash, when } from '../lib/format.js';

/** The server's page size limit; longer --limit values page through it. */
const PAGE = 500;

export function registerAudit(program: CommandUnknownOpts, rt: Runtime) {
  return leaf(
    program,
    'audit [automation]',
    'the audit trail, newest first (of one automation by id or name)',
    [
      'ferry audit "Support (Prod)" --limit 20',
      'ferry audit --action "release.*" --since 2025-01-01 --json',
    ],
  )
    .option('--limit <n>', 'how many entries', positiveInt, 50)
    .option(
      '--action <action>',
      'only this action (a trailing * matches a prefix, e.g. "environment.*")',
    )
    .option('--actor <user>', 'only what this user did')
    .option('--since <date>', 'from this ISO date or date-time')
    .option('--until <date>', 'up to this ISO date (the whole day) or date-time')
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const c = client();
      const entries: Outputs['audit']['list']['entries'] = [];
      let cursor: string | undefined;
      do {
        const page = await c.audit.list.query({
          ...(automation !== undefined && { automation }),
          ...(opts.action !== undefined && { action: opts.action }),
          ...(opts.actor !== undefined && { actor: opts.actor }),
          ...(opts.since !== undefined && { since: opts.since }),
          ...(opts.until !== undefined && { until: opts.until }),
          limit: Math.min(PAGE, opts.limit - entries.length),
          ...(cursor !== undefined && { cursor }),
        });
        entries.push(...page.entries);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && entries.length < opts.limit);
      out.result(entries, () =>
        out.table(
          entries,
          [
            { header: 'SEQ', value: (e) => e.seq, align: 'right' },
            { header: 'AT', value: (e) => when(e.at) },
            { header: 'ACTOR', value: (e) => e.actor },
            { header: 'ACTION', value: (e) => e.action, style: (s) => out.color.bold(s) },
            { header: 'AUTOMATION', value: (e) => e.automationName ?? e.automationId },
            {
              header: 'CONTENT',
              value: (e) =>
                e.before || e.after ? `${shortHash(e.before)} → ${shortHash(e.after)}` : null,
            },
            { header: 'DETAILS', value: (e) => summarise(e.details) },
          ],
          'No audit entries match.',
        ),
      );
    });
}

function summarise(details: unknown): string | null {
  if (details === null || typeof details !== 'object') return null;
  const text = Object.entries(details as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
