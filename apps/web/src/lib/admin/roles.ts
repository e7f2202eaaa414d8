// The roles an admin picks from, in the API's order. @ferry/api is only imported for its types in
// the web app's bundle, so the list is repeated here; the type check below fails the build if the
// API gains or loses a role.
import type { Role } from '@ferry/api';

export const ROLES = [
  'viewer',
  'editor',
  'release-creator',
  'release-acceptor',
  'admin',
] as const satisfies readonly Role[];

/** Every role of the API is in ROLES (this type is `never` otherwise). */
export type EveryRoleListed = [Exclude<Role, (typeof ROLES)[number]>] extends [never]
  ? true
  : never;
export const everyRoleListed: EveryRoleListed = true;
