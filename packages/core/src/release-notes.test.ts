// Release notes (issue 14): a release's diff grouped by dialog under the dialogs' names (never
// their ids), the description on top, and Markdown that keeps bot content inert.
import { describe, expect, it } from 'vitest';
import { diffSnapshots } from './diff.js';
import {
  dialogNamesIn,
  releaseNotes,
  releaseNotesMarkdown,
  unnamedDialogIds,
} from './release-notes.js';
import { importGenerated, must, newSnapshotter } from './test-support/bots.js';
import { must as present } from './must.js';

const release = {
  version: '1.2.0',
  description: 'Spring menu\n<script>x</script>',
  createdBy: 'alice',
  createdAt: '2026-03-14T09:26:53.000Z',
  sourceName: 'Dev',
  targetName: 'Prod',
};

describe('release notes', () => {
  it('group interaction changes under their dialog names, with the description on top', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 3, dialogs: 3, interactionsPerDialog: 3 });
    const before = snap.write(content);
    const dialog = present(content.dialogs[1], 'the second dialog');
    const old = present(dialog.interactions[1], 'an interaction');
    const dialogId = String(dialog.dialog.id);
    let after = must(
      snap.edit(before, {
        op: 'updateInteraction',
        dialogId,
        interaction: { ...old, name: 'Ask *order* [id](http://x)' },
      }),
    );
    after = must(
      snap.edit(after, {
        op: 'removeDialog',
        dialogId: String(present(content.dialogs[2], 'd').dialog.id),
      }),
    );
    const diff = diffSnapshots(snap, before, after);
    const ids = unnamedDialogIds(diff);
    expect(ids).toEqual([dialogId]);
    const dialogNames = dialogNamesIn(snap, after, ids);
    expect(dialogNames).toEqual({ [dialogId]: dialog.dialog.name });

    const notes = releaseNotes({ release, against: '"Prod" now (revision 3)', diff, dialogNames });
    expect(notes).toMatchObject({
      version: '1.2.0',
      route: 'Dev → Prod',
      description: release.description,
      against: '"Prod" now (revision 3)',
    });
    expect(notes.dialogs.find((d) => d.op === null)).toEqual({
      name: dialog.dialog.name,
      op: null,
      fields: [],
      items: [
        {
          op: 'changed',
          kind: 'interaction',
          name: 'Ask *order* [id](http://x)',
          fields: ['Interaction name'],
        },
      ],
    });
    expect(notes.dialogs.find((d) => d.op !== null)).toMatchObject({
      name: present(content.dialogs[2], 'd').dialog.name,
      op: 'removed',
    });

    const md = releaseNotesMarkdown(notes);
    expect(md.split('\n').slice(0, 5)).toEqual([
      '# Release 1.2.0',
      '',
      'Route: Dev → Prod',
      '',
      'Spring menu',
    ]);
    expect(md).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(md).toContain(
      '- Changed interaction “Ask \\*order\\* \\[id\\](http://x)” (Interaction name)',
    );
    expect(md).not.toContain(dialogId);
    expect(md.endsWith('\n')).toBe(true);
  });

  it('a dialog without a name is "Unnamed dialog", never its id', () => {
    const notes = releaseNotes({
      release,
      against: 'x',
      diff: {
        summary: { added: 1, removed: 0, changed: 0, moved: 0, text: '1 interaction added.' },
        changes: [
          { kind: 'interaction', op: 'added', id: 'i1', name: null, dialogId: 'd-123', fields: [] },
        ],
      },
      dialogNames: {},
    });
    expect(notes.dialogs).toEqual([
      {
        name: 'Unnamed dialog',
        op: null,
        fields: [],
        items: [{ op: 'added', kind: 'interaction', name: null, fields: [] }],
      },
    ]);
    expect(releaseNotesMarkdown(notes)).not.toContain('d-123');
    expect(releaseNotesMarkdown(notes)).toContain('- Added an unnamed interaction');
  });
});
