import { describe, expect, it } from 'vitest';
import { policyLines, wholeNumber } from './policy';

describe('policyLines', () => {
  it('says the default policy in words', () => {
    const lines = policyLines({
      acceptorMustDifferFromCreator: false,
      requiredApprovals: 0,
      keepAutomaticVersions: null,
    });
    expect(lines.map((l) => l.says)).toEqual([
      'Acceptors and admins, the release’s creator included.',
      'None: a release may be accepted without approvals.',
      'All of them: nothing is pruned.',
    ]);
  });

  it('counts approvals and kept versions with the right plural', () => {
    const [acceptor, one, keep] = policyLines({
      acceptorMustDifferFromCreator: true,
      requiredApprovals: 1,
      keepAutomaticVersions: 5,
    });
    expect(acceptor?.says).toBe('Acceptors and admins, except whoever created the release.');
    expect(one?.says).toBe('1 approval from acceptors other than the release’s creator.');
    expect(keep?.says).toMatch(/^The newest 5 of each automation; .* never pruned\.$/);
    expect(
      policyLines({
        acceptorMustDifferFromCreator: true,
        requiredApprovals: 2,
        keepAutomaticVersions: 5,
      })[1]?.says,
    ).toBe('2 approvals from acceptors other than the release’s creator.');
  });
});

describe('wholeNumber', () => {
  it('takes a whole number within bounds, spaces around it allowed', () => {
    expect(wholeNumber(' 3 ', 0, 20, 'Approvals required')).toEqual({ ok: true, value: 3 });
    expect(wholeNumber('0', 0, 20, 'Approvals required')).toEqual({ ok: true, value: 0 });
  });

  it('refuses anything else with one sentence naming the field and the range', () => {
    const refused = {
      ok: false,
      message: 'Approvals required must be a whole number from 0 to 20.',
    };
    for (const typed of ['', 'two', '1.5', '-1', '21', '1e1'])
      expect(wholeNumber(typed, 0, 20, 'Approvals required')).toEqual(refused);
  });
});
