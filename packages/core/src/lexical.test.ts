// mayNotRoundTrip is the gate of exact-text import: whenever JSON.parse/JSON.stringify would not
// give a text back (without its whitespace), it must say so; a false alarm only costs time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJson, mayNotRoundTrip } from './lexical.js';

const roundTrips = (text: string) => JSON.stringify(JSON.parse(text)) === compactJson(text);

// Number lexemes as exports write them, including the forms JS writes differently.
const digits = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max })
    .map((d) => d.join(''));
const numberLexeme = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.oneof(
      fc.constant('0'),
      fc.tuple(fc.constantFrom(...'123456789'), digits(0, 20)).map(([a, b]) => a + b),
    ),
    fc.option(digits(1, 12), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3)), {
      nil: undefined,
    }),
  )
  .map(
    ([sign, int, frac, exp]) =>
      sign + int + (frac === undefined ? '' : '.' + frac) + (exp === undefined ? '' : exp.join('')),
  );

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  digits(1, 4),
  fc.constantFrom('0', '01', '10', '__proto__', 'a\\u0041', 'x\\/y', 'q\\"'),
);
/** A key as written, escapes kept (a key of `a\\u0041` is written `"a\u0041"`). */
const keyLexeme = (k: string) => JSON.stringify(k).replaceAll('\\\\', '\\');
const stringLexeme = fc
  .oneof(
    fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('"\\u00e9"', '"a\\/b"', '"\\\\u0041"', '"x: 1.50"', '"10":', '"\\n\\t"'),
  )
  .filter((s) => {
    try {
      return typeof JSON.parse(s) === 'string';
    } catch {
      return false;
    }
  });

const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    numberLexeme,
    stringLexeme,
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('v'), { maxLength: 4 }).map((xs) => '[' + xs.join(', ') + ']'),
    fc
      .uniqueArray(fc.tuple(key.map(keyLexeme), tie('v')), {
        maxLength: 4,
        // Duplicate keys are out of scope (JSON.parse keeps the last one; nothing looks for them).
        selector: ([k]) => {
          try {
            return JSON.parse(k) as string;
          } catch {
            return k;
          }
        },
      })
      .map((ms) => '{\n  ' + ms.map(([k, v]) => `${k}: ${v}`).join(',\n  ') + '\n}'),
  ),
})).v;

describe('mayNotRoundTrip', () => {
  it('says so for every text whose round trip differs (numbers, integer-like keys, escapes)', () => {
    fc.assert(
      fc.property(value, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        fc.pre(valid);
        if (!roundTrips(text)) expect(mayNotRoundTrip(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('flags each lexical form JS writes back differently, and passes plain ones', () => {
    for (const text of [
      '{"a": 1.0}',
      '{"a": 1.50}',
      '{"a": 1e3}',
      '{"a": 2E-2}',
      '{"a": -0}',
      '{"a": [-0]}',
      '{"a": 12345678901234567890}',
      '{"a": 9999999999999999}',
      '{"a": 0.0000001}',
      '{"10": 1}',
      '{"0": 1}',
      '{"a": "\\u0041"}',
      '{"a": "\\/"}',
    ])
      expect([text, mayNotRoundTrip(text)]).toEqual([text, true]);
    for (const text of [
      '{"a": 1, "b": -12.5, "c": [0, -0.5, 100]}',
      '{"01": 1, "1a": 2, "a1": 3}',
      '{"a": "x: 1.50 and 1e3", "b": "\\n\\"\\\\"}',
      '{"a": 0.000001}',
    ]) {
      expect(roundTrips(text)).toBe(true);
      expect([text, mayNotRoundTrip(text)]).toEqual([text, false]);
    }
  });
});
