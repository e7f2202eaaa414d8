// A file that is not a CB export is refused in a sentence that names the place in words, never a
// raw JSON pointer; the pointer stays in the error's path.
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { exportPlace } from './export-problems.js';

describe('exportPlace', () => {
  it.each([
    ['', 'the file'],
    ['/bot', 'the “bot” section'],
    ['/groups', 'the “groups” section (its dialogs)'],
    ['/bot/name', "the bot's “name”"],
    ['/groups/0', 'dialog 1 in “groups”'],
    ['/groups/1/id', 'the “id” of dialog 2 in “groups”'],
    [
      '/conversationMessage/4/content/results',
      'the “content › results” of interaction 5 in “conversationMessage”',
    ],
    ['/responder/2', 'integration 3 in “responder”'],
    ['/menus/0/label', 'the “label” of entry 1 in “menus”'],
    ['/settings/a~1b/c~0d', '“a/b › c~d” in the “settings” section'],
  ])('%j is %s', (pointer, place) => {
    expect(exportPlace(pointer)).toBe(place);
  });
});

describe('import refusals read as sentences', () => {
  const refusal = (doc: unknown) => {
    const result = importCbExport(doc);
    if (result.ok) throw new Error('expected a refusal');
    return result.error;
  };

  it('a file without a bot section says so, keeping the pointer as the path', () => {
    expect(refusal({ groups: [], conversationMessage: [] })).toMatchObject({
      message: 'The file is not a CB export: it has no “bot” section.',
      path: '/bot',
    });
  });

  it('no message quotes a JSON pointer', () => {
    const docs: unknown[] = [
      {},
      { bot: [] },
      { bot: { id: 3 }, groups: [], conversationMessage: [] },
      { bot: {}, groups: {}, conversationMessage: [] },
      { bot: {}, groups: [{ id: 'd' }, { id: 'd' }], conversationMessage: [] },
      { bot: {}, groups: [{}], conversationMessage: [] },
      { bot: {}, groups: [], conversationMessage: [{ id: 'm' }] },
      { bot: {}, groups: [], conversationMessage: [], responder: 'x' },
      { bot: { x: Number.NaN }, groups: [], conversationMessage: [] },
      [],
    ];
    for (const doc of docs) {
      const { message } = refusal(doc);
      expect(message).toMatch(/^The file is not a CB export: .+\.$/);
      expect(message).not.toMatch(/"\//);
    }
  });

  it('a value that is not JSON is named where it sits', () => {
    expect(refusal({ bot: { x: Number.NaN }, groups: [], conversationMessage: [] })).toMatchObject({
      message: "The file is not a CB export: the bot's “x” is not a finite number.",
      path: '/bot/x',
    });
  });
});
