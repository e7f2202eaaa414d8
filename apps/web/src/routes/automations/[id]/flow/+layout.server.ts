// The flow view's overview of an automation: the working copy or `?version=N`, or the changes
// `?from=N&to=M` (absent side = the working copy) with the changed dialogs marked. A graph of
// dialogs laid out in layers (`$lib/flow/overview`), whatever the bot's size. It reads only what
// is shown, so drilling into a dialog, searching and moving the view (the page's load and the
// page itself) never load it again.
import { versionParam } from '$lib/diff/params';
import { packOverview } from '$lib/flow/overview';
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, params, url }) => {
  const diffing = url.searchParams.has('from') || url.searchParams.has('to');
  const from = versionParam(url.searchParams.get('from'));
  const to = versionParam(url.searchParams.get('to'));
  const version = diffing ? undefined : versionParam(url.searchParams.get('version'));
  const mode = diffing ? ('diff' as const) : ('content' as const);
  let versions;
  try {
    versions = await locals.api.versions.list({ automation: params.id });
  } catch (e) {
    loadFailure(e);
  }
  const versionLabel = (ref: number | string) => {
    const v = versions.find((x) => String(x.number) === String(ref));
    return v ? `#${v.number} ${v.name}` : String(ref);
  };
  const base = { mode, versions, from, to, version };
  try {
    const overview = await locals.api.flow.overview({
      automation: params.id,
      ...(diffing
        ? { ...(from !== undefined && { from }), ...(to !== undefined && { to }) }
        : version !== undefined && { version }),
    });
    return {
      ...base,
      shown: overview.diff
        ? `Changes from ${overview.diff.from.label} to ${overview.diff.to.label}`
        : version === undefined
          ? 'The working copy'
          : `Version ${versionLabel(version)}`,
      summary: overview.diff?.summary.text ?? null,
      overview: packOverview(overview),
      error: null,
    };
  } catch (e) {
    const failure = apiFailure(e);
    if (!failure || failure.code !== 'NOT_FOUND') loadFailure(e);
    const which = diffing ? (failure.field === 'to' ? 'After: ' : 'Before: ') : '';
    return { ...base, shown: null, summary: null, overview: null, error: which + failure.message };
  }
};
