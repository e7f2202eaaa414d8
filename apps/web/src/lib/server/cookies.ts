// Copies a Set-Cookie header written by the API onto SvelteKit's cookies, keeping its attributes.
import type { Cookies } from '@sveltejs/kit';

type CookieOptions = Parameters<Cookies['set']>[2];

export function applySetCookie(cookies: Pick<Cookies, 'set'>, header: string): void {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  if (eq <= 0) return;
  const options: CookieOptions = {
    path: '/',
    httpOnly: false,
    secure: false,
    encode: (value) => value,
  };
  for (const attribute of attributes) {
    const [key = '', ...rest] = attribute.split('=');
    const value = rest.join('=');
    switch (key.toLowerCase()) {
      case 'path':
        options.path = value;
        break;
      case 'httponly':
        options.httpOnly = true;
        break;
      case 'secure':
        options.secure = true;
        break;
      case 'samesite':
        options.sameSite = value.toLowerCase() as 'lax' | 'strict' | 'none';
        break;
      case 'expires':
        options.expires = new Date(value);
        break;
      case 'max-age':
        options.maxAge = Number(value);
        break;
    }
  }
  cookies.set(pair.slice(0, eq), pair.slice(eq + 1), options);
}
