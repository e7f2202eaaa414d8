// Compare two sides of an automation: versions by number, or the working copy (absent).
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import { diffPageParams, diffPageView } from '$lib/diff/group';
import { versionParam } from '$lib/diff/params';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const from = versionParam(url.searchParams.get('from'));
  const to = versionParam(url.searchParams.get('to'));
  let versions;
  try {
    versions = await locals.api.versions.list({ automation: params.id });
  } catch (e) {
    loadFailure(e);
  }
  try {
    const diff = await locals.api.versions.diff({
      automation: params.id,
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
    });
    // One page of it, grouped per dialog (core names the dialogs of changed interactions).
    const { changes, summary, ...sides } = diff;
    const view = diffPageView(summary, changes, diffPageParams(url.searchParams));
    return { from, to, versions, diff: { ...sides, view }, error: null };
  } catch (e) {
    const failure = apiFailure(e);
    if (!failure || failure.code !== 'NOT_FOUND') loadFailure(e);
    const which = failure.field === 'to' ? 'After' : 'Before';
    return {
      from,
      to,
      versions,
      diff: null,
      error: { field: failure.field ?? 'from', message: `${which}: ${failure.message}` },
    };
  }
};
