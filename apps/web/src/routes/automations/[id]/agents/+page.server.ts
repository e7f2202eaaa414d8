// An automation's deployment bindings, which no release carries: its agents (bot users) and the
// environment it is linked to (where a release's variables come from; a blocked upgrade sends
// the user here to link one). Each change carries the revision the page showed: a change since is
// refused, not overwritten.
import { can } from '$lib/can';
import { actionFailure, loadFailure } from '$lib/server/api-errors';
import { revisionOf, text } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const [{ agents }, environments] = await Promise.all([
      locals.api.agents.list({ automation: params.id }),
      // Only admins link environments: nobody else needs the list to choose from.
      can(locals.user, 'admin') ? locals.api.environments.list() : Promise.resolve([]),
    ]);
    return { agents, environments: environments.map(({ id, name }) => ({ id, name })) };
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

  link: async ({ request, locals, params }) => {
    const form = await request.formData();
    const environment = text(form, 'environment');
    try {
      const linked = await locals.api.environments.link({
        automation: params.id,
        environment,
        ifRevision: revisionOf(form, 'ifRevision'),
      });
      return { form: 'link', linked: linked.environment.name };
    } catch (e) {
      return actionFailure(e, 'link', { environment }, ['environment']);
    }
  },

  unlink: async ({ request, locals, params }) => {
    const form = await request.formData();
    try {
      const unlinked = await locals.api.environments.unlink({
        automation: params.id,
        ifRevision: revisionOf(form, 'ifRevision'),
      });
      return { form: 'unlink', unlinked: unlinked.previous?.name ?? '' };
    } catch (e) {
      return actionFailure(e, 'unlink', {}, []);
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
