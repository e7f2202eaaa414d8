// An automation's agents (bot users): its own deployment bindings, which no release carries.
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { text } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    return { agents: (await locals.api.agents.list({ automation: params.id })).agents };
  } catch (e) {
    loadFailure(e);
  }
};

export const actions = {
  add: async ({ request, locals, params }) => {
    const name = text(await request.formData(), 'name');
    try {
      const added = await locals.api.agents.add({ automation: params.id, name });
      return { form: 'add', added: added.agent.name };
    } catch (e) {
      return actionFailure(e, 'add', { name }, ['name']);
    }
  },

  remove: async ({ request, locals, params }) => {
    const agent = text(await request.formData(), 'agent');
    try {
      const removed = await locals.api.agents.remove({ automation: params.id, agent });
      return { form: 'remove', removed: removed.agent.name };
    } catch (e) {
      return actionFailure(e, 'remove', {}, []);
    }
  },
} satisfies Actions;
