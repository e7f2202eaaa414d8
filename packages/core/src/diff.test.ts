import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { diffFields, diffSnapshots } from './diff.js';
import { readFixture } from './test-support/fixtures.js';
import { importGenerated, must, newSnapshotter } from './test-support/bots.js';
import { must as present } from './must.js';

describe('diff', () => {
  it('a snapshot compared with itself has no changes', () => {
    const snap = newSnapshotter();
    const root = snap.write(importGenerated({ seed: 1 }).content);
    expect(diffSnapshots(snap, root, root)).toEqual({
      summary: { added: 0, removed: 0, changed: 0, moved: 0, text: 'No changes.' },
      changes: [],
    });
  });

  it('reports a changed interaction with its field paths, before and after', () => {
    const snap = newSnapshotter();
    const { content } = must(importCbExport(readFixture('concierge.json')));
    const a = snap.write(content);
    const dialog = present(content.dialogs[1], 'content.dialogs[1]');
    const old = present(dialog.interactions[0], 'dialog.interactions[0]');
    const interaction = { ...old, name: 'renamed_interaction', status: 'INACTIVE' };
    const b = must(
      snap.edit(a, { op: 'updateInteraction', dialogId: dialog.dialog.id as string, interaction }),
    );
    const diff = diffSnapshots(snap, a, b);
    expect(diff.summary).toMatchObject({
      added: 0,
      removed: 0,
      changed: 1,
      text: '1 interaction changed.',
    });
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({
      kind: 'interaction',
      op: 'changed',
      id: old.id,
      name: 'renamed_interaction',
      dialogId: dialog.dialog.id,
      fields: [
        { path: '/name', before: old.name, after: 'renamed_interaction' },
        { path: '/status', before: 'ACTIVE', after: 'INACTIVE' },
      ],
    });
  });

  it('a dialog counts as changed only when its own fields change, not its interactions', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 2 });
    const a = snap.write(content);
    const d = present(content.dialogs[0], 'content.dialogs[0]');
    const b = must(
      snap.edit(a, {
        op: 'addInteraction',
        dialogId: d.dialog.id as string,
        interaction: { id: 'fresh', name: 'Fresh' },
      }),
    );
    expect(diffSnapshots(snap, a, b).summary).toMatchObject({
      added: 1,
      changed: 0,
      text: '1 interaction added.',
    });
    const c = must(
      snap.edit(b, { op: 'updateDialog', dialog: { ...d.dialog, name: 'Renamed dialog' } }),
    );
    const diff = diffSnapshots(snap, a, c);
    expect(diff.summary.text).toBe('1 dialog changed, 1 interaction added.');
    expect(
      present(
        diff.changes.find((x) => x.kind === 'dialog'),
        "diff.changes.find((x) => x.kind === 'dialog')",
      ).fields,
    ).toEqual([{ path: '/name', before: d.dialog.name, after: 'Renamed dialog' }]);
  });

  it('reports added and removed dialogs with their interactions, and moved ones', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 3, dialogs: 5, interactionsPerDialog: 2 });
    const a = snap.write(content);
    const [d0, , d2] = content.dialogs.map((d) => d.dialog.id as string);
    let b = must(snap.edit(a, { op: 'removeDialog', dialogId: present(d0, 'd0') }));
    b = must(snap.edit(b, { op: 'moveDialog', dialogId: present(d2, 'd2'), index: 3 }));
    b = must(snap.edit(b, { op: 'addDialog', dialog: { id: 'n', name: 'New dialog' } }));
    const diff = diffSnapshots(snap, a, b);
    expect(diff.changes.map((c) => `${c.kind} ${c.op} ${c.id}`).sort()).toEqual(
      [
        `dialog removed ${d0}`,
        `dialog moved ${d2}`,
        `dialog added n`,
        ...present(content.dialogs[0], 'content.dialogs[0]').interactions.map(
          (i) => `interaction removed ${i.id}`,
        ),
      ].sort(),
    );
    expect(diff.summary).toMatchObject({ added: 1, removed: 3, moved: 1, changed: 0 });
  });

  it('an interaction taken to another dialog is one move, not a removal and an addition', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 5 });
    const a = snap.write(content);
    const [from, to] = content.dialogs as [
      (typeof content.dialogs)[0],
      (typeof content.dialogs)[0],
    ];
    const i = present(from.interactions[1], 'from.interactions[1]');
    let b = must(
      snap.edit(a, {
        op: 'removeInteraction',
        dialogId: from.dialog.id as string,
        interactionId: i.id as string,
      }),
    );
    b = must(
      snap.edit(b, { op: 'addInteraction', dialogId: to.dialog.id as string, interaction: i }),
    );
    const diff = diffSnapshots(snap, a, b);
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({
      kind: 'interaction',
      op: 'moved',
      id: i.id,
      dialogId: to.dialog.id,
      fromDialogId: from.dialog.id,
      fields: [{ path: '/group', before: from.dialog.id, after: to.dialog.id }],
    });
  });

  it('reports integrations, settings and other sections', () => {
    const snap = newSnapshotter();
    const { content } = must(importCbExport(readFixture('order-tracker.json')));
    const a = snap.write(content);
    const integrations = content.sections.responder as { id: string; name: string }[];
    let b = must(
      snap.edit(a, { op: 'setSettings', settings: { ...content.settings, language: 'fr-FR' } }),
    );
    b = must(
      snap.edit(b, {
        op: 'setSection',
        key: 'responder',
        value: [
          { ...present(integrations[0], 'integrations[0]'), name: 'Renamed' },
          { id: 'x', name: 'Extra' },
        ],
      }),
    );
    b = must(snap.edit(b, { op: 'setSection', key: 'menus', value: undefined }));
    const diff = diffSnapshots(snap, a, b);
    expect(diff.changes.map((c) => `${c.kind} ${c.op} ${c.name}`)).toEqual([
      'settings changed Settings',
      'integration changed Renamed',
      'integration added Extra',
      'section removed menus',
    ]);
    expect(present(diff.changes[0], 'diff.changes[0]').fields).toEqual([
      { path: '/language', before: 'en-US', after: 'fr-FR' },
    ]);
    expect(diff.summary.text).toBe(
      'Settings changed, 1 integration changed, 1 integration added, 1 other entry removed.',
    );
  });

  it('field paths are JSON pointers, escaping "/" and "~"', () => {
    expect(diffFields({ 'a/b': { 'c~d': [1, 2] } }, { 'a/b': { 'c~d': [1, 3] } })).toEqual([
      { path: '/a~1b/c~0d/1', before: 2, after: 3 },
    ]);
    expect(diffFields({ list: [1] }, { list: [1, 2] })).toEqual([
      { path: '/list', before: [1], after: [1, 2] },
    ]);
  });

  it('in a large bot, diff opens only the nodes around the change', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 9, dialogs: 500, interactionsPerDialog: 20 });
    const a = snap.write(content);
    const d = present(content.dialogs[250], 'content.dialogs[250]');
    const b = must(
      snap.edit(a, {
        op: 'updateInteraction',
        dialogId: d.dialog.id as string,
        interaction: { ...present(d.interactions[3], 'd.interactions[3]'), name: 'x' },
      }),
    );
    let decoded = 0;
    const decode = snap.store.decode.bind(snap.store);
    snap.store.decode = (hash: string) => {
      decoded++;
      return decode(hash);
    };
    expect(diffSnapshots(snap, a, b).summary.changed).toBe(1);
    expect(decoded).toBeLessThan(40);
  });
  it('names the dialog of every changed interaction, also of a dialog that did not change', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 4 });
    const a = snap.write(content);
    const d = present(content.dialogs[1], 'content.dialogs[1]');
    const i = present(d.interactions[0], 'd.interactions[0]');
    const b = must(
      snap.edit(a, {
        op: 'updateInteraction',
        dialogId: d.dialog.id as string,
        interaction: { ...i, name: 'renamed' },
      }),
    );
    const [change] = diffSnapshots(snap, a, b).changes;
    expect(change).toMatchObject({ kind: 'interaction', dialogId: d.dialog.id });
    expect(change?.dialogName).toBe(d.dialog.name);
    expect(typeof change?.dialogName).toBe('string');
  });

  it('reports the export order only when the order of interactions both sides have changed', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 5, dialogs: 3, interactionsPerDialog: 3 });
    const [d0, d1, d2] = content.dialogs.map((d) => d.dialog.id as string) as [
      string,
      string,
      string,
    ];
    const runs = (...r: [string, number][]) => ({ ...content, order: r });
    const a = snap.write(runs([d0, 1], [d1, 1], [d0, 2], [d1, 2], [d2, 3]));
    const kinds = (b: string) => diffSnapshots(snap, a, b).changes.map((c) => `${c.kind} ${c.op}`);
    // Adding or removing interactions rewrites the stored order runs, but is no change of order.
    const added = must(
      snap.edit(a, { op: 'addInteraction', dialogId: d0, interaction: { id: 'fresh', name: 'F' } }),
    );
    expect(snap.root(added).order).not.toBe(snap.root(a).order);
    expect(kinds(added)).toEqual(['interaction added']);
    const first = present(content.dialogs[1], 'dialogs[1]').interactions[0] as { id: string };
    const removed = must(
      snap.edit(a, { op: 'removeInteraction', dialogId: d1, interactionId: first.id }),
    );
    expect(kinds(removed)).toEqual(['interaction removed']);
    // The same interactions, interleaved differently: the order changed.
    const regrouped = snap.write(runs([d0, 3], [d1, 3], [d2, 3]));
    expect(kinds(regrouped)).toEqual(['order changed']);
  });
});
