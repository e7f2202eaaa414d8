// A page's unexpected failure: logged once through the Ferry server's logger under the request's
// id, and shown to the user as SvelteKit's plain message with that id (never the error itself).
import type { HandleServerError } from '@sveltejs/kit';

export const handleError: HandleServerError = ({ error, event, status, message }) => {
  const ferry = event.platform?.req.ferry;
  // Outside the Ferry server (which hooks.server.ts refuses) there is no request id to give.
  if (!ferry) return { message };
  const { requestId, log } = ferry;
  // A missing page (404) is the visitor's mistake, not a failure worth a log entry or an id.
  if (status < 500) return { message, requestId };
  // `err` goes through the server's serializer: a database error without the values users sent.
  log.error({ err: error, status, route: event.route.id }, 'page failed');
  // The id in the message too: the fallback page SvelteKit renders for a failed hook shows only that.
  return { message: `${message} (request ${requestId})`, requestId };
};
