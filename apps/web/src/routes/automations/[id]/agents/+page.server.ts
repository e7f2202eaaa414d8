// An automation's agents (bot users): its own deployment bindings, which no release carries. Each
// change carries the revision the page showed: a change since is refused, not overwritten.
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { revisionOf, text } from '$lib/server/forms';
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
    const form = await request.formData();
    const name = text(form, 'name');
    try {
      const added = await locals.api.agents.add({
        automation: params.id,
        name,
        ifRevision: revisionOf(form, 'ifRevision'),
      });
      return { form: 'add', added: added.agent.name };
    } catch (e) {
      return actionFailure(e, 'add', { name }, ['name']);
    }
  },

  remove: async ({ request, locals, params }) => {
    const form = await request.formData();
    const agent = text(form, 'agent');
    try {
      const removed = await locals.api.agents.remove({
        automation: params.id,
        agent,
        ifRevision: revisionOf(form, 'ifRevision'),
      });
      return { form: 'remove', removed: removed.agent.name };
    } catch (e) {
      return actionFailure(e, 'remove', {}, []);
    }
  },
} satisfies Actions;
