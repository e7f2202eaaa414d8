// The instance policy as people read it (the Policy page and its success message), and the check
// of a number typed into one of its fields, with a sentence instead of a validator's words.

import { plural } from '@ferry/core/rules';

export interface PolicyView {
  acceptorMustDifferFromCreator: boolean;
  requiredApprovals: number;
  keepAutomaticVersions: number | null;
}

/** The policy, one sentence per rule, as the Policy page lists it. */
export function policyLines(policy: PolicyView): { term: string; says: string }[] {
  const approvals = policy.requiredApprovals;
  const keep = policy.keepAutomaticVersions;
  return [
    {
      term: 'Who may accept a release',
      says: policy.acceptorMustDifferFromCreator
        ? 'Acceptors and admins, except whoever created the release.'
        : 'Acceptors and admins, the release’s creator included.',
    },
    {
      term: 'Approvals before an upgrade',
      says:
        approvals === 0
          ? 'None: a release may be accepted without approvals.'
          : `${plural(approvals, 'approval')} from acceptors other than the release’s creator.`,
    },
    {
      term: 'Automatic versions kept',
      says:
        keep === null
          ? 'All of them: nothing is pruned.'
          : `The newest ${keep} of each automation; older ones are pruned at its next save, restore or import. Pinned versions, saved versions and backups a rollback needs are never pruned.`,
    },
  ];
}

/** A whole number typed into a field, within bounds; or the sentence saying what to type. */
export function wholeNumber(
  typed: string,
  min: number,
  max: number,
  what: string,
): { ok: true; value: number } | { ok: false; message: string } {
  const trimmed = typed.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < min || value > max)
    return { ok: false, message: `${what} must be a whole number from ${min} to ${max}.` };
  return { ok: true, value };
}
