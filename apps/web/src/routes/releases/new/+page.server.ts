// New release: a frozen copy of a source automation's working copy (or one of its versions)
// offered to a target automation (DESIGN.md rules 3 and 4).
import { redirect } from '@sveltejs/kit';
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { texts } from '$lib/server/forms';
import { flash } from '$lib/server/flash';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
  try {
    const automations = (await locals.api.automations.list()).map((a) => ({
      id: a.id,
      name: a.name,
      runsRelease: a.runsRelease ?? (a.runs === 'no release' ? null : a.runs),
      pendingRelease: a.pendingRelease,
    }));
    const wanted = url.searchParams.get('source');
    const source = automations.find((a) => a.id === wanted || a.name === wanted) ?? null;
    const target = automations.find((a) => a.id === url.searchParams.get('target')) ?? null;
    const versions = source
      ? (await locals.api.versions.list({ automation: source.id })).map((v) => ({
          id: v.id,
          number: v.number,
          name: v.name,
        }))
      : [];
    return { automations, source, target, versions };
  } catch (e) {
    loadFailure(e);
  }
};

const FIELDS = ['source', 'target', 'version', 'description', 'fromVersion'] as const;

export const actions = {
  create: async ({ request, locals, cookies, url }) => {
    const form = await request.formData();
    const values = {
      ...texts(form, 'source', 'target', 'version', 'description', 'fromVersion'),
      from: form.get('from') === 'version' ? 'version' : 'working',
      force: form.get('force') === 'on' ? 'on' : '',
    };
    let created: { targetId: string; targetName: string | null; version: string };
    try {
      created = await locals.api.releases.create({
        source: values.source,
        target: values.target,
        version: values.version,
        ...(values.description && { description: values.description }),
        ...(values.from === 'version' && { fromVersion: values.fromVersion }),
        ...(values.force && { force: true }),
      });
    } catch (e) {
      return actionFailure(e, 'create', values, FIELDS);
    }
    flash(
      cookies,
      url,
      `Created release ${created.version} for “${created.targetName ?? values.target}”.`,
    );
    redirect(303, `/automations/${created.targetId}/releases`);
  },
} satisfies Actions;
