// Every page of one automation (content, flow, compare, releases, agents) shows its header: name,
// revision and counts (read from the snapshot's structure, never its content).
import { loadFailure } from '$lib/server/api-errors';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, params, depends }) => {
  // Reloaded after every edit (the revision the forms send); cheap at any bot size.
  depends('ferry:automation');
  try {
    return { automation: await locals.api.automations.show({ automation: params.id }) };
  } catch (e) {
    loadFailure(e);
  }
};
