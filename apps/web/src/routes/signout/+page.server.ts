// Sign-out: ends the session on the server (the API clears the cookie), then back to sign-in.
import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions = {
  default: async ({ locals }) => {
    await locals.api.auth.logout();
    redirect(303, '/');
  },
} satisfies Actions;
