// The common API call answered without tRPC's fetch adapter. One call of one procedure — a
// mutation sent as a JSON POST with no query string, or a query sent as GET with at most `input` —
// is answered here: the same context, procedure, error shape, status, headers, `onError` and
// `responseMeta` as tRPC's HTTP handler, built from tRPC's own functions. What the adapter costs
// on top (a fetch `Request` with an abort signal, a `Response`, web streams to read and write the
// bodies: about a third of a small edit's server time under load) is left out. Anything else (a
// batch, another content type or method, a body without a length or over the limit, a path that
// names no procedure) returns false untouched, and tRPC's handler answers it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  TRPCError,
  getErrorShape,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
  type AnyTRPCRouter,
} from '@trpc/server';
import { getHTTPStatusCode, getProcedureAtPath } from '@trpc/server/unstable-core-do-not-import';

export interface DirectCallOptions<Ctx> {
  router: AnyTRPCRouter;
  /** Where the API is mounted, with its trailing slash (`/api/trpc/`). */
  basePath: string;
  maxBodySize: number;
  createContext(req: IncomingMessage, res: ServerResponse): Promise<Ctx>;
  onError(opts: { error: TRPCError; ctx: Ctx | undefined; path: string | undefined }): void;
  /** Extra response headers for the errors of the call (as tRPC's `responseMeta`). */
  headersFor(errors: readonly TRPCError[]): Record<string, string>;
}

/** `accept` asking for a stream of JSON lines. */
const JSONL = /(^|,)\s*application\/jsonl\s*(,|$)/;
/** A procedure path as clients send it: dotted names, nothing to decode. */
const PLAIN_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

/**
 * Answer `req` if it is one plain call; false (nothing read, nothing written) to leave it to
 * tRPC's handler.
 */
export async function answerDirectly<Ctx>(
  req: IncomingMessage,
  res: ServerResponse,
  options: DirectCallOptions<Ctx>,
): Promise<boolean> {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const pathname = query === -1 ? url : url.slice(0, query);
  if (!pathname.startsWith(options.basePath)) return false;
  const path = pathname.slice(options.basePath.length);
  if (!PLAIN_PATH.test(path)) return false;
  const type = req.method === 'POST' ? 'mutation' : req.method === 'GET' ? 'query' : null;
  // A streamed call (tRPC's `trpc-accept`, or `accept` naming application/jsonl) is tRPC's.
  if (
    type === null ||
    req.headers['trpc-accept'] !== undefined ||
    JSONL.test(req.headers.accept ?? '')
  )
    return false;
  let rawInput: string | null;
  if (type === 'mutation') {
    if (query !== -1 || !isJson(req.headers['content-type'])) return false;
    const length = Number(req.headers['content-length']);
    // A chunked body, or one over the limit: tRPC's handler counts and refuses it.
    if (!Number.isSafeInteger(length) || length > options.maxBodySize) return false;
    rawInput = null;
  } else {
    const params = new URLSearchParams(query === -1 ? '' : url.slice(query + 1));
    for (const key of params.keys()) if (key !== 'input') return false;
    if (params.getAll('input').length > 1) return false;
    rawInput = params.get('input');
  }
  const procedure = await getProcedureAtPath(options.router, path);
  if (!procedure || procedure._def.type !== type) return false;

  if (type === 'mutation') {
    const body = await readBody(req);
    // The client went away before sending all of it: nobody to answer.
    if (body === null) {
      res.end();
      return true;
    }
    rawInput = body;
  }
  const config = options.router._def._config;
  let ctx: Ctx | undefined;
  let input: unknown;
  let inputRead = false;
  let response: object;
  let errors: TRPCError[] = [];
  try {
    try {
      ctx = await options.createContext(req, res);
    } catch (cause) {
      throw getTRPCErrorFromUnknown(cause);
    }
    const data: unknown = await procedure({
      path,
      ctx,
      type,
      signal: undefined,
      batchIndex: 0,
      getRawInput: () => {
        try {
          input = rawInput ? config.transformer.input.deserialize(JSON.parse(rawInput)) : undefined;
          inputRead = true;
          return Promise.resolve(input);
        } catch (cause) {
          // As tRPC words an input it cannot parse.
          return Promise.reject(
            cause instanceof TRPCError
              ? cause
              : new TRPCError({
                  code: 'BAD_REQUEST',
                  message: cause instanceof Error ? cause.message : 'Invalid input',
                  cause,
                }),
          );
        }
      },
    });
    if (isStreamLike(data))
      throw new TRPCError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message:
          'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
      });
    response = { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    errors = [error];
    options.onError({ error, ctx, path });
    response = {
      error: getErrorShape({
        config,
        ctx,
        error,
        input: inputRead ? input : undefined,
        path,
        type,
      }),
    };
  }
  const status = getHTTPStatusCode([response] as Parameters<typeof getHTTPStatusCode>[0], errors);
  const body = JSON.stringify(
    transformTRPCResponse(config, response as Parameters<typeof transformTRPCResponse>[1]),
  );
  if (res.statusCode === 200) res.statusCode = status;
  res.setHeader('vary', 'trpc-accept, accept');
  res.setHeader('content-type', 'application/json');
  for (const [name, value] of Object.entries(options.headersFor(errors)))
    res.setHeader(name, value);
  res.end(body);
  return true;
}

/** tRPC's test: the media type, ignoring case and parameters, is application/json. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

/** The whole body as text (its length is known and within the limit); null if it was cut off. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString()));
    req.once('error', () => resolve(null));
    req.once('close', () => {
      if (!req.complete) resolve(null);
    });
  });
}

/** What tRPC refuses to answer outside a stream: an async iterable, or an object holding promises. */
function isStreamLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Symbol.asyncIterator in value) return true;
  return Object.values(value).some(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      (Symbol.asyncIterator in v || typeof (v as { then?: unknown }).then === 'function'),
  );
}
