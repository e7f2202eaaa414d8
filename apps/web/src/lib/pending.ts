// A form's busy state while it submits (SvelteKit's enhance): what it says it is doing ("Importing
// bot.json (14.6 MB)…") from the moment it is sent, through any work before the request (the sync
// upload of an import) until the page has its answer. The form shows it and disables its buttons.
import type { SubmitFunction } from '@sveltejs/kit';

/** Says what the form is doing (a text), or that it is done (null). */
export type Busy = (doing: string | null) => void;

/**
 * `submit` (or enhance's default ending) with the busy state reported to `busy`: `doing(formData)`
 * when the form is sent, null once it is answered, cancelled or failed. `submit` may update the
 * text as it goes (it is given the same `busy`).
 */
export function pending(
  busy: Busy,
  doing: (data: FormData) => string,
  submit?: (busy: Busy) => SubmitFunction,
): SubmitFunction {
  return async (input) => {
    busy(doing(input.formData));
    const cancel = () => {
      busy(null);
      input.cancel();
    };
    let after: Awaited<ReturnType<SubmitFunction>>;
    try {
      after = await submit?.(busy)({ ...input, cancel });
    } catch (e) {
      busy(null);
      throw e;
    }
    return async (answer) => {
      try {
        if (after) await after(answer);
        else await answer.update();
      } finally {
        busy(null);
      }
    };
  };
}
