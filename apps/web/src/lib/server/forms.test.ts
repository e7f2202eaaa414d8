// Form actions read their fields as the API's input schemas do: the same values pass, the same
// mistakes get the same messages.
import { describe, expect, it } from 'vitest';
import { check, checkbox, chosenFile, required, revisionOf, text, texts } from './forms';

const formOf = (entries: Record<string, string | File>) => {
  const form = new FormData();
  for (const [key, value] of Object.entries(entries)) form.append(key, value);
  return form;
};

describe('reading a form', () => {
  it('reads missing text fields as empty and keeps what was typed as typed', () => {
    const form = formOf({ name: '  Support  ', secret: 'on' });
    expect(text(form, 'name')).toBe('  Support  ');
    expect(texts(form, 'name', 'description')).toEqual({ name: '  Support  ', description: '' });
    expect(checkbox(form, 'secret')).toBe('on');
    expect(checkbox(form, 'other')).toBe('');
  });

  it('takes a chosen file and treats the empty one a browser sends without a choice as none', () => {
    const chosen = new File(['{}'], 'bot.json');
    expect(chosenFile(formOf({ file: chosen }), 'file')?.name).toBe('bot.json');
    expect(chosenFile(formOf({ file: new File([], '') }), 'file')).toBeUndefined();
    expect(chosenFile(formOf({ file: 'not a file' }), 'file')).toBeUndefined();
  });

  it('reads the revision the page showed only when it is one the API accepts', () => {
    expect(revisionOf(formOf({ baseRevision: '7' }))).toBe(7);
    for (const bad of ['0', '-1', '1.5', 'x', ''])
      expect(revisionOf(formOf({ baseRevision: bad }))).toBeUndefined();
    expect(revisionOf(formOf({}))).toBeUndefined();
  });

  it('checks a required field with the API rule: trimmed, not blank, storable', () => {
    expect(check(required, '  Hello ', 'name')).toEqual({ ok: true, value: 'Hello' });
    expect(check(required, '   ', 'name')).toEqual({
      ok: false,
      message: 'The name must not be empty.',
    });
    expect(check(required, 'a\u0000b', 'name')).toEqual({
      ok: false,
      message: 'The name must not contain the NUL character (U+0000).',
    });
  });
});
