// Compare two sides of an automation: versions by number, or the working copy (absent).
import { apiFailure, loadFailure } from '$lib/server/api-errors';
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
    // Interactions of dialogs that did not change themselves are shown under their dialog's name.
    const unnamed = new Set(
      diff.changes.filter((c) => c.kind === 'interaction').map((c) => c.dialogId),
    );
    for (const c of diff.changes) if (c.kind === 'dialog') unnamed.delete(c.id ?? undefined);
    const dialogNames: Record<string, string> = {};
    if (unnamed.size > 0) {
      const { content } = await locals.api.automations.content({
        automation: params.id,
        ...(to !== undefined && { version: String(to) }),
      });
      for (const d of content.dialogs) {
        const id = String(d.dialog.id);
        if (unnamed.has(id)) dialogNames[id] = String(d.dialog.name ?? id);
      }
    }
    return { from, to, versions, diff, dialogNames, error: null };
  } catch (e) {
    const failure = apiFailure(e);
    if (!failure || failure.code !== 'NOT_FOUND') loadFailure(e);
    const which = failure.field === 'to' ? 'After' : 'Before';
    return {
      from,
      to,
      versions,
      diff: null,
      dialogNames: {},
      error: { field: failure.field ?? 'from', message: `${which}: ${failure.message}` },
    };
  }
};
