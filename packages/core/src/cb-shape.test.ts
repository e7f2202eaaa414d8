import { describe, expect, it } from 'vitest';
import { asArray, asObject, nonBlank, tileData } from './cb-shape.js';

describe('reading CB shapes', () => {
  it('gives neutral values for whatever is not the expected shape', () => {
    expect(asObject({ a: 1 })).toEqual({ a: 1 });
    for (const v of [null, undefined, 42, 'x', [1]]) expect(asObject(v)).toEqual({});
    expect(asArray([1, 'a'])).toEqual([1, 'a']);
    for (const v of [null, undefined, 42, 'x', { 0: 1 }]) expect(asArray(v)).toEqual([]);
  });

  it('treats blank text as absent', () => {
    expect(nonBlank(' hi ')).toBe(' hi ');
    for (const v of ['', '  \n', null, 3, ['a']]) expect(nonBlank(v)).toBeUndefined();
  });

  it("finds an interaction's cards, or none", () => {
    const card = { text: 'Hello' };
    expect(tileData({ content: { results: { tile: { tileData: [card] } } } })).toEqual([card]);
    expect(tileData({ content: { results: { tile: 'broken' } } })).toEqual([]);
    expect(tileData(null)).toEqual([]);
  });
});
