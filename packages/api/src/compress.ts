// Compression of what the server sends: API answers, the web UI's HTML and page data, its static
// files when they were not precompressed. br or gzip as the client's Accept-Encoding prefers, for
// compressible types (the `compression` middleware: brotli at quality 4, a level meant
// for answers made per request). A body under 1 KB is sent as it is: compressing it saves a few
// hundred bytes on loopback or a LAN and costs more CPU (a compressor per answer, about 0.1 ms)
// than the rest of a small API call. The middleware knows a body's size only when its length is
// set before its headers go out; tRPC streams its JSON answers without one, so API answers
// (`bufferSmall`) are held until they pass 1 KB or end: a short one then goes out whole with its
// Content-Length (uncompressed), a longer one streams on, compressed. The export and backup routes
// encode their own bodies (the export keeps br and gzip copies in its cache; a backup is already
// gzip), so they are left alone.
import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** Bodies shorter than this are not compressed. */
export const COMPRESS_THRESHOLD = 1024;

const middleware = compression({ threshold: COMPRESS_THRESHOLD }) as unknown as Middleware;

/**
 * Make `res` compress what is written to it from now on, when the client accepts an encoding and
 * the response turns out compressible (decided when its headers are sent). `bufferSmall`: the body
 * is JSON written without a length (an API answer): hold it until it is known to be 1 KB or more.
 */
export async function compressResponse(
  req: IncomingMessage,
  res: ServerResponse,
  { bufferSmall = false } = {},
): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    middleware(req, res, (err) => (err ? reject(err as Error) : resolve())),
  );
  if (bufferSmall) holdSmallBody(res);
}

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

/**
 * Over the compression middleware's write and end: a JSON body is held while it is under the
 * threshold. If it ends there, it goes out in one piece with its Content-Length (so the middleware
 * leaves it plain); once it reaches the threshold, what was held and everything after flows on.
 * Bodies of other types, or whose headers already went out, are not held.
 */
function holdSmallBody(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: Chunk, cb?: Callback) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let held: Buffer[] | null = [];
  let size = 0;
  const holding = () =>
    held !== null &&
    !res.headersSent &&
    /^application\/json\b/i.test(String(res.getHeader('content-type') ?? ''));
  const release = (): boolean => {
    const chunks = held ?? [];
    held = null;
    return chunks.length === 0 ? true : write(Buffer.concat(chunks));
  };
  const toBuffer = (chunk: Chunk, encoding?: unknown) =>
    typeof chunk === 'string'
      ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

  res.write = ((chunk: Chunk, encoding?: unknown, cb?: unknown) => {
    const callback = (typeof encoding === 'function' ? encoding : cb) as Callback | undefined;
    if (!holding()) {
      const ok = release();
      return write(chunk, callback) && ok;
    }
    const buffer = toBuffer(chunk, encoding);
    held?.push(buffer);
    size += buffer.length;
    if (size >= COMPRESS_THRESHOLD) {
      const ok = release();
      if (callback) process.nextTick(callback);
      return ok;
    }
    if (callback) process.nextTick(callback);
    return true;
  }) as ServerResponse['write'];

  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    const callback = [chunk, encoding, cb].find((a) => typeof a === 'function') as
      (() => void) | undefined;
    const last =
      typeof chunk === 'string' || chunk instanceof Uint8Array
        ? toBuffer(chunk, encoding)
        : undefined;
    if (!holding()) {
      release();
      return last === undefined ? end(callback) : end(last, callback);
    }
    const body = Buffer.concat(last === undefined ? (held ?? []) : [...(held ?? []), last]);
    held = null;
    res.setHeader('Content-Length', body.length);
    return end(body, callback);
  }) as ServerResponse['end'];
}
