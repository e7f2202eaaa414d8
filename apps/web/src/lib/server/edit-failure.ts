// A failed edit of the working copy. A stale base revision (someone else changed the automation
// since the page was shown) is told apart from other conflicts: the page then says so and offers a
// reload, keeping what was typed. Anything else is an ordinary form failure.
import { fail, type ActionFailure } from '@sveltejs/kit';
import { actionFailure, apiFailure, type FormFailure } from './api-errors';

export interface EditFailure extends FormFailure {
  /** The automation moved on since the page's revision: nothing was changed. */
  stale?: boolean;
}

export function editFailure(
  e: unknown,
  form: string,
  values: Record<string, string>,
  fields: readonly string[],
): ActionFailure<EditFailure> {
  const failure = apiFailure(e);
  if (failure?.code === 'CONFLICT' && failure.field === 'baseRevision')
    return staleFailure(form, values);
  return actionFailure(e, form, values, fields);
}

/** A field error found before calling the API (e.g. content that is not JSON). */
export const fieldFailure = (
  form: string,
  values: Record<string, string>,
  field: string,
  message: string,
): ActionFailure<EditFailure> => fail(400, { form, values, errors: { [field]: message } });

/** The automation moved on since the page's revision: nothing was changed, everything typed kept. */
export const staleFailure = (
  form: string,
  values: Record<string, string>,
): ActionFailure<EditFailure> => fail(409, { form, values, stale: true });
