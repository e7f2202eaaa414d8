// Every page of one automation (content, flow, compare, releases, agents) shows its header.
import { loadFailure } from '$lib/server/api-errors';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, params }) => {
  try {
    return { automation: await locals.api.automations.show({ automation: params.id }) };
  } catch (e) {
    loadFailure(e);
  }
};
