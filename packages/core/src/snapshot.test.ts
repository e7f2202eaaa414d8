import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { interactionsInOrder, type BotContent } from './content.js';
import type { JsonObject } from './json.js';
import { fixtureNames, readFixture } from './test-support/fixtures.js';
import { importGenerated, must, newSnapshotter } from './test-support/bots.js';
import { must as present } from './must.js';

describe('snapshots', () => {
  it('the same content imported into two automations is stored once', () => {
    const snap = newSnapshotter();
    const text = readFixture('returns-desk.json');
    const first = must(importCbExport(text)).content;
    const root = snap.write(first);
    const size = snap.store.size;
    const other = JSON.parse(text);
    other.bot.id = 'another-bot';
    for (const g of other.groups) g.chatBotId = 'another-bot';
    for (const m of other.conversationMessage) m.chatBotId = 'another-bot';
    other.globalFunctions.chatBotId = 'another-bot';
    for (const p of other.platforms) p.chatbotId = 'another-bot';
    expect(snap.write(must(importCbExport(other)).content)).toBe(root);
    expect(snap.store.size).toBe(size);
  });

  it.each(fixtureNames())('%s reads back exactly as written', (name) => {
    const snap = newSnapshotter();
    const { content } = must(importCbExport(readFixture(name)));
    expect(snap.read(snap.write(content))).toEqual(content);
  });

  it('read-back entities are frozen, so no caller can corrupt a stored snapshot', () => {
    const snap = newSnapshotter();
    const root = snap.write(importGenerated({ seed: 1 }).content);
    const content = snap.read(root);
    expect(() => {
      (present(content.dialogs[0], 'content.dialogs[0]').interactions[0] as JsonObject).name =
        'changed';
    }).toThrow(TypeError);
    expect(snap.read(root)).toEqual(content);
  });

  it.each([100, 10_000])(
    'editing one interaction in a %i-interaction bot writes only that entity and the nodes above it',
    (total) => {
      const snap = newSnapshotter();
      const { content } = importGenerated({
        seed: 7,
        dialogs: total / 20,
        interactionsPerDialog: 20,
      });
      const root = snap.write(content);
      snap.store.takeWritten();
      const dialog = present(
        content.dialogs[Math.floor(content.dialogs.length / 2)],
        'content.dialogs[Math.floor(content.dialogs.length / 2)]',
      );
      const interaction = {
        ...present(dialog.interactions[10], 'dialog.interactions[10]'),
        name: 'renamed',
      };
      const next = must(
        snap.edit(root, {
          op: 'updateInteraction',
          dialogId: dialog.dialog.id as string,
          interaction,
        }),
      );
      const written = snap.store.takeWritten();
      // entity + interaction list + dialog node + dialog-list chunks (one per level) + root
      expect(written.size).toBeLessThanOrEqual(total === 100 ? 5 : 7);
      const after = snap.read(next);
      expect(
        present(
          present(
            after.dialogs[Math.floor(content.dialogs.length / 2)],
            'after.dialogs[Math.floor(content.dialogs.length / 2)]',
          ).interactions[10],
          'after.dialogs[Math.floor(content.dialogs.length / 2)]!.interactions...',
        ).name,
      ).toBe('renamed');
      expect(snap.read(root)).toEqual(content);
    },
  );

  it('edits add, update, move and remove dialogs and interactions like the equivalent content', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 3, dialogs: 3, interactionsPerDialog: 3 });
    let root = snap.write(content);
    const [d0, d1] = content.dialogs.map((d) => d.dialog.id as string) as [string, string];
    root = must(
      snap.edit(root, { op: 'addDialog', dialog: { id: 'new-dialog', name: 'New' }, index: 1 }),
    );
    root = must(
      snap.edit(root, {
        op: 'addInteraction',
        dialogId: 'new-dialog',
        interaction: { id: 'i-new', name: 'Hello' },
      }),
    );
    root = must(snap.edit(root, { op: 'updateDialog', dialog: { id: d0, name: 'Renamed' } }));
    root = must(snap.edit(root, { op: 'moveDialog', dialogId: d1, index: 0 }));
    const moved = present(
      present(content.dialogs[0], 'content.dialogs[0]').interactions[2],
      'content.dialogs[0]!.interactions[2]',
    ).id as string;
    root = must(
      snap.edit(root, { op: 'moveInteraction', dialogId: d0, interactionId: moved, index: 0 }),
    );
    root = must(
      snap.edit(root, {
        op: 'removeInteraction',
        dialogId: d0,
        interactionId: present(
          present(content.dialogs[0], 'content.dialogs[0]').interactions[0],
          'content.dialogs[0]!.interactions[0]',
        ).id as string,
      }),
    );
    const after = snap.read(root);
    expect(after.dialogs.map((d) => d.dialog.id)).toEqual([
      d1,
      d0,
      'new-dialog',
      present(content.dialogs[2], 'content.dialogs[2]').dialog.id,
    ]);
    expect(present(after.dialogs[1], 'after.dialogs[1]').dialog).toEqual({
      id: d0,
      name: 'Renamed',
    });
    expect(present(after.dialogs[1], 'after.dialogs[1]').interactions.map((i) => i.id)).toEqual([
      moved,
      present(
        present(content.dialogs[0], 'content.dialogs[0]').interactions[1],
        'content.dialogs[0]!.interactions[1]',
      ).id,
    ]);
    expect(present(after.dialogs[2], 'after.dialogs[2]').interactions).toEqual([
      { id: 'i-new', name: 'Hello', group: 'new-dialog' },
    ]);
    // The same content written from scratch has the same root: edits are history independent.
    expect(newSnapshotter().write(after)).toBe(root);
  });

  it('refuses edits naming a dialog or interaction that does not exist, or a duplicate id', () => {
    const snap = newSnapshotter();
    const { content } = importGenerated({ seed: 4 });
    const root = snap.write(content);
    const d0 = present(content.dialogs[0], 'content.dialogs[0]').dialog.id as string;
    const taken = present(
      present(content.dialogs[1], 'content.dialogs[1]').interactions[0],
      'content.dialogs[1]!.interactions[0]',
    ).id as string;
    const missing = snap.edit(root, { op: 'removeDialog', dialogId: 'nope' });
    expect(missing.ok || missing.error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('"nope"'),
    });
    const dup = snap.edit(root, { op: 'addInteraction', dialogId: d0, interaction: { id: taken } });
    expect(dup.ok || dup.error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(taken),
    });
    const noId = snap.edit(root, { op: 'addDialog', dialog: { name: 'x' } });
    expect(noId.ok || noId.error).toMatchObject({ code: 'VALIDATION', path: 'dialog.id' });
    const proto = snap.edit(root, {
      op: 'setSettings',
      settings: JSON.parse('{"a":{"__proto__":1}}'),
    });
    // "__proto__" is a key like any other: stored as data, read back as an own key.
    if (!proto.ok) throw new Error(proto.error.message);
    expect(JSON.stringify(snap.read(proto.value).settings)).toBe('{"a":{"__proto__":1}}');
  });

  it('removing an interaction keeps the export order of the others', () => {
    const snap = newSnapshotter();
    const { content } = must(importCbExport(readFixture('tile-showcase.json')));
    expect(content.order).not.toBeNull();
    const root = snap.write(content);
    const dialog = present(content.dialogs[3], 'content.dialogs[3]');
    const victim = present(dialog.interactions[1], 'dialog.interactions[1]').id as string;
    const next = must(
      snap.edit(root, {
        op: 'removeInteraction',
        dialogId: dialog.dialog.id as string,
        interactionId: victim,
      }),
    );
    const before = readOrder(snap.read(root)).filter((id) => id !== victim);
    expect(readOrder(snap.read(next))).toEqual(before);
  });
});

const readOrder = (c: BotContent) => interactionsInOrder(c).map((i) => i.id);
