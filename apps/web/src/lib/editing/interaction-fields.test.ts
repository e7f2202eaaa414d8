import { must, importCbExport } from '@ferry/core';
import { fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import {
  applyFieldEdits,
  editableFields,
  moved,
  parseContent,
  setAt,
  type JsonObject,
} from './interaction-fields';
import { readableInteraction } from '@ferry/core';

const interactionsOf = (name: string) => {
  const parsed = importCbExport(fixture(name));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value.content.dialogs.flatMap((d) => d.interactions) as JsonObject[];
};
const named = (file: string, name: string) =>
  must(
    interactionsOf(file).find((i) => i.name === name),
    'interactionsOf(file).find((i) => i.name === name)',
  );

describe('editable fields of an interaction', () => {
  it('offers a quick reply’s name, message text and quick-reply titles', () => {
    const fields = editableFields(named('returns-desk.json', 'quick_reply_7'));
    expect(fields.map((f) => [f.label, f.value])).toEqual([
      ['Name', 'quick_reply_7'],
      ['Message text', expect.stringMatching(/^Step 2 of 3:/)],
      ['Quick reply 1', 'Continue'],
      ['Quick reply 2', 'Back'],
    ]);
    expect(fields.find((f) => f.label === 'Message text')?.multiline).toBe(true);
  });

  it('offers the title, subtitle and buttons of structured cards, numbered per card', () => {
    const all = interactionsOf('order-tracker.json');
    const card = must(
      all.find((i) => JSON.stringify(i).includes('Track parcel')),
      "all.find((i) => JSON.stringify(i).includes('Track parcel'))",
    );
    const labels = editableFields(card).map((f) => f.label);
    expect(labels).toContain('Button 1');
    expect(labels.some((l) => l.startsWith('Title'))).toBe(true);
    const button = must(
      editableFields(card).find((f) => f.value === 'Track parcel'),
      "editableFields(card).find((f) => f.value === 'Track parcel')",
    );
    expect(button.path).toMatch(/\.buttons\.\d+\.name$/);
  });

  it('offers every choice of a multiple-choice question', () => {
    const all = interactionsOf('tile-showcase.json');
    const question = must(
      all.find((i) => JSON.stringify(i).includes('MULTIPLE_CHOICE_QUESTION')),
      "all.find((i) => JSON.stringify(i).includes('MULTIPLE_CHOICE_QUESTIO...",
    );
    const choices = editableFields(question).filter((f) => f.label.startsWith('Choice'));
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.map((c) => c.value)).toEqual(
      readableInteraction(question).buttons.slice(-choices.length),
    );
  });

  it('offers just the name of an interaction without tiles', () => {
    expect(editableFields({ id: 'x', content: { contentType: 'DYNAMIC' } })).toEqual([
      { path: 'name', label: 'Name', value: '', multiline: false },
    ]);
  });
});

describe('applying an edit form', () => {
  it('writes changed fields over the JSON and the readable view shows them', () => {
    const original = named('returns-desk.json', 'quick_reply_7');
    const fields = editableFields(original);
    const edits = fields.map((f) => ({
      path: f.path,
      shown: f.value,
      value:
        f.label === 'Message text'
          ? 'Shall we go on?'
          : f.label === 'Quick reply 2'
            ? 'Undo'
            : f.value,
    }));
    const next = applyFieldEdits(original, original.id as string, edits);
    expect(readableInteraction(next)).toMatchObject({
      texts: ['Shall we go on?'],
      buttons: ['Continue', 'Undo'],
    });
    expect(readableInteraction(original).buttons).toEqual(['Continue', 'Back']); // not mutated
  });

  it('keeps changes made in the JSON where the field was left as shown, and keeps the id', () => {
    const original = named('returns-desk.json', 'text_6');
    const json = structuredClone(original);
    expect(setAt(json, 'content.results.tile.tileData.0.text', 'Edited in JSON')).toBe(true);
    json.id = 'someone-else';
    const edits = editableFields(original).map((f) => ({ ...f, shown: f.value }));
    const next = applyFieldEdits(json, original.id as string, edits);
    expect(readableInteraction(next).texts).toEqual(['Edited in JSON']);
    expect(next.id).toBe(original.id);
  });

  it('sets only where the container exists', () => {
    const target: JsonObject = { a: [{ b: 'x' }] };
    expect(setAt(target, 'a.0.b', 'y')).toBe(true);
    expect(setAt(target, 'a.3.b', 'z')).toBe(false);
    expect(setAt(target, 'c.d', 'z')).toBe(false);
    expect(target).toEqual({ a: [{ b: 'y' }] });
  });

  it('says why content is not a JSON object', () => {
    expect(parseContent('{"name": ')).toMatchObject({
      ok: false,
      message: /^The content is not valid JSON: .+\.$/,
    });
    expect(parseContent('[1]')).toEqual({
      ok: false,
      message: 'The content must be a JSON object ({ … }).',
    });
    expect(parseContent('{"a":1}')).toEqual({ ok: true, interaction: { a: 1 } });
  });
});

describe('the order of interactions', () => {
  it('moves an id one place, never past either end', () => {
    expect(moved(['a', 'b', 'c'], 'b', -1)).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 'b', 1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 'a', -1)).toBeNull();
    expect(moved(['a', 'b', 'c'], 'c', 1)).toBeNull();
    expect(moved(['a'], 'z', 1)).toBeNull();
  });
});
