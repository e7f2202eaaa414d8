// How a form inside a modal dialog ends: `use:enhance={closeOnSuccess(() => dialog)}` closes it
// once the action succeeds and keeps it open (with the server's errors and everything typed) on a
// failure; `closeAfter` closes it whatever the answer, for confirmations whose refusal the page
// shows outside the dialog (optionally staying open when a field of the dialog itself was wrong).
import type { SubmitFunction } from '@sveltejs/kit';

/** A <dialog> element, or a component wrapping one. */
export type Closable = { close(): void } | undefined;

export const closeOnSuccess =
  (dialog: () => Closable): SubmitFunction =>
  () =>
  async ({ result, update }) => {
    await update();
    if (result.type === 'success') dialog()?.close();
  };

export const closeAfter =
  (dialog: () => Closable, keepOpenOnFieldError = false): SubmitFunction =>
  () =>
  async ({ result, update }) => {
    await update();
    const fieldError =
      result.type === 'failure' && (result.data as { errors?: unknown } | undefined)?.errors;
    if (!(keepOpenOnFieldError && fieldError)) dialog()?.close();
  };
