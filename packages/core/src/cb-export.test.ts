import { describe, expect, it } from 'vitest';
import { exportCbExport, exportCbExportText, importCbExport } from './cb-export.js';
import { reindent, compactJson } from './lexical.js';
import { createSnapshotter } from './snapshot.js';
import { MemoryNodeStore } from './store.js';
import { fixtureNames, nodeSha256, readFixture } from './test-support/fixtures.js';
import { diffSnapshots } from './diff.js';
import { must } from './must.js';

// The export is printed as CB prints (JSON.stringify with 2 spaces, no trailing newline). The round
// trip is checked on text: the export equals the input printed that way with its lexemes kept
// (reindent of its compact text), which for the project's fixtures is the file itself.
const printedLikeCb = (text: string) => reindent(compactJson(text.trim()), 0);

function roundTrip(text: string): { back: string; snapText: string } {
  const imported = importCbExport(text);
  if (!imported.ok) throw new Error(imported.error.message);
  const { content, botId, name } = imported.value;
  const identity = { id: must(botId, 'botId'), name: must(name, 'name') };
  const snap = createSnapshotter(nodeSha256);
  const root = snap.write(content);
  // A cold store (text only, as after loading from a database) gives the same text.
  const cold = createSnapshotter(nodeSha256, new MemoryNodeStore());
  for (const [hash, body] of snap.store.nodes) cold.store.put(hash, body);
  return {
    back: exportCbExportText(snap.read(root), identity),
    snapText: exportCbExportText(cold.read(root), identity),
  };
}

describe('CB export round trip', () => {
  it.each(fixtureNames())('%s exports exactly what was imported, through the store', (name) => {
    const text = readFixture(name);
    const original = JSON.parse(text);
    const imported = importCbExport(text);
    if (!imported.ok) throw new Error(imported.error.message);
    const { content, botId } = imported.value;
    const snap = createSnapshotter(nodeSha256);
    const root = snap.write(content);
    const back = exportCbExport(snap.read(root), {
      id: must(botId, 'botId'),
      name: original.bot.name,
    });
    expect(back).toEqual(original);
  });

  it.each(fixtureNames())('%s comes back text-exact (key order, lexemes)', (name) => {
    const text = readFixture(name);
    const { back, snapText } = roundTrip(text);
    expect(back).toBe(printedLikeCb(text));
    expect(snapText).toBe(back);
    if (!name.startsWith('corpus-')) expect(back + '\n').toBe(text);
  });

  const lexemes = JSON.stringify(
    {
      bot: { name: 'lexemes', id: 'b1', status: 'NEW', big: 1, ratio: 2 },
      conversationMessage: [
        { id: 'i1', chatBotId: 'b1', group: 'd1', content: { n: 3, z: 1, a: 2 }, 10: 'ten' },
        { group: 'd1', id: 'i2', content: { results: 1 } },
      ],
      groups: [{ id: 'd1', chatBotId: 'b1', name: 'Main' }],
      zUnknown: { b: 1, a: 2 },
      aUnknown: [],
    },
    null,
    2,
  )
    .replace('"big": 1', '"big": 12345678901234567890')
    .replace('"ratio": 2', '"ratio": 1.0')
    .replace('"n": 3', '"n": 1e3')
    .replace('"results": 1', '"results": -0.50');

  it('keeps key order, integer-like keys, number lexemes and unknown top-level keys in place', () => {
    expect(lexemes).toContain('12345678901234567890');
    const { back } = roundTrip(lexemes);
    expect(back).toBe(lexemes);
    // The identity field comes back where it stood; i2 had none and gets none.
    expect(back.indexOf('"chatBotId"')).toBeLessThan(back.indexOf('"group": "d1"'));
    expect(back).not.toMatch(/"group": "d1",\s*"id": "i2",[^}]*chatBotId/);
  });

  it('finds where each entry of a top-level array ends after a number JSON.parse changes', () => {
    // `1.0` starts with what JSON.stringify writes for it (`1`): the entries after it still get
    // their own exact text, not a slice of their neighbour's.
    const text = JSON.stringify(
      {
        bot: { id: 'b1', name: 'numbers' },
        conversationMessage: [],
        groups: [],
        menus: [1, { id: 'm1', n: 2 }, 30, { id: 'm2', n: 4 }],
      },
      null,
      2,
    )
      .replace('\n    1,', '\n    1.0,')
      .replace('"n": 2', '"n": 2e0')
      .replace('\n    30,', '\n    30.50,');
    expect(roundTrip(text).back).toBe(text.replace('1.0', '1').replace('30.50', '30.5'));
  });

  it('keeps the new text after a re-import that only reorders keys, with no semantic change', () => {
    const snap = createSnapshotter(nodeSha256);
    const a = importCbExport(lexemes);
    const reordered = lexemes.replace(
      /"n": 1e3,(\s+)"z": 1,(\s+)"a": 2/,
      '"a": 2,$1"n": 1e3,$2"z": 1',
    );
    expect(reordered).not.toBe(lexemes);
    const b = importCbExport(reordered);
    if (!a.ok || !b.ok) throw new Error('import failed');
    const ra = snap.write(a.value.content);
    const rb = snap.write(b.value.content);
    expect(diffSnapshots(snap, ra, rb).changes).toEqual([]);
    expect(exportCbExportText(snap.read(rb), { id: 'b1', name: 'lexemes' })).toBe(reordered);
    expect(exportCbExportText(snap.read(ra), { id: 'b1', name: 'lexemes' })).toBe(lexemes);
  });

  it('keeps an orphan interaction, reports it as a warning and exports it in its place', () => {
    const doc = JSON.parse(readFixture('hello-minimal.json'));
    const orphan = { ...doc.conversationMessage[0], id: 'orphan-1', group: 'no-such-dialog' };
    doc.conversationMessage.splice(1, 0, orphan);
    const text = JSON.stringify(doc, null, 2);
    const imported = importCbExport(text);
    if (!imported.ok) throw new Error(imported.error.message);
    expect(imported.value.warnings).toEqual([
      expect.objectContaining({
        path: '/conversationMessage/1/group',
        message: expect.stringContaining('"no-such-dialog", which does not exist'),
      }),
    ]);
    expect(roundTrip(text).back).toBe(text);
  });
});
