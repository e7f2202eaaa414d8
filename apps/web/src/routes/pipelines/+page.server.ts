// Every pipeline: automations connected by releases (Dev → Staging → Prod), in stage order.
import { loadFailure } from '$lib/server/api-errors';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { pipelines: await locals.api.releases.pipelines() };
  } catch (e) {
    loadFailure(e);
  }
};
