// Compare this automation with another (issue 14): what this one's working copy has that the
// other's has not (Dev against Prod: what a release Dev → Prod would change).
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import { diffPageParams, diffPageView } from '$lib/diff/group';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const against = url.searchParams.get('against')?.trim() || undefined;
  let automations;
  try {
    automations = (await locals.api.automations.list()).filter((a) => a.id !== params.id);
  } catch (e) {
    loadFailure(e);
  }
  if (against === undefined) return { against, automations, diff: null, error: null };
  try {
    const { changes, summary, dialogNames, ...sides } = await locals.api.compare.automations({
      automation: params.id,
      against,
    });
    // One page of the diff, grouped per dialog, instead of every change.
    const view = diffPageView(summary, changes, diffPageParams(url.searchParams), dialogNames);
    return { against, automations, diff: { ...sides, view }, error: null };
  } catch (e) {
    const failure = apiFailure(e);
    if (!failure || (failure.code !== 'NOT_FOUND' && failure.code !== 'VALIDATION')) loadFailure(e);
    return { against, automations, diff: null, error: failure.message };
  }
};
