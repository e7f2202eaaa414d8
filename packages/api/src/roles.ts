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

/** What each permission lets a user do, in words: the Users page lists them for every role. */
export const PERMISSION_TEXT: Record<Permission, string> = {
  read: 'See automations, their content, versions, diffs, flows, tests, releases, pipelines, environments (secret values masked) and the audit log',
  edit: 'Edit working copies, import CB exports, rename automations, save, restore and pin versions, and set conversation tests',
  'delete-version': 'Delete versions',
  'create-release': 'Create releases and promote accepted ones onward',
  'accept-release': 'Upgrade to, approve, reject and roll back releases, and schedule upgrades',
  'comment-release': 'Comment on releases',
  'force-tests': "Upgrade although a release's conversation tests fail (recorded in the audit log)",
  admin:
    'Manage users, API tokens, environments and their secret values, agents, webhooks and the release policy; delete automations; verify and clean up storage',
};

/** What a role is for, in one sentence. */
export const ROLE_SUMMARY: Record<Role, string> = {
  viewer: 'Reads everything and changes nothing.',
  editor: 'Works on the content of automations.',
  'release-creator': 'An editor who also deletes versions and creates releases.',
  'release-acceptor': 'Decides on the releases offered to an automation.',
  admin: 'Everything, including users, tokens and environments.',
};

/** What `role` may do, each permission it holds in words, in the order of PERMISSION_TEXT. */
export const roleAbilities = (role: Role): string[] =>
  (Object.keys(PERMISSION_TEXT) as Permission[])
    .filter((p) => GRANTS[role].includes(p))
    .map((p) => PERMISSION_TEXT[p]);
