// `ferry verify`, `ferry gc` and `ferry policy`: the content store's integrity check and garbage
// collection, and the instance policy (admins only); `ferry admin rotate-key`, offline.
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import {
  contextOf,
  jsonOption,
  leaf,
  noun,
  positiveInt,
  wholeNumber,
  type Runtime,
} from '../lib/command.js';
import { CliError, STARTUP_FAILURE_KIND } from '../lib/errors.js';
import { fields, plural } from '../lib/format.js';

/** How `verify` names each kind of snapshot pointer when counting the damaged ones. */
const KIND_NAMES = {
  automation: ['working copy', 'working copies'],
  version: ['version', 'versions'],
  release: ['release', 'releases'],
  upgrade: ['upgrade result', 'upgrade results'],
} as const;

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
        for (const d of r.damaged)
          out.line(`  damaged ${d.label} (${d.kind} ${d.id}): ${d.problem}`);
        if (r.damagedCount > r.damaged.length)
          out.line(`  … and ${plural(r.damagedCount - r.damaged.length, 'more damaged snapshot')}`);
        const kinds = Object.entries(r.damagedByKind).filter(([, n]) => n > 0);
        if (kinds.length > 0)
          out.line(
            `Damaged: ${kinds
              .map(([kind, n]) => {
                const [one, many] = KIND_NAMES[kind as keyof typeof KIND_NAMES];
                return plural(n, one, many);
              })
              .join(', ')}.`,
          );
      }
    });
    if (!r.ok)
      throw new CliError(
        'unexpected',
        `The content store is damaged: ${plural(r.corrupt.length, 'corrupt node')}, ${plural(r.missing.length, 'missing node')}, ${plural(r.damagedCount, 'damaged snapshot')}.`,
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
    'the instance policy: acceptor ≠ creator, required approvals, retention of automatic versions',
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
            ['approvals required before an upgrade', p.requiredApprovals],
          ]),
        ),
      );
    },
  );
  leaf(policy, 'set', 'change the instance policy (admins only)', [
    'ferry policy set --acceptor-must-differ',
    'ferry policy set --keep-automatic all',
    'ferry policy set --required-approvals 2',
  ])
    .option('--acceptor-must-differ', "a release's acceptor must not be its creator")
    .option('--no-acceptor-must-differ', 'anyone with the role may accept any release')
    .addOption(
      new Option(
        '--keep-automatic <n>',
        'automatic versions kept per automation ("all": no pruning)',
        // "all" stays a string here: Commander turns a parser's null into '' (which the API refused).
      ).argParser((v): number | 'all' => (v === 'all' ? 'all' : positiveInt(v))),
    )
    .addOption(
      new Option(
        '--required-approvals <n>',
        'approvals a release needs from distinct acceptors other than its creator before an upgrade (0: none)',
      ).argParser(wholeNumber),
    )
    .action(async (opts, command) => {
      const { out, client } = contextOf(rt, command);
      const p = await client().admin.setPolicy.mutate({
        ...(opts.requiredApprovals !== undefined && { requiredApprovals: opts.requiredApprovals }),
        ...(opts.acceptorMustDiffer !== undefined && {
          acceptorMustDifferFromCreator: opts.acceptorMustDiffer,
        }),
        ...(opts.keepAutomatic !== undefined && {
          keepAutomaticVersions: opts.keepAutomatic === 'all' ? null : opts.keepAutomatic,
        }),
      });
      out.result(p, () =>
        out.line(
          `Policy: acceptor must differ from creator: ${p.acceptorMustDifferFromCreator ? 'yes' : 'no'}; automatic versions kept: ${p.keepAutomaticVersions ?? 'all'}; approvals required: ${p.requiredApprovals}.`,
        ),
      );
    });

  registerRotateKey(program, rt);
}

/**
 * `ferry admin rotate-key`: an offline command. It opens the database itself (the embedded one in
 * --data, which no server may hold, or DATABASE_URL) rather than going through a server, because
 * every server must be restarted with the new key anyway.
 */
function registerRotateKey(program: CommandUnknownOpts, rt: Runtime) {
  const env = rt.env.server;
  const admin = noun(
    program,
    'admin',
    'offline instance administration (no server running)',
    'offline instance administration: commands that open the database directly, with no server running',
    'ferry admin rotate-key --data ./.ferry/data',
  );
  admin
    .command('rotate-key')
    .description(
      're-encrypt every secret environment variable under a new key, in one transaction (offline: stop the servers first)',
    )
    .summary('re-encrypt every secret under a new key')
    .option(
      '--data <dir>',
      'the embedded database directory (env: FERRY_DATA_DIR; default ./.ferry/data; unused with DATABASE_URL)',
    )
    .option(
      '--new-key <key>',
      'the new key, 32 bytes as 64 hex digits or base64 (env: FERRY_NEW_SECRET_KEY; generated and printed once otherwise)',
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
The current key is FERRY_SECRET_KEY or, on the embedded database without it, the data directory's
secret.key (which is then replaced by the new key, safely). The database is DATABASE_URL when set.
Every secret and the key check value change in one transaction: on any failure nothing changes.
Refused while a server holds the embedded data directory. On PostgreSQL, stop every server first:
one still running on the old key can no longer save or reveal secrets. Afterwards set
FERRY_SECRET_KEY to the new key on every server.

Examples:
  $ ferry admin rotate-key --data ./.ferry/data
  $ DATABASE_URL=postgres://… FERRY_SECRET_KEY=<current> FERRY_NEW_SECRET_KEY=<new> ferry admin rotate-key
`,
    )
    .action(async (opts, command) => {
      const { out } = contextOf(rt, command);
      const api = await import('@ferry/api');
      const dataDir = opts.data ?? env.dataDir ?? './.ferry/data';
      const progress = out.progress('Re-encrypting secrets');
      let result;
      try {
        result = await api.rotateInstanceKey({
          dataDir,
          ...(env.databaseUrl !== undefined && { databaseUrl: env.databaseUrl }),
          ...(env.secretKey !== undefined && { secretKey: env.secretKey }),
          ...((opts.newKey ?? env.newSecretKey) !== undefined && {
            newKey: opts.newKey ?? env.newSecretKey,
          }),
          onProgress: (done, total) => progress.update(`Re-encrypting secrets ${done}/${total}`),
        });
      } catch (e) {
        const failure = api.describeStartupFailure(e, { port: 0, host: '' });
        throw new CliError(STARTUP_FAILURE_KIND[failure.kind], failure.message);
      } finally {
        progress.stop();
      }
      const r = result;
      const newKeyNote = r.keyFile
        ? `The key file ${r.keyFile} now holds the new key. If any server is given FERRY_SECRET_KEY instead, set it to the new key.`
        : 'Now set FERRY_SECRET_KEY to the new key on every server (every replica) before starting it: a server given the old key refuses to start.';
      out.result(
        {
          secrets: r.secrets,
          database: r.database,
          keyFile: r.keyFile ?? null,
          // The generated key is the result itself where no key file keeps it.
          newKey: r.keyFile ? null : (r.generatedKey ?? null),
        },
        () => {
          out.line(
            `Re-encrypted ${plural(r.secrets, 'secret')} under the new key and updated the key check value (one transaction).`,
          );
          if (r.generatedKey && !r.keyFile)
            out.line(`New key (shown once, store it now): ${r.generatedKey}`);
          out.line(newKeyNote);
        },
      );
      if (out.json) out.message(newKeyNote);
    });
}
