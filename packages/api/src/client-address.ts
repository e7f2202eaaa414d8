// Where a request comes from, for sign-in throttling: the one place that decides it, so that a
// setting to trust a proxy's X-Forwarded-For can replace the socket's address here.
import type { IncomingMessage } from 'node:http';

export function clientAddressOf(req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress;
  // An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d; count it as a.b.c.d.
  return address?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
