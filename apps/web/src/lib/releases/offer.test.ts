import { describe, expect, it } from 'vitest';
import { partyName, statusLabel, upgradeOffer } from './offer';

const missing = {
  ok: false,
  missingEnv: ['SUPPORT_PHONE'],
};
const envBlocker = "The target's environment does not define SUPPORT_PHONE.";

describe('upgradeOffer', () => {
  it('offers Upgrade when show says nothing blocks it', () => {
    expect(
      upgradeOffer({ canUpgrade: true, blockers: [], checks: { ok: true, missingEnv: [] } }, true),
    ).toBe('upgrade');
  });

  it('offers forcing when the environment check is the only blocker', () => {
    expect(upgradeOffer({ canUpgrade: false, blockers: [envBlocker], checks: missing }, true)).toBe(
      'force',
    );
  });

  it('offers nothing to forcing when something besides the environment blocks', () => {
    const policy = 'Release 1.0.0 was created by you; another user must accept it.';
    expect(
      upgradeOffer({ canUpgrade: false, blockers: [envBlocker, policy], checks: missing }, true),
    ).toBe('blocked');
    expect(
      upgradeOffer(
        {
          canUpgrade: false,
          blockers: ['Release 1.0.0 is rejected, not pending.'],
          checks: { ok: true, missingEnv: [] },
        },
        true,
      ),
    ).toBe('blocked');
  });

  it('offers nothing to a role that may not accept releases', () => {
    expect(
      upgradeOffer({ canUpgrade: true, blockers: [], checks: { ok: true, missingEnv: [] } }, false),
    ).toBe('blocked');
    expect(
      upgradeOffer({ canUpgrade: false, blockers: [envBlocker], checks: missing }, false),
    ).toBe('blocked');
  });
});

describe('upgradeOffer with conversation tests', () => {
  const testsBlocker = 'Conversation tests do not pass: "greets" (failed).';
  const failing = { blocking: [{ name: 'greets', status: 'failed' }] };
  const ok = { ok: true, missingEnv: [] };

  it('offers forcing past failing tests only to a role that may force them', () => {
    const preview = { canUpgrade: false, blockers: [testsBlocker], checks: ok, tests: failing };
    expect(upgradeOffer(preview, true, true)).toBe('force');
    expect(upgradeOffer(preview, true, false)).toBe('blocked');
  });

  it('offers forcing past both the environment and the tests together', () => {
    const preview = {
      canUpgrade: false,
      blockers: [envBlocker, testsBlocker],
      checks: missing,
      tests: failing,
    };
    expect(upgradeOffer(preview, true, true)).toBe('force');
    expect(upgradeOffer(preview, true, false)).toBe('blocked');
  });
});

describe('statusLabel', () => {
  it('words statuses for people and keeps unknown ones', () => {
    expect(statusLabel('upgraded')).toBe('accepted');
    expect(statusLabel('rolled-back')).toBe('rolled back');
    expect(statusLabel('pending')).toBe('pending');
    expect(statusLabel('archived')).toBe('archived');
  });
});

describe('partyName', () => {
  it('marks a deleted source or target, keeping the name it had', () => {
    expect(partyName('Support (Dev)', true)).toBe('Support (Dev) (deleted)');
    expect(partyName('Support (Dev)', false)).toBe('Support (Dev)');
    expect(partyName(null, true)).toBe('an unknown automation');
  });
});
