// The form actions of a release's approvals and comments (issue 14), shared by the automation's
// Releases tab and a release's own page: each calls the API as the signed-in user.
import type { RequestEvent } from '@sveltejs/kit';
import { actionFailure } from '$lib/server/api-errors';
import { text, texts } from '$lib/server/forms';

type Event = Pick<RequestEvent, 'request' | 'locals'>;

/** Approve the release named in the form (`release`) for the target `target`. */
export async function approveAction({ request, locals }: Event, target: string) {
  const form = await request.formData();
  const values = texts(form, 'comment');
  try {
    const done = await locals.api.releases.approve({
      target,
      release: text(form, 'release'),
      ...(values.comment.trim() && { comment: values.comment }),
    });
    return {
      form: 'approve',
      approved: {
        version: done.release.version,
        count: done.approvals.length,
        required: done.required,
        shortfall: done.shortfall,
      },
    };
  } catch (e) {
    return actionFailure(e, 'approve', values, ['comment']);
  }
}

/** Comment on the release named in the form (`release`) for the target `target`. */
export async function commentAction({ request, locals }: Event, target: string) {
  const form = await request.formData();
  const values = texts(form, 'text');
  try {
    const done = await locals.api.releases.comment({
      target,
      release: text(form, 'release'),
      text: values.text,
    });
    return { form: 'comment', commented: { version: done.release.version } };
  } catch (e) {
    return actionFailure(e, 'comment', values, ['text']);
  }
}
