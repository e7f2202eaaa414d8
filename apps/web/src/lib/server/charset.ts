// Every HTML page names its charset in its Content-Type, not only in its <meta charset> (app.html):
// SvelteKit sends pages as plain `text/html`, which leaves the encoding to the browser's guess
// until it has read the meta tag.

/** `text/html` without a charset becomes `text/html; charset=utf-8`; anything else is left alone. */
export function withCharset(response: Response): Response {
  const type = response.headers.get('content-type');
  if (type !== null && /^text\/html\s*(;|$)/i.test(type) && !/charset=/i.test(type))
    response.headers.set('content-type', 'text/html; charset=utf-8');
  return response;
}
