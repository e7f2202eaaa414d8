// `ferry verify`, `ferry gc` and `ferry policy`: the content store's integrity check and garbage
// collection, and the instance policy (admins only).
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, leaf, noun, positiveInt, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { fields, plural } from '../lib/format.js';

export function registerAdmin(program: CommandUnknownOpts, rt: Runtime) {
  leaf(
    program,
    'verify',
    "recompute every stored node's SHA-256 and check every snapshot is complete (exit 1 on damage)",
    ['ferry verify'],
  ).action(async (_opts, command) => {
    const { out, client } = contextOf(rt, command);
    const c = client();
    const progress = out.progress('Verifying the content store');
    let report;
    try {
      report = await c.admin.verify.query();
    } finally {
      progress.stop();
    }
    const r = report;
    out.result(r, () => {
      if (r.ok)
        out.line(
          `Verified ${plural(r.nodes, 'node')} and ${plural(r.roots, 'snapshot')}: all intact.`,
        );
      else {
        out.line(`Checked ${plural(r.nodes, 'node')} and ${plural(r.roots, 'snapshot')}:`);
        for (const h of r.corrupt) out.line(`  corrupt node ${h}`);
        for (const h of r.missing) out.line(`  missing node ${h}`);
        for (const d of r.damaged) out.line(`  damaged ${d.kind} ${d.id}: ${d.problem}`);
      }
    });
    if (!r.ok)
      throw new CliError(
        'unexpected',
        `The content store is damaged: ${plural(r.corrupt.length, 'corrupt node')}, ${plural(r.missing.length, 'missing node')}, ${plural(r.damaged.length, 'damaged snapshot')}.`,
      );
  });

  leaf(
    program,
    'gc',
    'delete the stored nodes no automation, version, release or upgrade reaches',
    ['ferry gc'],
  ).action(async (_opts, command) => {
    const { out, client } = contextOf(rt, command);
    const c = client();
    const progress = out.progress('Collecting unreachable nodes');
    let result;
    try {
      result = await c.admin.gc.mutate();
    } finally {
      progress.stop();
    }
    const r = result;
    out.result(r, () =>
      out.line(`Removed ${plural(r.removed, 'unreachable node')}; kept ${r.kept}.`),
    );
  });

  const policy = noun(
    program,
    'policy',
    'show or set the instance policy',
    'the instance policy: acceptor ≠ creator, retention of automatic versions',
    'ferry policy set --keep-automatic 50',
  );
  leaf(policy, 'show', 'show the instance policy', ['ferry policy show']).action(
    async (_opts, command) => {
      const { out, client } = contextOf(rt, command);
      const p = await client().admin.getPolicy.query();
      out.result(p, () =>
        out.line(
          fields([
            ['acceptor must differ from creator', p.acceptorMustDifferFromCreator ? 'yes' : 'no'],
            ['automatic versions kept', p.keepAutomaticVersions ?? 'all'],
          ]),
        ),
      );
    },
  );
  leaf(policy, 'set', 'change the instance policy (admins only)', [
    'ferry policy set --acceptor-must-differ',
    'ferry policy set --keep-automatic all',
  ])
    .option('--acceptor-must-differ', "a release's acceptor must not be its creator")
    .option('--no-acceptor-must-differ', 'anyone with the role may accept any release')
    .addOption(
      new Option(
        '--keep-automatic <n>',
        'automatic versions kept per automation ("all": no pruning)',
      ).argParser((v): number | null => (v === 'all' ? null : positiveInt(v))),
    )
    .action(async (opts, command) => {
      const { out, client } = contextOf(rt, command);
      const p = await client().admin.setPolicy.mutate({
        ...(opts.acceptorMustDiffer !== undefined && {
          acceptorMustDifferFromCreator: opts.acceptorMustDiffer,
        }),
        ...(opts.keepAutomatic !== undefined && { keepAutomaticVersions: opts.keepAutomatic }),
      });
      out.result(p, () =>
        out.line(
          `Policy: acceptor must differ from creator: ${p.acceptorMustDifferFromCreator ? 'yes' : 'no'}; automatic versions kept: ${p.keepAutomaticVersions ?? 'all'}.`,
        ),
      );
    });
}
