import { describe, expect, it } from 'vitest';
import { findingFix, placeHref, upgradeFixes, type FixContext } from './fixes';

const production = { id: 'env-1', name: 'Production' };
const context = (over: Partial<FixContext> = {}): FixContext => ({
  target: { id: 'prod', name: 'Support (Prod)', environment: production },
  source: { id: 'dev', name: 'Support (Dev)', deleted: false },
  isAdmin: true,
  ...over,
});
const missing = (subject: string) => ({ code: 'ENV_UNDEFINED', subject });

describe('findingFix', () => {
  it("a missing variable links to its environment's Add variable form, filled in", () => {
    expect(findingFix(missing('STATUS_PAGE_URL'), context())).toEqual({
      text: 'Add STATUS_PAGE_URL to Production',
      href: '/environments/env-1?add=STATUS_PAGE_URL#add-heading',
    });
  });

  it("with no environment linked, links to linking one from the automation's page", () => {
    const ctx = context({ target: { id: 'prod', name: 'Support (Prod)', environment: null } });
    expect(findingFix(missing('X'), ctx)).toEqual({
      text: 'Link an environment to Support (Prod)',
      href: '/automations/prod/agents#environment-heading',
    });
  });

  it('tells a user who is not an admin to ask one, with the same link', () => {
    expect(findingFix(missing('A_B'), context({ isAdmin: false }))).toEqual({
      text: 'Ask an admin to add A_B to Production',
      href: '/environments/env-1?add=A_B#add-heading',
    });
  });

  it('offers nothing for a warning: those are fixed in the bot', () => {
    for (const code of ['ENV_DYNAMIC', 'LINK_MISSING', 'INTEGRATION_MISSING'])
      expect(findingFix({ code, subject: 'x' }, context())).toBeNull();
  });
});

describe('upgradeFixes', () => {
  const preview = {
    release: { id: 'r1', version: '1.4.0', status: 'pending' },
    checks: { errors: [missing('A'), missing('B')] },
    tests: { blocking: [{ name: 'Greets' }] },
    reviews: { shortfall: '0 of 1 approvals.' },
  };

  it('lists one fix per thing that blocks: each variable, the tests, the approval', () => {
    expect(upgradeFixes(preview, context(), true).map((f) => f.text)).toEqual([
      'Add A to Production',
      'Add B to Production',
      'Fix the conversation tests in Support (Dev), then release again',
      'Approve release 1.4.0',
    ]);
  });

  it('links an environment once however many variables are missing', () => {
    const ctx = context({ target: { id: 'prod', name: 'P', environment: null } });
    const fixes = upgradeFixes({ ...preview, tests: { blocking: [] } }, ctx, false);
    expect(fixes).toEqual([
      { text: 'Link an environment to P', href: '/automations/prod/agents#environment-heading' },
    ]);
  });

  it('offers the tests of a deleted source nowhere, and a release no longer pending nothing more', () => {
    const ctx = context({ source: { id: 'dev', name: 'D', deleted: true } });
    expect(upgradeFixes(preview, ctx, false).map((f) => f.text)).toEqual([
      'Add A to Production',
      'Add B to Production',
    ]);
    const done = { ...preview, release: { ...preview.release, status: 'rejected' } };
    expect(upgradeFixes(done, context(), true)).toHaveLength(2);
  });
});

describe('placeHref', () => {
  it("opens the dialog where a finding fired in the source's working copy", () => {
    expect(placeHref('d 1', context())).toBe('/automations/dev?dialog=d%201');
    expect(placeHref(null, context())).toBeNull();
    expect(
      placeHref('d1', context({ source: { id: 'dev', name: 'D', deleted: true } })),
    ).toBeNull();
  });
});
