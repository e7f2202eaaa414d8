// Whether the signed-in user's role grants a permission: pages offer only the actions it allows
// (the API checks every call again, whatever the page offered).
import type { Permission, WebUser } from '@ferry/api';

export const can = (user: WebUser | null | undefined, permission: Permission): boolean =>
  user?.permissions.includes(permission) ?? false;
