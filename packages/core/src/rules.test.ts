import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VARIABLE_NAME_MAX,
  formatCount,
  formatUtc,
  plural,
  pluralWord,
  variableNameProblem,
} from './rules.js';

describe('variable names', () => {
  it('accepts letters, digits and _ not starting with a digit', () => {
    for (const key of ['API_KEY', '_private', 'a1', 'X'])
      expect(variableNameProblem(key)).toBeNull();
  });

  it('names what is wrong with a bad one', () => {
    expect(variableNameProblem('1x')).toBe(
      '"1x" is not a valid variable name (letters, digits and _, not starting with a digit)',
    );
    expect(variableNameProblem('A-B')).toMatch(/not a valid variable name/);
    expect(variableNameProblem('')).toMatch(/not a valid variable name/);
    expect(variableNameProblem('K'.repeat(VARIABLE_NAME_MAX + 1))).toBe(
      `"${'K'.repeat(40)}…" is longer than ${VARIABLE_NAME_MAX} characters`,
    );
  });
});

describe('formatUtc', () => {
  it('shows an ISO instant to the second, in UTC', () => {
    expect(formatUtc('2026-11-25T20:09:23.123Z')).toBe('2026-11-25 20:09:23 UTC');
  });

  it('shows a Date and an instant with an offset in UTC too', () => {
    expect(formatUtc(new Date(Date.UTC(2026, 4, 1, 12, 34, 56)))).toBe('2026-05-01 12:34:56 UTC');
    expect(formatUtc('2026-05-01T14:34:56+02:00')).toBe('2026-05-01 12:34:56 UTC');
  });

  it('shows text that is not a date as it is', () => {
    expect(formatUtc('soon')).toBe('soon');
  });
});

describe('plural', () => {
  it('says a count with its noun in the right number', () => {
    expect(plural(0, 'dialog')).toBe('0 dialogs');
    expect(plural(1, 'dialog')).toBe('1 dialog');
    expect(plural(2, 'dialog')).toBe('2 dialogs');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
    expect(plural(1, 'interaction changed', 'interactions changed')).toBe('1 interaction changed');
  });

  it('groups thousands, whatever the host locale', () => {
    expect(plural(1204, 'interaction')).toBe('1,204 interactions');
  });

  it('writes any count as en-US does, whole numbers without Intl', () => {
    const enUS = new Intl.NumberFormat('en-US');
    const edges = [0, -0, 1, 999, 1000, -1000, 999_999, 1_000_000, Number.MAX_SAFE_INTEGER];
    for (const n of [...edges, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1234.5678, -0.25, NaN, Infinity])
      expect(formatCount(n)).toBe(enUS.format(n));
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double()), (n) => {
        expect(formatCount(n)).toBe(enUS.format(n));
      }),
    );
  });

  it('gives the word alone too', () => {
    expect(pluralWord(1, 'was', 'were')).toBe('was');
    expect(pluralWord(5, 'was', 'were')).toBe('were');
    expect(pluralWord(5, 'version')).toBe('versions');
  });
});
