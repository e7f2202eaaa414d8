// The typed tRPC client of a Ferry server. Only the router's *type* comes from @ferry/api, and
// @trpc/client itself is loaded by the first call (`ferry --help` and commands that call nothing
// never load it).
import type { AppRouter } from '@ferry/api';
import type { TRPCClient } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { HttpOptions } from './timeout.js';

export type Client = TRPCClient<AppRouter>;
/** What each procedure answers, e.g. `Outputs['audit']['list']`. */
export type Outputs = inferRouterOutputs<AppRouter>;

export function createClient(
  baseUrl: string,
  token: string | undefined,
  userAgent: string,
  http: HttpOptions,
): Client {
  let client: Promise<Client> | undefined;
  const load = () =>
    (client ??= Promise.all([import('@trpc/client'), import('./http.js')]).then(
      ([{ createTRPCClient, httpLink }, { createFetch }]) =>
        createTRPCClient<AppRouter>({
          links: [
            httpLink({
              url: `${baseUrl}/api/trpc`,
              fetch: createFetch(http),
              headers: () => ({
                'user-agent': userAgent,
                ...(token !== undefined && { authorization: `Bearer ${token}` }),
              }),
            }),
          ],
        }),
    ));
  return lazyProcedures([], load) as Client;
}

/**
 * `client.a.b.query(input)` before the client exists: the path is recorded, and the call (the
 * last step) waits for the real client and makes the same call on it.
 */
function lazyProcedures(path: string[], load: () => Promise<Client>): unknown {
  return new Proxy(() => {}, {
    get: (_target, key) =>
      // Not a thenable: `await client()` must not take it for a promise.
      typeof key !== 'string' || key === 'then' ? undefined : lazyProcedures([...path, key], load),
    apply: async (_target, _this, args: unknown[]) => {
      let at: unknown = await load();
      for (const step of path.slice(0, -1)) at = (at as Record<string, unknown>)[step];
      const call = (at as Record<string, (...a: unknown[]) => unknown>)[path.at(-1) ?? ''];
      if (typeof call !== 'function')
        throw new TypeError(`${path.join('.')} is not a procedure call of the Ferry API.`);
      return call(...args);
    },
  });
}
