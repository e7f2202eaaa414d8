// Roles (DESIGN.md rule 12) and what each may do. Every procedure names one permission. No imports:
// the web UI takes the list from here too (`@ferry/api/roles`).
export const ROLES = ['viewer', 'editor', 'release-creator', 'release-acceptor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'read'
  | 'edit' // edit working copies, save and restore versions, import
  | 'delete-version'
  | 'create-release'
  | 'accept-release' // upgrade, reject, roll back, approve
  | 'comment-release' // comment on a release
  | 'force-tests' // upgrade although the release's conversation tests fail (audited)
  | 'admin'; // users, tokens, environments, agents, policy, delete automations, verify, gc

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  editor: ['read', 'edit'],
  'release-creator': ['read', 'edit', 'delete-version', 'create-release', 'comment-release'],
  'release-acceptor': ['read', 'accept-release', 'comment-release'],
  admin: [
    'read',
    'edit',
    'delete-version',
    'create-release',
    'accept-release',
    'comment-release',
    'force-tests',
    'admin',
  ],
};

export const can = (role: Role, permission: Permission): boolean =>
  GRANTS[role].includes(permission);
