// The typed tRPC client of a Ferry server. Only the router's *type* comes from @ferry/api.
import type { AppRouter } from '@ferry/api';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { createFetch, type HttpOptions } from './http.js';

export type Client = TRPCClient<AppRouter>;
/** What each procedure answers, e.g. `Outputs['audit']['list']`. */
export type Outputs = inferRouterOutputs<AppRouter>;

export function createClient(
  baseUrl: string,
  token: string | undefined,
  userAgent: string,
  http: HttpOptions,
): Client {
  return createTRPCClient<AppRouter>({
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
  });
}
