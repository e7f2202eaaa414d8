// The import forms' `enhance`: upload the chosen CB export through content-addressed sync before
// the form is sent (the sync code, with @ferry/core, loads only when a form is submitted).
import type { SubmitFunction } from '@sveltejs/kit';
import type { Busy } from './pending';

/**
 * Sync the form's file first (see `$lib/sync-import`), then behave as `then`; `busy` hears what
 * it is doing (reading the file, uploading, importing).
 */
export const syncingSubmit =
  (then?: SubmitFunction, busy?: Busy): SubmitFunction =>
  async (input) => {
    const { syncFileField } = await import('./sync-import');
    await syncFileField(input.formData, 'file', busy);
    return then?.(input);
  };
