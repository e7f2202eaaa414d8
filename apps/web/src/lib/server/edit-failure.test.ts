import { describe, expect, it } from 'vitest';
import { editFailure } from './edit-failure';

/** An error as the in-process API caller throws it (Ferry's code and the offending input path). */
const apiError = (ferryCode: string, message: string, path?: string) =>
  Object.assign(new Error(message), { code: ferryCode, ferryCode, ...(path && { path }) });

describe('a failed edit', () => {
  it('is stale when the base revision conflicts, keeping everything typed', () => {
    const e = apiError('CONFLICT', '"bot" was changed since revision 3', 'baseRevision');
    expect(editFailure(e, 'renameDialog', { name: 'Typed' }, ['name'])).toMatchObject({
      status: 409,
      data: { form: 'renameDialog', values: { name: 'Typed' }, stale: true },
    });
  });

  it('is an ordinary error for any other conflict, e.g. a duplicate id', () => {
    const e = apiError('CONFLICT', 'An interaction with id "x" already exists.', 'interaction.id');
    const failure = editFailure(e, 'addInteraction', { name: 'x' }, []);
    expect(failure.status).toBe(409);
    expect(failure.data).toEqual({
      form: 'addInteraction',
      values: { name: 'x' },
      error: 'An interaction with id "x" already exists.',
    });
  });

  it('puts a validation message at its field', () => {
    const e = apiError('VALIDATION', 'must not be empty', 'name');
    expect(editFailure(e, 'renameDialog', { name: ' ' }, ['name']).data).toMatchObject({
      errors: { name: 'must not be empty' },
    });
  });
});
