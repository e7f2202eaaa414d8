// `ferry env …`: environments (named sets of variables an automation links to), their variables
// (secret ones masked unless an admin reveals them), CSV import and export.
import { extname } from 'node:path';
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, ifRevisionOption, leaf, noun, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { readTextFile, writeTextFile } from '../lib/files.js';
import { plural, quoted, when } from '../lib/format.js';

const MAX_TEXT_BYTES = 10 * 1024 * 1024;

/** `KEY=VALUE` (the value may contain `=` and be empty). */
export function parseAssignment(pair: string): { key: string; value: string } {
  const at = pair.indexOf('=');
  if (at <= 0) throw new CliError('usage', `"${pair}" is not KEY=VALUE.`, { path: 'variables' });
  return { key: pair.slice(0, at), value: pair.slice(at + 1) };
}

export function registerEnv(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'env',
    'environments and their variables; link them to automations',
    'environments: named sets of variables ({$env.NAME} in content); an automation links to at most one',
    'ferry env set "Prod" SKILL_ID=42 BRAND="Acme"',
  );

  leaf(cmd, 'list', 'list environments with their variable counts and linked automations', [
    'ferry env list',
  ]).action(async (_opts, command) => {
    const { out, client } = contextOf(rt, command);
    const envs = await client().environments.list.query();
    out.result(envs, () =>
      out.table(
        envs,
        [
          { header: 'NAME', value: (e) => e.name, style: (s) => out.color.bold(s) },
          { header: 'VARIABLES', value: (e) => e.variables, align: 'right' },
          { header: 'SECRETS', value: (e) => e.secrets, align: 'right' },
          { header: 'AUTOMATIONS', value: (e) => e.automations.map((a) => a.name).join(', ') },
          { header: 'ID', value: (e) => e.id, style: (s) => out.color.dim(s) },
        ],
        'No environments yet: create one with "ferry env create NAME".',
      ),
    );
  });

  leaf(cmd, 'create <name>', 'create an empty environment', ['ferry env create "Prod"']).action(
    async (name, _opts, command) => {
      const { out, client } = contextOf(rt, command);
      const env = await client().environments.create.mutate({ name });
      out.result(env, () => out.line(`Created environment ${quoted(env.name)} (${env.id}).`));
    },
  );

  leaf(
    cmd,
    'delete <name>',
    'delete an environment that no automation links (asks; --yes when not on a terminal)',
    ['ferry env delete "Old" --yes'],
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name, opts, command) => {
      const { out, client, confirm } = contextOf(rt, command);
      await confirm(
        `Delete the environment ${quoted(name)} with its variables?`,
        opts.yes,
        'Deleting an environment',
      );
      const deleted = await client().environments.delete.mutate({ environment: name });
      out.result(deleted, () => out.line(`Deleted environment ${quoted(deleted.name)}.`));
    });

  leaf(
    cmd,
    'show <name>',
    "an environment's variables (secret values masked unless an admin passes --reveal)",
    ['ferry env show "Prod"'],
  )
    .option('--reveal', 'show secret values (admins only; audited)')
    .action(async (name, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const env = await client().environments.show.query({
        environment: name,
        reveal: opts.reveal === true,
      });
      out.result(env, () => {
        out.line(
          `${out.color.bold(env.name)}: ${plural(env.variables.length, 'variable')}; linked to ${
            env.automations.length
              ? env.automations.map((a) => quoted(a.name)).join(', ')
              : 'no automation'
          }.`,
        );
        if (env.variables.length === 0) return;
        out.line();
        out.table(
          env.variables,
          [
            { header: 'KEY', value: (v) => v.key, style: (s) => out.color.bold(s) },
            { header: 'VALUE', value: (v) => v.value },
            { header: 'SECRET', value: (v) => (v.secret ? 'yes' : '') },
            { header: 'UPDATED', value: (v) => when(v.updatedAt) },
          ],
          '',
        );
      });
    });

  leaf(cmd, 'set <name> <assignments...>', 'set variables (KEY=VALUE …), adding or changing them', [
    'ferry env set "Prod" SKILL_ID=42 GREETING="Hello there"',
    'ferry env set "Prod" API_KEY=s3cr3t --secret',
  ])
    .option('--secret', 'mark these variables secret (stored encrypted, masked in listings)')
    .option('--replace', 'the environment becomes exactly these variables (others are removed)')
    .action(async (name, assignments, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const variables = assignments.map(parseAssignment);
      const done = await client().environments.set.mutate({
        environment: name,
        variables: variables.map((v) => ({ ...v, ...(opts.secret && { secret: true }) })),
        mode: opts.replace ? 'replace' : 'merge',
      });
      out.result(done, () => out.line(changeSentence(done)));
    });

  leaf(
    cmd,
    'unset <name> <keys...>',
    'remove variables (nothing is removed if one is not defined)',
    ['ferry env unset "Prod" OLD_KEY OTHER_KEY'],
  ).action(async (name, keys, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const done = await client().environments.unset.mutate({ environment: name, keys });
    out.result(done, () =>
      out.line(
        `Removed ${done.removed.join(', ')} from ${quoted(done.environment.name)} (${plural(done.variables, 'variable')} left).`,
      ),
    );
  });

  leaf(
    cmd,
    'link <automation> <name>',
    'link an automation to an environment (replacing its previous link)',
    [
      'ferry env link "Support (Prod)" "Prod"',
      'ferry env link "Support (Prod)" "Prod" --if-revision 7',
    ],
  )
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, name, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().environments.link.mutate({
        automation,
        environment: name,
        ...(opts.ifRevision !== undefined && { ifRevision: opts.ifRevision }),
      });
      out.result(done, () =>
        out.line(
          done.changed
            ? `Linked ${quoted(done.automation.name)} to ${quoted(done.environment.name)}${done.previous ? ` (was ${quoted(done.previous.name)})` : ''}; it is now at revision ${done.automation.revision}.`
            : `${quoted(done.automation.name)} was already linked to ${quoted(done.environment.name)}.`,
        ),
      );
    });

  leaf(cmd, 'unlink <automation>', "remove an automation's environment link", [
    'ferry env unlink "Support (Dev)"',
  ])
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const done = await client().environments.unlink.mutate({
        automation,
        ...(opts.ifRevision !== undefined && { ifRevision: opts.ifRevision }),
      });
      out.result(done, () =>
        out.line(
          done.previous
            ? `Unlinked ${quoted(done.automation.name)} from ${quoted(done.previous.name)}; it is now at revision ${done.automation.revision}.`
            : `${quoted(done.automation.name)} had no environment linked.`,
        ),
      );
    });

  leaf(
    cmd,
    'import <name> <file>',
    'import variables from a CSV file (header key,value[,secret]) or key=value lines (CB Bulk Add); all or nothing',
    [
      'ferry env import "Prod" prod.csv',
      'ferry env import "Prod" bulk.txt --format lines --secret',
    ],
  )
    .addOption(
      new Option(
        '--format <format>',
        'csv, or lines (key=value); default: csv for .csv files, else lines',
      ).choices(['csv', 'lines'] as const),
    )
    .option('--secret', 'with --format lines: mark every imported variable secret')
    .option('--replace', 'the environment becomes exactly the imported variables')
    .action(async (name, file, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const format = opts.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'lines');
      if (opts.secret && format === 'csv')
        throw new CliError(
          'usage',
          '--secret goes with --format lines; a CSV marks secrets in its secret column.',
        );
      const { text } = await readTextFile(file, MAX_TEXT_BYTES, rt.io.stdin);
      const mode = opts.replace ? ('replace' as const) : ('merge' as const);
      const c = client();
      const progress = out.progress(`Importing ${file}`);
      let done;
      try {
        done =
          format === 'csv'
            ? await c.environments.importCsv.mutate({
                environment: name,
                csv: text,
                format: 'csv',
                mode,
              })
            : await c.environments.importLines.mutate({
                environment: name,
                lines: text,
                mode,
                ...(opts.secret && { secret: true }),
              });
      } finally {
        progress.stop();
      }
      const result = done;
      out.result(result, () => out.line(changeSentence(result)));
    });

  leaf(
    cmd,
    'export <name>',
    'the variables as CSV (key,value,secret) on stdout or to --out FILE; secrets masked unless --reveal',
    ['ferry env export "Prod" --out prod.csv'],
  )
    .option('--out <file>', 'write the CSV to this file')
    .option('--reveal', 'include secret values (admins only; audited)')
    .action(async (name, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const exported = await client().environments.exportCsv.query({
        environment: name,
        reveal: opts.reveal === true,
      });
      if (opts.out === undefined) {
        out.result(exported, () => rt.io.stdout.write(exported.csv));
        return;
      }
      await writeTextFile(opts.out, exported.csv);
      const { csv: _csv, ...meta } = exported;
      out.result({ ...meta, file: opts.out }, () =>
        out.line(
          `Exported ${plural(exported.variables, 'variable')} of ${quoted(exported.environment.name)} to ${opts.out}.`,
        ),
      );
    });

  return cmd;
}

function changeSentence(done: {
  environment: { name: string };
  added: string[];
  updated: string[];
  removed: string[];
  variables: number;
}): string {
  const parts = [
    done.added.length ? `added ${done.added.join(', ')}` : '',
    done.updated.length ? `changed ${done.updated.join(', ')}` : '',
    done.removed.length ? `removed ${done.removed.join(', ')}` : '',
  ].filter(Boolean);
  return `${quoted(done.environment.name)}: ${parts.length ? parts.join('; ') : 'nothing changed'} (${plural(done.variables, 'variable')}).`;
}
