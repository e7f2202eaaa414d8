// A success message that survives the redirect after an action ("Created the environment “Prod”."
// on the environment's page): the action puts it in a short-lived cookie, the next page load takes
// it out and the layout shows it as a banner, once. Plain text; pages interpolate it escaped.
import type { Cookies } from '@sveltejs/kit';

const COOKIE = 'ferry_flash';
/** Longer messages are cut: a cookie is no place for a page of text. */
const MAX = 300;

/** Says `message` on the next page this browser loads (within a minute). */
export function flash(cookies: Cookies, url: URL, message: string): void {
  cookies.set(COOKIE, message.length > MAX ? `${message.slice(0, MAX - 1)}…` : message, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    maxAge: 60,
  });
}

/** The message waiting for this page load, taken (it shows once), or null. */
export function takeFlash(cookies: Cookies): string | null {
  const message = cookies.get(COOKIE);
  if (message === undefined) return null;
  cookies.delete(COOKIE, { path: '/' });
  return message === '' ? null : message;
}
