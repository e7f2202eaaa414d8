// Environments: each with its variable count and linked automations; admins create and delete them.
import { redirect } from '@sveltejs/kit';
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { text } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { environments: await locals.api.environments.list() };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  create: async ({ request, locals }) => {
    const name = text(await request.formData(), 'name');
    let id: string;
    try {
      ({ id } = await locals.api.environments.create({ name }));
    } catch (e) {
      return actionFailure(e, 'create', { name }, ['name']);
    }
    redirect(303, `/environments/${id}`);
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
