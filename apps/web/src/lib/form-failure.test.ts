// Each form of a page shows only its own failure: another form's answer, or a success, is not it.
import { describe, expect, it } from 'vitest';
import { failureOf } from './form-failure';

describe('a form’s failure', () => {
  it('is the last answer when that form failed, with its messages and typed values', () => {
    const answer = { form: 'add', values: { key: '1x' }, errors: { key: 'is not a valid name' } };
    expect(failureOf(answer, 'add')).toBe(answer);
    expect(failureOf({ form: 'rename', error: 'Not found.' }, 'rename')?.error).toBe('Not found.');
  });

  it('is nothing after another form’s answer, a success, or no answer', () => {
    expect(failureOf({ form: 'rename', error: 'Not found.' }, 'add')).toBeUndefined();
    expect(failureOf({ form: 'add', added: 'API_URL' }, 'add')).toBeUndefined();
    expect(failureOf(null, 'add')).toBeUndefined();
    expect(failureOf(undefined, 'add')).toBeUndefined();
  });
});
