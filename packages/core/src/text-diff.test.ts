import { describe, expect, it } from 'vitest';
import { TEXT_DIFF_MAX_CHARS, textDiff, valueDiff } from './text-diff.js';

describe('textDiff', () => {
  it('diffs a one-line text word by word', () => {
    expect(textDiff('Your order ships today.', 'Your order ships tomorrow.')).toEqual({
      mode: 'words',
      segments: [
        { op: 'equal', text: 'Your order ships ' },
        { op: 'removed', text: 'today' },
        { op: 'added', text: 'tomorrow' },
        { op: 'equal', text: '.' },
      ],
    });
  });

  it('diffs a multi-line text or code line by line', () => {
    const before = 'var a = 1;\nvar b = 2;\nreturn a + b;\n';
    const after = 'var a = 1;\nvar b = 3;\nreturn a + b;\n';
    expect(textDiff(before, after)).toEqual({
      mode: 'lines',
      segments: [
        { op: 'equal', text: 'var a = 1;\n' },
        { op: 'removed', text: 'var b = 2;\n' },
        { op: 'added', text: 'var b = 3;\n' },
        { op: 'equal', text: 'return a + b;\n' },
      ],
    });
  });

  it('puts the two sides back together from the segments', () => {
    const before = 'Hello <b>there</b>, how can I help?';
    const after = 'Hi <b>there</b>! How may I help you?';
    const d = textDiff(before, after);
    expect(d).not.toBeNull();
    const side = (drop: 'added' | 'removed') =>
      (d?.segments ?? [])
        .filter((s) => s.op !== drop)
        .map((s) => s.text)
        .join('');
    expect(side('added')).toBe(before);
    expect(side('removed')).toBe(after);
  });

  it('gives no diff for equal texts, texts with nothing in common, or texts over the limit', () => {
    expect(textDiff('same', 'same')).toBeNull();
    expect(textDiff('alpha', 'omega')).toBeNull();
    const long = 'x '.repeat(TEXT_DIFF_MAX_CHARS);
    expect(textDiff(long, long + 'y')).toBeNull();
  });
});

describe('valueDiff', () => {
  it('diffs texts, and objects or arrays as the lines of their JSON', () => {
    expect(valueDiff('a b', 'a c')?.mode).toBe('words');
    const d = valueDiff(['one', 'two'], ['one', 'two', 'three']);
    expect(d?.mode).toBe('lines');
    const added = d?.segments.filter((s) => s.op === 'added').map((s) => s.text) ?? [];
    expect(added.join('')).toContain('"three"');
    expect(d?.segments[0]).toEqual({ op: 'equal', text: '[\n  "one",\n' });
  });

  it('gives no diff for added or removed fields, numbers or type changes', () => {
    expect(valueDiff(undefined, 'new')).toBeNull();
    expect(valueDiff('old', undefined)).toBeNull();
    expect(valueDiff(1, 2)).toBeNull();
    expect(valueDiff('1', 1)).toBeNull();
  });
});
