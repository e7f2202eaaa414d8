// A missing value the code relies on fails with a message naming it, instead of a TypeError later.
import { describe, expect, it } from 'vitest';
import { InternalError, must } from './must.js';

describe('must', () => {
  it('returns a present value, including falsy ones', () => {
    expect(must(0, 'the count')).toBe(0);
    expect(must('', 'the name')).toBe('');
    expect(must(false, 'the flag')).toBe(false);
  });

  it('names what is missing when the value is null or undefined', () => {
    expect(() => must(undefined, 'the root node')).toThrow(
      new InternalError('Internal error: the root node is missing.'),
    );
    expect(() => must(null, 'the version')).toThrow(InternalError);
  });
});
