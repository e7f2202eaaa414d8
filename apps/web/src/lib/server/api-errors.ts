// API failures → what a page shows. The in-process caller throws the router's errors unformatted:
// Ferry's own (with `ferryCode` and the offending `path`) or tRPC's (input validation has the zod
// issues as its cause). One mapping, used by every load and action.
import { FERRY_CODE_OF, HTTP_STATUS, type ApiErrorCode } from '@ferry/api/error-codes';
import { inputSentence, type InputIssue } from '@ferry/api/inputs';
import { error, fail, redirect, type ActionFailure } from '@sveltejs/kit';

export type FailureCode = ApiErrorCode;

export interface ApiFailure {
  code: FailureCode;
  message: string;
  /** The input field the failure is about, when there is one (e.g. `name`). */
  field?: string;
  /** The input rule that refused it, when one did (to word it for a nested field). */
  issue?: InputIssue;
}

/** An expected API failure, or null for anything else (a bug: let SvelteKit log it and answer 500). */
export function apiFailure(e: unknown): ApiFailure | null {
  if (!(e instanceof Error) || !('code' in e)) return null;
  const err = e as Error & { code: string; ferryCode?: string; path?: string; cause?: unknown };
  const issues = (err.cause as { issues?: InputIssue[] } | undefined)?.issues;
  if (issues?.[0]) {
    // The API's sentence for it ("The name must not be empty."), as the CLI prints it.
    const field = issues[0].path.map(String).join('.');
    return {
      code: 'VALIDATION',
      message: inputSentence(issues[0]),
      ...(field && { field }),
      issue: issues[0],
    };
  }
  const code =
    (err.ferryCode as FailureCode | undefined) ??
    FERRY_CODE_OF[err.code as keyof typeof FERRY_CODE_OF];
  if (!code) return null;
  return { code, message: err.message, ...(err.path && { field: err.path }) };
}

/** What a form shows after a failed action: the message under its field, or above the form. */
export interface FormFailure {
  form: string;
  error?: string;
  errors?: Record<string, string>;
  values?: Record<string, string>;
}

/**
 * A failed form action: field-level errors for the form's own fields, everything the user typed
 * kept (`values`), a sign-in page for an expired session.
 */
export function actionFailure(
  e: unknown,
  form: string,
  values: Record<string, string>,
  fields: readonly string[],
): ActionFailure<FormFailure> {
  const failure = apiFailure(e);
  if (!failure) throw e;
  if (failure.code === 'UNAUTHORIZED') redirect(303, '/');
  const field = failure.field?.split('.')[0];
  const message = failure.message;
  return fail(HTTP_STATUS[failure.code], {
    form,
    values,
    ...(field && fields.includes(field) ? { errors: { [field]: message } } : { error: message }),
  });
}

/** A failed load: sign in again, or SvelteKit's error page with the API's message. */
export function loadFailure(e: unknown): never {
  const failure = apiFailure(e);
  if (!failure) throw e;
  if (failure.code === 'UNAUTHORIZED') redirect(303, '/');
  error(HTTP_STATUS[failure.code], failure.message);
}
