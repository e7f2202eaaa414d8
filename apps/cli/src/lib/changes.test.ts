import { createHash } from 'node:crypto';
import {
  createSnapshotter,
  diffSnapshots,
  importCbExport,
  must,
  type JsonObject,
} from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import { printChanges } from './changes.js';
import { Output, type Stream } from './output.js';

/** Unwraps an edit's Result, failing with its message. */
function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function sink(): Stream & { text: string } {
  const s = { text: '', isTTY: false, write: (t: string) => (s.text += t) };
  return s;
}

function bot(dialogs: number, interactionsPerDialog: number) {
  const imported = importCbExport(
    JSON.stringify(generateBotExport({ seed: 7, dialogs, interactionsPerDialog })),
  );
  if (!imported.ok) throw new Error(imported.error.message);
  return imported.value.content;
}

function printed(diff: ReturnType<typeof diffSnapshots>): string {
  const stdout = sink();
  printChanges(new Output(false, stdout, sink(), 'never'), diff.summary, diff.changes);
  return stdout.text;
}

describe('printChanges', () => {
  it('shows a word diff inside a changed text and a line diff inside changed code', () => {
    const snap = createSnapshotter(sha256);
    const content = bot(3, 3);
    const a = snap.write(content);
    const d = must(content.dialogs[1], 'dialogs[1]');
    const old = must(d.interactions[0], 'interactions[0]');
    const interaction: JsonObject = {
      ...old,
      name: 'Greeting',
      preProcessMessage: 'var a = 1;\nvar b = 2;\nvar c = 3;\nvar d = 4;\nvar e = 5;\nvar f = 6;',
    };
    const b0 = ok(
      snap.edit(a, { op: 'updateInteraction', dialogId: String(d.dialog.id), interaction }),
    );
    const edited = {
      ...interaction,
      name: 'Warm Greeting',
      preProcessMessage: 'var a = 1;\nvar b = 2;\nvar c = 3;\nvar d = 40;\nvar e = 5;\nvar f = 6;',
    };
    const b1 = ok(
      snap.edit(b0, {
        op: 'updateInteraction',
        dialogId: String(d.dialog.id),
        interaction: edited,
      }),
    );
    const text = printed(diffSnapshots(snap, b0, b1));
    expect(text).toContain(
      `changed interaction "Warm Greeting" in dialog "${String(d.dialog.name)}":`,
    );
    expect(text).toContain('  Interaction name: {+Warm +}Greeting');
    expect(text).toContain(
      [
        '  Pre-process code:',
        '    … 1 unchanged line',
        '      var b = 2;',
        '      var c = 3;',
        '    - var d = 4;',
        '    + var d = 40;',
        '      var e = 5;',
        '      var f = 6;',
      ].join('\n'),
    );
    // The dialog column names the dialog, never by its id.
    expect(text).toMatch(
      new RegExp(`changed +interaction +Warm Greeting +${String(d.dialog.name)}`),
    );
  });

  it('folds the interactions of a whole added dialog into one line with a count', () => {
    const snap = createSnapshotter(sha256);
    const small = bot(2, 2);
    const big = bot(40, 50);
    const diff = diffSnapshots(snap, snap.write(small), snap.write(big));
    const text = printed(diff);
    const lines = text.split('\n');
    // 2,000 interactions in 40 dialogs: at most a line per dialog, not one per interaction.
    expect(diff.changes.length).toBeGreaterThan(1000);
    expect(lines.length).toBeLessThan(200);
    expect(text).toMatch(/added +dialog +.* \+50 interactions/);
  });

  it('names fields for people, shows epoch times as dates and never the CB hash', () => {
    const snap = createSnapshotter(sha256);
    const doc = JSON.parse(fixture('tile-showcase.json')) as {
      hash: string;
      bot: JsonObject;
      conversationMessage: JsonObject[];
    };
    const content = (d: unknown) => {
      const imported = importCbExport(JSON.stringify(d));
      if (!imported.ok) throw new Error(imported.error.message);
      return imported.value.content;
    };
    const edited = structuredClone(doc);
    edited.hash = '-1';
    edited.bot.modificationTime = 1767225600000;
    const cards = must(
      edited.conversationMessage.find((m) => m.name === 'tea_cards'),
      'tea_cards',
    ) as { content: { results: { tile: { tileData: { buttons: { callback: string }[] }[] } } } };
    must(must(cards.content.results.tile.tileData[0], 'tile').buttons[1], 'button').callback =
      'https://cafe.example.com/tea/green';
    const quick = must(
      edited.conversationMessage.find((m) => m.name === 'pastries_order'),
      'pastries_order',
    ) as { quickReplies: { title: string }[] };
    must(quick.quickReplies[1], 'reply').title = 'Two';
    const text = printed(
      diffSnapshots(snap, snap.write(content(doc)), snap.write(content(edited))),
    );
    expect(text).toContain('  Last modified: 2025-02-13 12:00:00 UTC → 2026-01-01 00:00:00 UTC');
    expect(text).toContain('  Button 2 URL: https://cafe.example.com/tea/[-1-]{+green+}');
    expect(text).toContain('  Quick reply 2 title: "2" → "Two"');
    expect(text).toMatch(/changed +interaction +pastries_order +.* Quick reply 2 title/);
    expect(text).not.toContain('/content/');
    expect(text).not.toMatch(/\bhash\b/);
  });
});
