// The import forms' `enhance`: upload the chosen CB export through content-addressed sync before
// the form is sent (the sync code, with @ferry/core, loads only when a form is submitted).
import type { SubmitFunction } from '@sveltejs/kit';

/** Sync the form's file first (see `$lib/sync-import`), then behave as `then`. */
export const syncingSubmit =
  (then?: SubmitFunction): SubmitFunction =>
  async (input) => {
    const { syncFileField } = await import('./sync-import');
    await syncFileField(input.formData);
    return then?.(input);
  };
