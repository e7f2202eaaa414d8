// Decider tests of release governance (issue 14): approvals by distinct users other than the
// creator, the approval gate of an upgrade, and comments.
import { describe, expect, it } from 'vitest';
import type { Approval } from './governance.js';
import { approvalShortfall, approveRelease, commentOnRelease } from './governance.js';
import { upgradeToRelease } from './releases.js';
import {
  NOW_ISO,
  OPEN,
  PASSING,
  expectOk,
  expectRefused,
  withPendingRelease,
} from './test-support/world.js';
import { must } from './must.js';

const pending = () => {
  const w = withPendingRelease();
  return { w, release: must(w.pendingFor('prod'), 'the pending release') };
};
const approval = (releaseId: string, by: string): Approval => ({
  releaseId,
  by,
  at: NOW_ISO,
  comment: '',
});

describe('approvals', () => {
  it('an acceptor approves a pending release once, with an audited comment', () => {
    const { w, release } = pending();
    const done = expectOk(
      approveRelease(
        { target: w.get('prod'), release, approvals: [], comment: '  ok  ', required: 2 },
        w.ctx('bob'),
      ),
    );
    expect(done.approval).toEqual({ releaseId: release.id, by: 'bob', at: NOW_ISO, comment: 'ok' });
    expect(done.audit).toMatchObject({
      action: 'release.approve',
      actor: 'bob',
      automationId: 'prod',
      releaseId: release.id,
      details: { version: '1.0.0', approvals: 1, required: 2, comment: 'ok' },
    });
    const again = expectRefused(
      approveRelease(
        { target: w.get('prod'), release, approvals: [done.approval], required: 2 },
        w.ctx('bob'),
      ),
      'CONFLICT',
    );
    expect(again.message).toContain('You already approved release 1.0.0');
  });

  it('the creator never approves their own release', () => {
    const { w, release } = pending();
    const refused = expectRefused(
      approveRelease(
        { target: w.get('prod'), release, approvals: [], required: 1 },
        w.ctx(release.createdBy),
      ),
      'FORBIDDEN',
    );
    expect(refused.message).toBe(
      'You created release 1.0.0; its approvals must come from other users.',
    );
  });

  it('only a pending release addressed to the target can be approved', () => {
    const { w, release } = pending();
    expectRefused(
      approveRelease(
        {
          target: w.get('prod'),
          release: { ...release, status: 'rejected' },
          approvals: [],
          required: 1,
        },
        w.ctx('bob'),
      ),
      'CONFLICT',
    );
    expectRefused(
      approveRelease({ target: w.get('dev'), release, approvals: [], required: 1 }, w.ctx('bob')),
      'NOT_FOUND',
    );
  });

  it('says how many approvals are missing and who approved so far', () => {
    const { release } = pending();
    expect(approvalShortfall(release, [], 0)).toBeNull();
    expect(approvalShortfall(release, [], 1)).toBe(
      'Release 1.0.0 needs 1 approval before an upgrade; it has none so far.',
    );
    expect(
      approvalShortfall(
        release,
        [approval(release.id, 'bob'), approval(release.id, 'carol'), approval('other', 'dave')],
        3,
      ),
    ).toBe('Release 1.0.0 needs 3 approvals before an upgrade; it has 2 so far, by bob and carol.');
  });

  it('an upgrade with fewer approvals than the policy requires is refused, then allowed', () => {
    const { w, release } = pending();
    const input = {
      target: w.get('prod'),
      release,
      ledger: [],
      checks: PASSING,
      policy: { ...OPEN, requiredApprovals: 2 },
    };
    const refused = expectRefused(
      upgradeToRelease({ ...input, approvals: [approval(release.id, 'bob')] }, w.ctx('bob')),
      'PRECONDITION_FAILED',
    );
    expect(refused).toMatchObject({
      path: 'approvals',
      details: { required: 2, approvedBy: ['bob'] },
    });
    // Forcing passes the environment check only, never the approvals.
    expectRefused(upgradeToRelease({ ...input, force: true }, w.ctx('bob')), 'PRECONDITION_FAILED');
    expectOk(
      upgradeToRelease(
        { ...input, approvals: [approval(release.id, 'bob'), approval(release.id, 'carol')] },
        w.ctx('bob'),
      ),
    );
  });
});

describe('comments', () => {
  it('a comment on a release is trimmed, audited, and never empty', () => {
    const { w, release } = pending();
    const done = expectOk(
      commentOnRelease(w.get('prod'), release, ' Looks <b>fine</b> ', w.ctx('carol')),
    );
    expect(done.comment).toMatchObject({
      by: 'carol',
      text: 'Looks <b>fine</b>',
      releaseId: release.id,
    });
    expect(done.audit).toMatchObject({
      action: 'release.comment',
      details: { text: 'Looks <b>fine</b>' },
    });
    expect(
      expectRefused(commentOnRelease(w.get('prod'), release, ' \n ', w.ctx()), 'VALIDATION').path,
    ).toBe('text');
    // Any status: a decision can be discussed after it was made.
    expectOk(commentOnRelease(w.get('prod'), { ...release, status: 'rejected' }, 'why?', w.ctx()));
    expectRefused(commentOnRelease(w.get('dev'), release, 'hi', w.ctx()), 'NOT_FOUND');
  });
});
