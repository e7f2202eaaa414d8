// `ferry diff A [FROM] [TO]`: what changed between two versions, or a version and the working copy.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { printChanges } from '../lib/changes.js';
import { contextOf, leaf, type Runtime } from '../lib/command.js';

export function registerDiff(program: CommandUnknownOpts, rt: Runtime) {
  return leaf(
    program,
    'diff <automation> [from] [to]',
    'what changed from FROM to TO (versions: N, #N, id or name; an omitted TO is the working copy; with neither, the changes since the last saved version)',
    [
      'ferry diff "Support (Dev)" 1 2',
      'ferry diff "Support (Dev)" 2          # version 2 → working copy',
      'ferry diff "Support (Dev)" --json | jq .summary',
    ],
  ).action(async (automation, from, to, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const c = client();
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
