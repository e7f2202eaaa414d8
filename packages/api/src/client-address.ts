// Where a request comes from, for sign-in throttling: the one place that decides it. Behind a
// trusted proxy (FERRY_TRUST_PROXY) that is the address the proxy appended to X-Forwarded-For.
import type { IncomingMessage } from 'node:http';

export function clientAddressOf(req: IncomingMessage, trustProxy = false): string | undefined {
  // The last entry is the proxy's own record of its peer; earlier ones are whatever clients claimed.
  const forwarded = trustProxy
    ? [req.headers['x-forwarded-for'] ?? []].flat().join(',').split(',').pop()?.trim()
    : undefined;
  const address = forwarded || req.socket.remoteAddress;
  // An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d; count it as a.b.c.d.
  return address?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
