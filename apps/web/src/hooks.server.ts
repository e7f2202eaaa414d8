// Every request: the signed-in user and the API acting as them; an unexpected failure is logged
// with the request's id, which the error page shows (handleError). Every HTML page says its
// charset in its Content-Type too (SvelteKit sends plain `text/html`; app.html has the meta tag).
//
// The web UI calls the tRPC router in-process rather than over HTTP: the Ferry server hands each
// request it passes to this app the API bound to the request's own credentials (session cookie or
// bearer token), so there is no second hop, no base URL to configure (which a reverse proxy
// would make wrong), and the router enforces the same roles, validation and audit as /api/trpc.
// Cookies the API sets (sign-in, sign-out) are copied onto SvelteKit's response.
import { redirect, type Handle } from '@sveltejs/kit';
import { loadFailure } from '$lib/server/api-errors';
import { withCharset } from '$lib/server/charset';
import { applySetCookie } from '$lib/server/cookies';

export { handleError } from '$lib/server/handle-error';

export const handle: Handle = async ({ event, resolve }) => {
  const ferry = event.platform?.req.ferry;
  if (!ferry)
    throw new Error(
      'The web UI runs inside the Ferry server (pnpm start), which provides its API.',
    );
  // Finding the user reads the database: while it is unreachable, a 503 page with the request id.
  const { api, user } = await ferry
    .session((cookie) => applySetCookie(event.cookies, cookie))
    .catch(loadFailure);
  event.locals.api = api;
  event.locals.user = user;
  // Everything but the sign-in page needs a signed-in user.
  if (!user && event.route.id !== null && event.route.id !== '/') redirect(303, '/');
  return withCharset(await resolve(event));
};
