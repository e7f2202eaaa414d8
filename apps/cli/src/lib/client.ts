// The typed client of a Ferry server. A procedure call is one HTTP request as tRPC's httpLink sends
// it — a query is GET /api/trpc/<path>?input=<JSON>, a mutation POST /api/trpc/<path> with a JSON
// body — and the answer is the JSON envelope's `result.data`, or its `error` thrown as a
// ClientCallError. Only types come from @ferry/api and @trpc/client: loading @trpc/client cost every
// command 30–120 ms (its client and server internals, and Node 20's undici, which its `input
// instanceof FormData` check loads), most of a short command's run time.
import type { AppRouter } from '@ferry/api';
import type { TRPCClient } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { HttpOptions } from './timeout.js';

export type Client = TRPCClient<AppRouter>;
/** What each procedure answers, e.g. `Outputs['audit']['list']`. */
export type Outputs = inferRouterOutputs<AppRouter>;

/**
 * A call that failed: the server's error (its `data` carries Ferry's code, path and details), or
 * what kept the answer from arriving (`cause`: a network error, a timeout, a body that is not JSON).
 * Named as tRPC's client error is, which errors.ts recognises.
 */
export class ClientCallError extends Error {
  override readonly name = 'TRPCClientError';
  constructor(
    message: string,
    readonly data: unknown,
    readonly shape: unknown,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export function createClient(
  baseUrl: string,
  token: string | undefined,
  userAgent: string,
  http: HttpOptions,
): Client {
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
  };
  const call = async (path: string, kind: 'query' | 'mutate', input: unknown) => {
    const { createFetch } = await import('./http.js');
    const fetch = createFetch(http);
    let url = `${baseUrl.replace(/\/$/, '')}/api/trpc/${path}`;
    if (kind === 'query' && input !== undefined)
      url += `?input=${encodeURIComponent(JSON.stringify(input))}`;
    let envelope: unknown;
    try {
      const res = await fetch(
        url,
        kind === 'query'
          ? { method: 'GET', headers }
          : {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              ...(input !== undefined && { body: JSON.stringify(input) }),
            },
      );
      envelope = await res.json();
    } catch (e) {
      throw new ClientCallError(
        e instanceof Error ? e.message : String(e),
        undefined,
        undefined,
        e,
      );
    }
    return answerOf(envelope);
  };
  return procedures([], call) as Client;
}

/** The data of a tRPC answer, or its error thrown. */
function answerOf(envelope: unknown): unknown {
  const body = envelope as { result?: { data?: unknown }; error?: unknown } | null;
  if (typeof body === 'object' && body !== null) {
    if (typeof body.result === 'object' && body.result !== null) return body.result.data;
    const error = body.error as { message?: unknown; data?: unknown } | null | undefined;
    if (typeof error === 'object' && error !== null)
      throw new ClientCallError(
        typeof error.message === 'string' ? error.message : 'The server answered with an error.',
        error.data,
        error,
      );
  }
  throw new ClientCallError('Unable to transform response from server', undefined, undefined);
}

/** `client.a.b.query(input)` / `.mutate(input)`: the path is recorded, the last step calls. */
function procedures(
  path: string[],
  call: (path: string, kind: 'query' | 'mutate', input: unknown) => Promise<unknown>,
): unknown {
  return new Proxy(() => {}, {
    get: (_target, key) =>
      // Not a thenable: `await client()` must not take it for a promise.
      typeof key !== 'string' || key === 'then' ? undefined : procedures([...path, key], call),
    apply: (_target, _this, args: unknown[]) => {
      const kind = path.at(-1);
      if (path.length < 2 || (kind !== 'query' && kind !== 'mutate'))
        return Promise.reject(
          new TypeError(`${path.join('.')} is not a procedure call of the Ferry API.`),
        );
      return call(path.slice(0, -1).join('.'), kind, args[0]);
    },
  });
}
