// Types SvelteKit merges into its own: the error pages' error, what hooks put on `locals`, and the Node request adapter-node
// passes as `platform.req` (the Ferry server has attached the in-process API to it).
import type { ApiCaller, WebRequest, WebUser } from '@ferry/api';

declare global {
  namespace App {
    interface Error {
      message: string;
      /** The request's id (X-Request-Id), under which the server logged the failure. */
      requestId?: string;
    }
    interface Locals {
      api: ApiCaller;
      user: WebUser | null;
    }
    interface Platform {
      req: WebRequest;
    }
  }
}

export {};
