// How a form inside a modal dialog ends: `use:enhance={closeOnSuccess(() => dialog)}` closes it
// once the action succeeds and keeps it open (with the server's errors and everything typed) on a
// failure; `closeAfter` closes it whatever the answer, for confirmations whose refusal the page
// shows outside the dialog (optionally staying open when a field of the dialog itself was wrong).
// Given a `refresh`, a success reloads only what it says (scoped `invalidate`, or a new URL) instead
// of every load of the page.
import type { ActionResult, SubmitFunction } from '@sveltejs/kit';

/**
 * How a page catches up after an action succeeded, when not by reloading all its data: given the
 * action's answer, it invalidates what the action changed (or goes to a new URL).
 */
export type Refresh = (result: ActionResult) => Promise<unknown>;

/** Ends a submit: a success with a `refresh` reloads only what it says, then shows the answer. */
export async function settle(
  result: ActionResult,
  update: (options?: { reset?: boolean; invalidateAll?: boolean }) => Promise<void>,
  refresh?: Refresh,
  reset = true,
): Promise<void> {
  if (refresh && result.type === 'success') {
    // The data first, then the answer: "Saved" never shows beside what was there before.
    await refresh(result);
    await update({ reset, invalidateAll: false });
  } else await update({ reset });
}

/** A <dialog> element, or a component wrapping one. */
export type Closable = { close(): void } | undefined;

export const closeOnSuccess =
  (dialog: () => Closable, refresh?: Refresh): SubmitFunction =>
  () =>
  async ({ result, update }) => {
    await settle(result, update, refresh);
    if (result.type === 'success') dialog()?.close();
  };

export const closeAfter =
  (dialog: () => Closable, keepOpenOnFieldError = false, refresh?: Refresh): SubmitFunction =>
  () =>
  async ({ result, update }) => {
    await settle(result, update, refresh);
    const fieldError =
      result.type === 'failure' && (result.data as { errors?: unknown } | undefined)?.errors;
    if (!(keepOpenOnFieldError && fieldError)) dialog()?.close();
  };
