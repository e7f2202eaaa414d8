// Environments: each with its variable count and linked automations; admins create and delete them.
import { redirect } from '@sveltejs/kit';
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { text } from '$lib/server/forms';
import { flash } from '$lib/server/flash';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { environments: await locals.api.environments.list() };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  create: async ({ request, locals, cookies, url }) => {
    const name = text(await request.formData(), 'name');
    let created: { id: string; name: string };
    try {
      created = await locals.api.environments.create({ name });
    } catch (e) {
      return actionFailure(e, 'create', { name }, ['name']);
    }
    flash(cookies, url, `Created the environment “${created.name}”.`);
    redirect(303, `/environments/${created.id}`);
  },

  delete: async ({ request, locals }) => {
    const environment = text(await request.formData(), 'environment');
    try {
      const deleted = await locals.api.environments.delete({ environment });
      return { form: 'delete', deleted: deleted.name };
    } catch (e) {
      return actionFailure(e, 'delete', {}, []);
    }
  },
} satisfies Actions;
