// `ferry diff A [FROM] [TO]`: what changed between two versions, or a version and the working copy;
// `ferry diff A --against B`: what A's working copy has that B's has not (e.g. Dev against Prod).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { printChanges } from '../lib/changes.js';
import { contextOf, leaf, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';

export function registerDiff(program: CommandUnknownOpts, rt: Runtime) {
  return leaf(
    program,
    'diff <automation> [from] [to]',
    'what changed from FROM to TO (versions: N, #N, id or name; an omitted TO is the working copy; with neither, the changes since the last saved version)',
    [
      'ferry diff "Support (Dev)" 1 2',
      'ferry diff "Support (Dev)" 2          # version 2 → working copy',
      'ferry diff "Support (Dev)" --json | jq .summary',
      'ferry diff "Support (Dev)" --against "Support (Prod)"   # what a release Dev → Prod would change',
    ],
  )
    .option(
      '--against <automation>',
      "compare with another automation: from its working copy to this one's (no versions)",
    )
    .action(async (automation, from, to, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const c = client();
      if (opts.against !== undefined) {
        if (from !== undefined)
          throw new CliError('usage', '--against compares working copies: leave out FROM and TO.');
        const diff = await c.compare.automations.query({ automation, against: opts.against });
        out.result(diff, () => {
          out.line(out.color.bold(`${diff.from.label} → ${diff.to.label}`));
          printChanges(out, diff.summary, diff.changes);
        });
        return;
      }
      let fromRef = from;
      if (fromRef === undefined) {
        // Unsaved changes: the newest version against the working copy (nothing saved: no changes).
        const [newest] = await c.versions.list.query({ automation });
        if (newest) fromRef = String(newest.number);
      }
      const diff = await c.versions.diff.query({
        automation,
        ...(fromRef !== undefined && { from: fromRef }),
        ...(to !== undefined && { to }),
      });
      out.result(diff, () => {
        out.line(out.color.bold(`${diff.from.label} → ${diff.to.label}`));
        printChanges(out, diff.summary, diff.changes);
      });
    });
}
