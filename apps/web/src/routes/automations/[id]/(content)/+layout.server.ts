// The content page's dialog list (one page of it, or the dialogs a search finds, searched on the
// server) and the versions panel. Reloaded after an edit only when the list itself may have changed
// (a dialog added, renamed or deleted; a version saved): see `refresh` in +page.svelte.
import { loadFailure } from '$lib/server/api-errors';
import { DIALOG_PAGE, listQuery } from '$lib/dialog-list';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, params, url, depends }) => {
  depends('ferry:dialogs');
  const query = listQuery(url);
  try {
    const [list, versions] = await Promise.all([
      locals.api.automations.dialogs({
        automation: params.id,
        ...(query.search && { search: query.search }),
        in: query.in,
        offset: (query.page - 1) * DIALOG_PAGE,
        limit: DIALOG_PAGE,
      }),
      locals.api.versions.list({ automation: params.id }),
    ]);
    return {
      query,
      list: {
        total: list.total,
        matching: list.matching,
        offset: list.offset,
        dialogs: list.dialogs,
      },
      versions,
    };
  } catch (e) {
    loadFailure(e);
  }
};
