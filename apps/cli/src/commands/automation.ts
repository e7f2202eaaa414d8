// `ferry automation …` (also `ferry bot …`): list, create, show, rename, delete, import, export.
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, ifRevisionOption, leaf, noun, type Runtime } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import { formatBytes, readFileBytes } from '../lib/files.js';
import { pluralWord } from '@ferry/core/rules';
import { contentCounts, fields, plural, quoted, shortHash, when } from '../lib/format.js';

/** The server's default request limit; a smaller server limit is reported by the server. */
export const MAX_EXPORT_BYTES = 50 * 1024 * 1024;

export function registerAutomation(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'automation',
    'list, create, show, rename, delete, import and export automations',
    'automations (bots): list, create, show, rename, delete, import and export CB bots',
    'ferry automation import support-bot.json --name "Support (Dev)"',
  ).alias('bot');

  leaf(cmd, 'list', 'list automations with their environment, last version and releases', [
    'ferry automation list',
    'ferry bot list --json | jq -r ".[].name"',
  ]).action(async (_opts, command) => {
    const { out, client } = contextOf(rt, command);
    const rows = await client().automations.list.query();
    out.result(rows, () =>
      out.table(
        rows,
        [
          { header: 'ID', value: (r) => r.id, style: (s) => out.color.dim(s) },
          { header: 'NAME', value: (r) => r.name, style: (s) => out.color.bold(s) },
          { header: 'REV', value: (r) => r.revision, align: 'right' },
          { header: 'ENVIRONMENT', value: (r) => r.environment },
          {
            header: 'LAST VERSION',
            value: (r) => (r.lastVersion ? `#${r.lastVersion.number} ${r.lastVersion.name}` : null),
          },
          {
            header: 'RUNS',
            value: (r) => r.runsRelease ?? (r.runs === 'no release' ? null : r.runs),
          },
          {
            header: 'PENDING',
            value: (r) => r.pendingRelease?.version,
            style: (s) => out.color.yellow(s),
          },
        ],
        'No automations yet: create one with "ferry automation create NAME" or import a CB export.',
      ),
    );
  });

  leaf(cmd, 'create <name>', 'create an empty automation; prints its id', [
    'ferry automation create "Support (Prod)"',
  ]).action(async (name, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const created = await client().automations.create.mutate({ name });
    out.result(created, () => {
      out.line(created.id);
      out.message(`Created ${quoted(created.name)} (revision ${created.revision}).`);
    });
  });

  leaf(
    cmd,
    'show <automation>',
    'show an automation (by id or name): revision, environment, agents, content',
    ['ferry automation show "Support (Dev)"'],
  ).action(async (automation, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const a = await client().automations.show.query({ automation });
    out.result(a, () => {
      out.line(out.color.bold(a.name));
      out.line(
        fields([
          ['id', a.id],
          ['revision', a.revision],
          ['environment', a.environment?.name],
          ['agents', a.agents.map((x) => x.name).join(', ')],
          ['versions', a.lastVersionNumber ? `#1 … #${a.lastVersionNumber}` : 'none'],
          ['runs', a.runs.release ? `release ${a.runs.release.version}` : a.runs.text],
          ['content', contentCounts(a.counts)],
          ['content hash', shortHash(a.root)],
          ['created', when(a.createdAt)],
          ['updated', when(a.updatedAt)],
        ]),
      );
    });
  });

  leaf(cmd, 'rename <automation> <name>', 'rename an automation', [
    'ferry automation rename "Support (Dev)" "Support bot (Dev)"',
  ])
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, name, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const renamed = await client().automations.rename.mutate({
        automation,
        name,
        ...(opts.ifRevision !== undefined && { baseRevision: opts.ifRevision }),
      });
      out.result(renamed, () =>
        out.line(`Renamed to ${quoted(renamed.name)} (revision ${renamed.revision}).`),
      );
    });

  leaf(
    cmd,
    'delete <automation>',
    'delete an automation with its versions (asks; --yes when not on a terminal)',
    ['ferry automation delete "Old bot" --yes'],
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (automation, opts, command) => {
      const { out, client, confirm } = contextOf(rt, command);
      await confirm(
        `Delete the automation ${quoted(automation)} with all its versions? This cannot be undone.`,
        opts.yes,
        'Deleting an automation',
      );
      const deleted = await client().automations.delete.mutate({ automation });
      out.result(deleted, () => {
        out.line(`Deleted ${quoted(deleted.name)} (${deleted.id}).`);
        if (deleted.releasesKept > 0)
          out.line(
            `Its ${plural(deleted.releasesKept, 'release')} ${pluralWord(deleted.releasesKept, 'stays', 'stay')} in the other automations' history, under its name.`,
          );
        if (deleted.closedRelease)
          out.line(
            `Release ${deleted.closedRelease.version}, which was waiting for it, is closed as rejected.`,
          );
      });
    });

  leaf(
    cmd,
    'import <file>',
    'import a CB export (JSON file, "-" for stdin) as a new automation (prints its id), or with --into as an existing automation\'s working copy',
    [
      'ferry automation import support-bot.json --name "Support (Dev)"',
      'ferry automation import edited.json --into "Support (Dev)" --if-revision 7',
      'ferry automation import edited.json --into "Support (Dev)" --save "From CB, build 42"',
    ],
  )
    .option('--name <name>', "the new automation's name (default: the export's bot name)")
    .option(
      '--into <automation>',
      "replace this automation's working copy instead (any bot's export)",
    )
    .addOption(ifRevisionOption('the --into automation'))
    .option(
      '--save <name>',
      'then save the imported working copy as the next version, named NAME (blank: the date and time), as "version save" would',
    )
    .option(
      '--no-sync',
      'send the whole export in one request instead of only the content the server lacks',
    )
    .action(async (file, opts, command) => {
      const { out, client, url, http } = contextOf(rt, command);
      if (opts.into !== undefined && opts.name !== undefined)
        throw new CliError('usage', '--name names a new automation; it cannot go with --into.');
      if (opts.ifRevision !== undefined && opts.into === undefined)
        throw new CliError('usage', '--if-revision goes with --into.');
      const label = file === '-' ? 'standard input' : file;
      const bytes = await readFileBytes(file, MAX_EXPORT_BYTES, rt.io.stdin);
      const target = {
        name: opts.name,
        into: opts.into,
        baseRevision: opts.ifRevision,
        save: opts.save,
      };
      const progress = out.progress(`Importing ${label} (${formatBytes(bytes.length)})`);
      let synced;
      try {
        if (opts.sync) {
          const { syncExport } = await import('../lib/sync.js');
          synced = await syncExport(client(), bytes, target, {
            maxBytes: MAX_EXPORT_BYTES,
            cache: { home: rt.env.cacheHome, url: url() },
            debug: http().debug,
          });
        }
      } finally {
        progress.stop();
      }
      if (!synced) {
        // The path and reason of a malformed file, before anything is sent.
        const text = bytes.toString('utf8');
        const { importCbExport } = await import('@ferry/core/import');
        const parsed = importCbExport(text, { maxBytes: MAX_EXPORT_BYTES });
        if (!parsed.ok) {
          // Core says "The file is not a CB export: it has no “bot” section."; the file has a name.
          const { message, path } = parsed.error;
          throw new CliError(
            'validation',
            message.startsWith('The file ')
              ? `${label} ${message.slice('The file '.length)}`
              : `${label}: ${message}`,
            { path: `document${path ?? ''}`, details: { file: label } },
          );
        }
        const again = out.progress(`Importing ${label} (${formatBytes(bytes.length)})`);
        try {
          // Orphan interactions are kept only by a plain import (sync refuses such trees).
          if (opts.sync && parsed.value.warnings.length === 0) {
            const { syncContent } = await import('../lib/sync.js');
            synced = await syncContent(client(), parsed.value.content, parsed.value.name, target);
          } else {
            const whole = await client().automations.import.mutate({
              document: text,
              ...(opts.name !== undefined && { name: opts.name }),
              ...(opts.into !== undefined && { into: opts.into }),
              ...(opts.ifRevision !== undefined && { baseRevision: opts.ifRevision }),
            });
            // The version of what was just imported: based on the revision the import made, so
            // that an edit slipping in between is refused, not saved under this name.
            const version =
              opts.save === undefined
                ? undefined
                : await client().versions.save.mutate({
                    automation: whole.id,
                    name: opts.save,
                    baseRevision: whole.revision,
                  });
            synced = { imported: { ...whole, ...(version && { version }) }, stats: null };
          }
        } finally {
          again.stop();
        }
      }
      const { stats } = synced;
      const saved = synced.imported.version;
      const imported = { ...synced.imported, ...(stats && { sync: stats }) };
      // An interaction whose dialog is missing is kept (and exported again): said, not refused.
      for (const w of imported.warnings) out.warn(`${w.message} (at ${w.path})`);
      out.result(imported, () => {
        const what = contentCounts(imported.counts);
        if (imported.created) {
          out.line(imported.id);
          out.message(`Imported ${label} as ${quoted(imported.name)} (${what}).`);
        } else {
          out.line(
            `Imported ${label} into ${quoted(imported.name)}: revision ${imported.revision} (${what}).`,
          );
          out.line(
            imported.backup
              ? `The previous working copy was kept as version #${imported.backup.number} ${quoted(imported.backup.name)}.`
              : 'Nothing needed keeping: a saved version already holds the previous working copy, or it is unchanged.',
          );
        }
        if (stats)
          out.message(
            `Sent ${stats.uploadedNodes} of ${stats.treeNodes} content nodes (${formatBytes(stats.uploadedBytes)}); the server held the rest.`,
          );
        if (saved) {
          out.line(`Saved version #${saved.number} ${quoted(saved.name)} (${saved.id}).`);
          if (saved.pruned.length > 0)
            out.message(
              `The retention policy pruned ${plural(saved.pruned.length, 'automatic version')}.`,
            );
        }
      });
    });

  leaf(
    cmd,
    'export <automation>',
    'export the working copy (or a version) as a CB export: JSON on stdout, or to --out FILE',
    [
      'ferry automation export "Support (Prod)" --out support-prod.json',
      'ferry automation export "Support (Dev)" --version 3 > v3.json',
    ],
  )
    .addOption(
      new Option(
        '--version <version>',
        'a version (N, #N, id or name) instead of the working copy',
      ),
    )
    .option('--out <file>', 'write the export to this file')
    .action(async (automation, opts, command) => {
      const ctx = contextOf(rt, command);
      const { downloadExport } = await import('../lib/export-download.js');
      const query = { automation, ...(opts.version !== undefined && { version: opts.version }) };
      if (opts.out === undefined) {
        await downloadExport(ctx, query, { stdout: rt.io.stdout });
        return;
      }
      const { out } = ctx;
      const progress = out.progress(`Exporting ${automation}`);
      let exported;
      try {
        exported = await downloadExport(ctx, query, { file: opts.out });
      } finally {
        progress.stop();
      }
      const meta = {
        id: exported.id,
        name: exported.name,
        contentHash: exported.root,
        file: opts.out,
        bytes: exported.bytes,
      };
      out.result(meta, () =>
        out.line(
          `Exported ${quoted(exported.name)}${opts.version ? ` version ${opts.version}` : ''} to ${opts.out} (${formatBytes(meta.bytes)}).`,
        ),
      );
    });

  return cmd;
}
