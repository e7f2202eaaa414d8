import { describe, expect, it } from 'vitest';
import {
  PERMISSION_TEXT,
  ROLES,
  ROLE_SUMMARY,
  can,
  roleAbilities,
  type Permission,
} from './roles.js';

describe('what each role may do, in words', () => {
  it('lists exactly the permissions a role holds', () => {
    const permissions = Object.keys(PERMISSION_TEXT) as Permission[];
    for (const role of ROLES) {
      expect(roleAbilities(role)).toEqual(
        permissions.filter((p) => can(role, p)).map((p) => PERMISSION_TEXT[p]),
      );
      expect(ROLE_SUMMARY[role]).toMatch(/\.$/);
    }
    expect(roleAbilities('viewer')).toEqual([PERMISSION_TEXT.read]);
    expect(roleAbilities('admin')).toHaveLength(permissions.length);
    expect(roleAbilities('release-acceptor')).toContain(PERMISSION_TEXT['accept-release']);
    expect(roleAbilities('release-acceptor')).not.toContain(PERMISSION_TEXT.edit);
  });
});
