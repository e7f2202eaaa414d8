// Types SvelteKit merges into its own: what hooks put on `locals`, and the Node request adapter-node
// passes as `platform.req` (the Ferry server has attached the in-process API to it).
import type { ApiCaller, WebRequest, WebUser } from '@ferry/api';

declare global {
  namespace App {
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
