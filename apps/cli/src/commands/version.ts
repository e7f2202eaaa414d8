// `ferry version …`: an automation's numbered versions — list, save, show, restore, delete, pin.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { contextOf, ifRevisionOption, leaf, noun, type Runtime } from '../lib/command.js';
import { contentCounts, fields, plural, quoted, shortHash, when } from '../lib/format.js';

const VERSION_REF =
  'a version is N or #N (its number), its id, or its name (the newest with that name)';

export function registerVersion(program: CommandUnknownOpts, rt: Runtime) {
  const cmd = noun(
    program,
    'version',
    'list, save, show, restore, delete and pin versions',
    `versions: named, immutable snapshots of an automation (${VERSION_REF})`,
    'ferry version save "Support (Dev)" --name "Greeting reworded"',
  );

  leaf(cmd, 'list <automation>', "list an automation's versions, newest first", [
    'ferry version list "Support (Dev)"',
  ]).action(async (automation, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const versions = await client().versions.list.query({ automation });
    out.result(versions, () =>
      out.table(
        versions,
        [
          { header: '#', value: (v) => `#${v.number}`, align: 'right' },
          {
            header: 'NAME',
            value: (v) => v.name,
            style: (s, v) => (v.automatic ? out.color.dim(s) : out.color.bold(s)),
          },
          { header: 'KIND', value: (v) => v.kind },
          { header: 'AUTHOR', value: (v) => v.author },
          { header: 'SAVED', value: (v) => when(v.createdAt) },
          { header: 'PINNED', value: (v) => (v.pinned ? 'yes' : '') },
          { header: 'ID', value: (v) => v.id, style: (s) => out.color.dim(s) },
          { header: 'DESCRIPTION', value: (v) => v.description },
        ],
        'No versions yet: save one with "ferry version save AUTOMATION --name NAME".',
      ),
    );
  });

  leaf(
    cmd,
    'save <automation>',
    'save the working copy as the next numbered version (a blank name is the date and time)',
    [
      'ferry version save "Support (Dev)" --name "Greeting reworded" --description "Shorter welcome"',
    ],
  )
    .option('--name <name>', 'the version name (default: the current date and time)')
    .option('--description <text>', 'what changed')
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, opts, command) => {
      const { out, client } = contextOf(rt, command);
      const saved = await client().versions.save.mutate({
        automation,
        ...(opts.name !== undefined && { name: opts.name }),
        ...(opts.description !== undefined && { description: opts.description }),
        ...(opts.ifRevision !== undefined && { baseRevision: opts.ifRevision }),
      });
      out.result(saved, () => {
        out.line(`Saved version #${saved.number} ${quoted(saved.name)} (${saved.id}).`);
        if (saved.pruned.length > 0)
          out.message(
            `The retention policy pruned ${plural(saved.pruned.length, 'automatic version')}.`,
          );
      });
    });

  leaf(
    cmd,
    'show <automation> <version>',
    'show a version: name, description, author, content counts',
    ['ferry version show "Support (Dev)" 3'],
  ).action(async (automation, version, _opts, command) => {
    const { out, client } = contextOf(rt, command);
    const v = await client().versions.show.query({ automation, version });
    out.result(v, () => {
      out.line(`${out.color.bold(`#${v.number} ${v.name}`)} of ${quoted(v.automation.name)}`);
      out.line(
        fields([
          ['id', v.id],
          ['description', v.description],
          ['author', v.author],
          ['saved', when(v.createdAt)],
          ['kind', v.automatic ? `${v.kind} (automatic)` : v.kind],
          ['pinned', v.pinned ? 'yes' : 'no'],
          ['content', contentCounts(v.counts)],
          ['content hash', shortHash(v.contentHash)],
        ]),
      );
    });
  });

  leaf(
    cmd,
    'restore <automation> <version>',
    'replace the working copy with a version (a backup version "Before restore of #N" is saved first; asks, --yes when not on a terminal)',
    ['ferry version restore "Support (Dev)" 2 --yes'],
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(ifRevisionOption('the automation'))
    .action(async (automation, version, opts, command) => {
      const { out, client, confirm } = contextOf(rt, command);
      if (!opts.yes && rt.io.stdin.isTTY === true && rt.io.stderr.isTTY === true) {
        const v = await client().versions.show.query({ automation, version });
        await confirm(
          `Restore ${quoted(v.automation.name)} to version #${v.number} ${quoted(v.name)}? Its working copy is replaced (a backup version is saved first).`,
          false,
          'Restoring a version',
        );
      } else await confirm('', opts.yes, 'Restoring a version');
      const restored = await client().versions.restore.mutate({
        automation,
        version,
        ...(opts.ifRevision !== undefined && { baseRevision: opts.ifRevision }),
      });
      out.result(restored, () =>
        out.line(
          `Restored version #${restored.restored.number} ${quoted(restored.restored.name)}: revision ${restored.automation.revision}. ` +
            `The previous working copy is version #${restored.backup.number} ${quoted(restored.backup.name)}.`,
        ),
      );
    });

  leaf(
    cmd,
    'delete <automation> <version>',
    'delete a version (asks; --yes when not on a terminal)',
    ['ferry version delete "Support (Dev)" 4 --yes'],
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (automation, version, opts, command) => {
      const { out, client, confirm } = contextOf(rt, command);
      await confirm(
        `Delete version ${version} of ${quoted(automation)}? This cannot be undone.`,
        opts.yes,
        'Deleting a version',
      );
      const deleted = await client().versions.delete.mutate({ automation, version });
      out.result(deleted, () =>
        out.line(`Deleted version #${deleted.deleted.number} ${quoted(deleted.deleted.name)}.`),
      );
    });

  for (const pinned of [true, false])
    leaf(
      cmd,
      `${pinned ? 'pin' : 'unpin'} <automation> <version>`,
      pinned ? 'pin a version: a retention policy never prunes it' : 'unpin a version',
      [`ferry version ${pinned ? 'pin' : 'unpin'} "Support (Dev)" 3`],
    ).action(async (automation, version, _opts, command) => {
      const { out, client } = contextOf(rt, command);
      const v = await client().versions.pin.mutate({ automation, version, pinned });
      out.result(v, () =>
        out.line(`${pinned ? 'Pinned' : 'Unpinned'} version #${v.number} ${quoted(v.name)}.`),
      );
    });

  return cmd;
}
