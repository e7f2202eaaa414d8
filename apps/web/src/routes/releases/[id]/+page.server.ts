// One release's page (issue 14): its release notes (changes against what the target ran before,
// grouped by dialog), its approvals and comments, and the forms to approve and comment.
import { loadFailure } from '$lib/server/api-errors';
import { approveAction, commentAction } from '$lib/server/release-reviews';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const shown = await locals.api.releases.show({ release: params.id });
    const { notes } = await locals.api.releases.notes({ release: params.id });
    return {
      release: shown.release,
      reviews: shown.reviews,
      blockers: shown.blockers,
      notes,
    };
  } catch (e) {
    loadFailure(e);
  }
};

/** The release's target, for the actions (a release is addressed to exactly one). */
async function targetOf(locals: App.Locals, id: string) {
  return (await locals.api.releases.show({ release: id })).release.targetId;
}

export const actions = {
  approve: async (event) => approveAction(event, await targetOf(event.locals, event.params.id)),
  comment: async (event) => commentAction(event, await targetOf(event.locals, event.params.id)),
} satisfies Actions;
