// Sign-in. Signed-in users go straight to the dashboard.
import { fail, redirect } from '@sveltejs/kit';
import { apiFailure } from '$lib/server/api-errors';
import { texts } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
  if (locals.user) redirect(303, '/automations');
};

export const actions = {
  default: async ({ request, locals }) => {
    const { username, password } = texts(await request.formData(), 'username', 'password');
    if (!username.trim() || !password)
      return fail(400, { username, error: 'Enter your username and password.' });
    try {
      await locals.api.auth.login({ name: username.trim(), password });
    } catch (e) {
      const failure = apiFailure(e);
      if (!failure) throw e;
      // The same message whichever of the two was wrong; a throttled sign-in says when to retry.
      const status =
        failure.code === 'TOO_MANY_REQUESTS' ? 429 : failure.code === 'UNAUTHORIZED' ? 401 : 400;
      return fail(status, {
        username,
        error: failure.message,
      });
    }
    redirect(303, '/automations');
  },
} satisfies Actions;
