// Compare any two sides (issue 13): this automation's working copy or one of its versions
// (`version`) against any automation's working copy or version (`against`, `againstVersion`) —
// Dev against Prod (what a release Dev → Prod would change), Dev's #4 against Prod's #2, or two
// versions of this one. The URL holds both sides (and the diff's page), so it can be shared.
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import { diffPageParams, diffPageView } from '$lib/diff/group';
import { versionParam } from '$lib/diff/params';
import type { PageServerLoad } from './$types';

/** Which side a refusal is about, for people: the field names the API gives. */
const SIDE_OF: Record<string, string> = {
  against: 'Before',
  againstVersion: 'Before',
  automation: 'After',
  version: 'After',
};

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const against = url.searchParams.get('against')?.trim() || undefined;
  const version = versionParam(url.searchParams.get('version'));
  const againstVersion = versionParam(url.searchParams.get('againstVersion'));
  let automations, versions;
  try {
    [automations, versions] = await Promise.all([
      locals.api.automations.list(),
      locals.api.versions.list({ automation: params.id }),
    ]);
  } catch (e) {
    loadFailure(e);
  }
  const other = automations.find((a) => a.id === against || a.name === against);
  const sides = {
    against: other?.id ?? against,
    version,
    againstVersion,
    automations: automations.map((a) => ({ id: a.id, name: a.name })),
    versions,
    // The other side's versions, for its version picker (this automation's when it is this one).
    againstVersions: other
      ? other.id === params.id
        ? versions
        : await locals.api.versions.list({ automation: other.id })
      : [],
  };
  if (against === undefined) return { ...sides, diff: null, error: null };
  try {
    const { changes, summary, dialogNames, ...compared } = await locals.api.compare.automations({
      automation: params.id,
      against,
      ...(version !== undefined && { version }),
      ...(againstVersion !== undefined && { againstVersion }),
    });
    // One page of the diff, grouped per dialog, instead of every change.
    const view = diffPageView(summary, changes, diffPageParams(url.searchParams), dialogNames);
    return { ...sides, diff: { ...compared, view }, error: null };
  } catch (e) {
    const failure = apiFailure(e);
    if (!failure || (failure.code !== 'NOT_FOUND' && failure.code !== 'VALIDATION')) loadFailure(e);
    const side = SIDE_OF[failure.field ?? ''];
    return { ...sides, diff: null, error: side ? `${side}: ${failure.message}` : failure.message };
  }
};
