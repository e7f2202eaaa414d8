// One automation: its dialogs and interactions (read-only here), and its versions panel.
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { readableDialogs } from '$lib/server/readable';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const [content, versions] = await Promise.all([
      locals.api.automations.content({ automation: params.id }),
      locals.api.versions.list({ automation: params.id }),
    ]);
    return { dialogs: readableDialogs(content.content), versions };
  } catch (e) {
    loadFailure(e);
  }
};

/** The revision the page showed: a change based on an older one is refused (DESIGN.md rule 10). */
const revisionOf = (form: FormData) => {
  const revision = Number(form.get('baseRevision'));
  return Number.isInteger(revision) && revision > 0 ? revision : undefined;
};

export const actions = {
  save: async ({ request, locals, params }) => {
    const form = await request.formData();
    const values = {
      name: String(form.get('name') ?? ''),
      description: String(form.get('description') ?? ''),
    };
    try {
      const saved = await locals.api.versions.save({
        automation: params.id,
        name: values.name,
        description: values.description,
        baseRevision: revisionOf(form),
      });
      return { form: 'save', saved: { number: saved.number, name: saved.name } };
    } catch (e) {
      return actionFailure(e, 'save', values, ['name', 'description']);
    }
  },

  restore: async ({ request, locals, params }) => {
    const form = await request.formData();
    const version = Number(form.get('version'));
    try {
      const restored = await locals.api.versions.restore({
        automation: params.id,
        version,
        baseRevision: revisionOf(form),
      });
      return {
        form: 'restore',
        restored: { number: restored.restored.number, backup: restored.backup.number },
      };
    } catch (e) {
      return actionFailure(e, 'restore', {}, []);
    }
  },
} satisfies Actions;
