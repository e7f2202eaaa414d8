// What every request is checked and answered with before it reaches the API or the web UI: the
// security headers, the forwarded headers a trusted proxy may set, and the cross-origin check of
// calls signed in with the session cookie.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * Headers on every response. Pages get their full Content-Security-Policy from SvelteKit
 * (apps/web/svelte.config.js), which replaces the `web` one here; what it does not render (static
 * files, redirects) still may not be framed. API answers are data: nothing in them may run or load.
 */
export function securityHeaders(kind: 'api' | 'web'): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'content-security-policy':
      kind === 'api' ? "default-src 'none'; frame-ancestors 'none'" : "frame-ancestors 'none'",
  };
}

const first = (header: string | string[] | undefined): string | undefined =>
  (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase() || undefined;

/** Whether the client reached us over HTTPS: the TLS socket, or the trusted proxy's word. */
export function isHttps(req: IncomingMessage, trustProxy: boolean): boolean {
  if (trustProxy) {
    const proto = first(req.headers['x-forwarded-proto']);
    if (proto !== undefined) return proto === 'https';
  }
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/**
 * The web UI (adapter-node) takes the request's scheme from X-Forwarded-Proto, for SvelteKit's own
 * CSRF check. Unless a proxy is trusted, whatever a client sent there (or in X-Forwarded-For) is
 * replaced by what this server saw.
 */
export function trustedForwarding(req: IncomingMessage, trustProxy: boolean): void {
  if (trustProxy && first(req.headers['x-forwarded-proto']) !== undefined) {
    req.headers['x-forwarded-proto'] = first(req.headers['x-forwarded-proto']);
    return;
  }
  req.headers['x-forwarded-proto'] = isHttps(req, false) ? 'https' : 'http';
  if (!trustProxy) delete req.headers['x-forwarded-for'];
}

/** This server's origin as the browser sees it: scheme and the Host it asked for. */
const ownOrigin = (req: IncomingMessage, trustProxy: boolean): string | undefined =>
  req.headers.host
    ? `${isHttps(req, trustProxy) ? 'https' : 'http'}://${req.headers.host.toLowerCase()}`
    : undefined;

function originOf(req: IncomingMessage): string | undefined {
  if (req.headers.origin !== undefined) return req.headers.origin.toLowerCase();
  if (req.headers.referer === undefined) return undefined;
  try {
    return new URL(req.headers.referer).origin.toLowerCase();
  } catch {
    return 'null';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing call carried by the session cookie alone (no bearer token) whose Origin (or
 * Referer) is not this server: a page on another site making the signed-in browser act (CSRF).
 * A browser names the origin of every such request, so a missing one is refused too; scripts and
 * pipelines use an API token, which another site cannot make the browser send.
 */
export function crossOriginCookieCall(
  req: IncomingMessage,
  sessionCookie: string,
  trustProxy: boolean,
): boolean {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return false;
  if (/^Bearer\s+\S/i.test(req.headers.authorization ?? '')) return false;
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim());
  if (
    !cookies.some((c) => c.startsWith(`${sessionCookie}=`) && c.length > sessionCookie.length + 1)
  )
    return false;
  const origin = originOf(req);
  return origin === undefined || origin !== ownOrigin(req, trustProxy);
}
