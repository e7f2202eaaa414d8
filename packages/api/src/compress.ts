// Compression of what the server sends: API answers, the web UI's HTML and page data, its static
// files when they were not precompressed. br or gzip as the client's Accept-Encoding prefers, for
// compressible types (the `compression` middleware: brotli at quality 4, a level meant
// for answers made per request). A body whose length is set before its headers go out is
// compressed only over 1 KB; tRPC streams its answers, so short ones are compressed too, at about
// 20 µs each. The export and backup routes encode their own bodies (the export
// keeps br and gzip copies in its cache; a backup is already gzip), so they are left alone.
import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

const middleware = compression({ threshold: 1024 }) as unknown as Middleware;

/**
 * Make `res` compress what is written to it from now on, when the client accepts an encoding and
 * the response turns out compressible (decided when its headers are sent).
 */
export function compressResponse(req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) =>
    middleware(req, res, (err) => (err ? reject(err as Error) : resolve())),
  );
}
