// A failed form action whose API input nests the form's fields (environments.set takes
// `variables[0].key`): the error goes under the field the form shows (`key`), not above the form.
import { fail, type ActionFailure } from '@sveltejs/kit';
import { inputSentence } from '@ferry/api/inputs';
import { actionFailure, apiFailure, type FormFailure } from '$lib/server/api-errors';

export function nestedActionFailure(
  e: unknown,
  form: string,
  values: Record<string, string>,
  fields: readonly string[],
): ActionFailure<FormFailure> {
  const failure = apiFailure(e);
  const result = actionFailure(e, form, values, fields);
  const leaf = failure?.field?.split('.').pop();
  if (!failure || !leaf || !fields.includes(leaf) || result.data.errors) return result;
  // Under its field, a rule's refusal is about that field alone: "The key must not be empty."
  const message = failure.issue
    ? inputSentence({ ...failure.issue, path: [leaf] })
    : failure.message;
  return fail(result.status, { form, values, errors: { [leaf]: message } });
}
