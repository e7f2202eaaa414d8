// The flow of an automation: the working copy or `?version=N`, or the changes `?from=N&to=M`
// (absent side = the working copy) marked on the "after" side's graph.
import { buildGraph } from '$lib/flow/graph';
import { versionParam } from '$lib/diff/params';
import { apiFailure, loadFailure } from '$lib/server/api-errors';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const diffing = url.searchParams.has('from') || url.searchParams.has('to');
  const from = versionParam(url.searchParams.get('from'));
  const to = versionParam(url.searchParams.get('to'));
  const version = diffing ? undefined : versionParam(url.searchParams.get('version'));
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
  try {
    if (diffing) {
      const [diff, { content }] = await Promise.all([
        locals.api.versions.diff({
          automation: params.id,
          ...(from !== undefined && { from }),
          ...(to !== undefined && { to }),
        }),
        locals.api.automations.content({
          automation: params.id,
          ...(to !== undefined && { version: String(to) }),
        }),
      ]);
      return {
        mode: 'diff' as const,
        versions,
        from,
        to,
        version,
        shown: `Changes from ${diff.from.label} to ${diff.to.label}`,
        summary: diff.summary.text,
        graph: buildGraph(content, diff.changes),
        error: null,
      };
    }
    const { content } = await locals.api.automations.content({
      automation: params.id,
      ...(version !== undefined && { version: String(version) }),
    });
    return {
      mode: 'content' as const,
      versions,
      from,
      to,
      version,
      shown: version === undefined ? 'The working copy' : `Version ${versionLabel(version)}`,
      summary: null,
      graph: buildGraph(content),
      error: null,
    };
  } catch (e) {
    const failure = apiFailure(e);
    if (!failure || failure.code !== 'NOT_FOUND') loadFailure(e);
    const which = diffing ? (failure.field === 'to' ? 'After: ' : 'Before: ') : '';
    return {
      mode: diffing ? ('diff' as const) : ('content' as const),
      versions,
      from,
      to,
      version,
      shown: null,
      summary: null,
      graph: null,
      error: which + failure.message,
    };
  }
};
