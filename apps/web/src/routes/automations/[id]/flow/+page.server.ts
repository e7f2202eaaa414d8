// The flow view's drill-down and search: one dialog's own graph (`?dialog=ID`, laid out here) with
// its changes marked in a comparison, and the dialogs and interactions whose name holds `?q=`.
// `?change=first|last` moves the view to the dialog's first or last marked node ("next change"
// arriving from another dialog). The overview comes from the layout's load and is not read again.
import { versionParam } from '$lib/diff/params';
import { layout } from '$lib/flow/graph';
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import type { PageServerLoad } from './$types';

const SEARCH_LIMIT = 20;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const diffing = url.searchParams.has('from') || url.searchParams.has('to');
  const from = versionParam(url.searchParams.get('from'));
  const to = versionParam(url.searchParams.get('to'));
  const version = diffing ? undefined : versionParam(url.searchParams.get('version'));
  const shown = {
    automation: params.id,
    ...(diffing
      ? { ...(from !== undefined && { from }), ...(to !== undefined && { to }) }
      : version !== undefined && { version }),
  };
  const dialogId = url.searchParams.get('dialog')?.trim() ?? '';
  const query = url.searchParams.get('q')?.trim() ?? '';
  const change = url.searchParams.get('change');
  // A missing version is the overview's to say (its load reports it): nothing to show here.
  const quiet = async <T>(read: () => Promise<T>): Promise<T | { missing: string }> => {
    try {
      return await read();
    } catch (e) {
      const failure = apiFailure(e);
      if (!failure || failure.code !== 'NOT_FOUND') loadFailure(e);
      return { missing: failure.field === 'dialogId' ? failure.message : '' };
    }
  };
  const [drilled, found] = await Promise.all([
    dialogId === '' ? null : quiet(() => locals.api.flow.dialog({ ...shown, dialogId })),
    query === ''
      ? null
      : quiet(() => locals.api.flow.search({ ...shown, query, limit: SEARCH_LIMIT })),
  ]);
  const dialog =
    drilled === null || 'missing' in drilled
      ? null
      : {
          id: dialogId,
          graph: layout({ nodes: drilled.nodes, edges: drilled.edges }),
          marked: drilled.marked,
        };
  const focus =
    dialog === null
      ? null
      : change === 'first'
        ? (dialog.marked[0] ?? null)
        : change === 'last'
          ? (dialog.marked.at(-1) ?? null)
          : null;
  return {
    dialog,
    dialogError: drilled !== null && 'missing' in drilled ? drilled.missing : null,
    search: found === null || 'missing' in found ? null : found,
    focus,
  };
};
