// Every page's frame data: the signed-in user, and the success message an action left for the
// page it redirected to (shown once).
import { takeFlash } from '$lib/server/flash';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, cookies, url }) => {
  // Reading the path makes this load run on every navigation, so the next page no longer has the
  // message (SvelteKit reruns a load when what it read changes).
  void url.pathname;
  return { user: locals.user, flash: takeFlash(cookies) };
};
