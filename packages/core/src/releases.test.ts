// Decider tests of the release rules (DESIGN.md rules 3-7, 9, 12): given a state, when a command,
// then the result (the new state and its audit entry, or a typed error).
import { describe, expect, it } from 'vitest';
import { DESCRIPTION_MAX, type Release, type Upgrade } from './automation.js';
import { releaseChecks, type CheckReport } from './checks.js';
import {
  activeUpgrade,
  createRelease,
  promoteRelease,
  rejectRelease,
  rollback,
  releaseVersion,
  semverFloor,
  upgradeToRelease,
  whatRuns,
  type CreateReleaseInput,
} from './releases.js';
import {
  FOUR_EYES,
  NOW_ISO,
  OPEN,
  World,
  automation,
  devAndProd,
  devStagingProd,
  expectOk,
  generatedContent,
  given,
  missingEnv,
  withOneUpgrade,
  withPendingRelease,
  withTwoUpgrades,
} from './test-support/world.js';
import { must } from './must.js';

describe('rule 3: creating a release', () => {
  it('a release is a frozen pending offer of the source working copy to the target', () => {
    const w = devAndProd();
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: ' 1.2.0 ',
            description: 'Spring',
            pending: null,
            ledger: [],
          },
          s.ctx('alice'),
        ),
      )
      .then(({ release, superseded }) => {
        expect(release).toEqual({
          id: 'w-1',
          sourceId: 'dev',
          targetId: 'prod',
          version: '1.2.0',
          description: 'Spring',
          root: 'root-dev-1',
          fromVersionId: null,
          promotedFromId: null,
          createdBy: 'alice',
          createdAt: NOW_ISO,
          status: 'pending',
          supersededById: null,
          decidedBy: null,
          decidedAt: null,
          rejectReason: null,
        });
        expect(superseded).toBeNull();
      });
  });

  it('later edits to the source do not change a release or what an upgrade installs', () => {
    const w = devAndProd();
    const release = w.createRelease('dev', 'prod', '1.0.0');
    w.edit('dev', 'root-dev-2');
    w.save('dev', 'after release');
    expect(must(w.pendingFor('prod'), "w.pendingFor('prod')").root).toBe('root-dev-1');
    expect(release.root).toBe('root-dev-1');
    expect(w.upgrade('prod').automation.root).toBe('root-dev-1');
  });

  it('a release from a chosen version freezes that version root, not the working copy', () => {
    const w = devAndProd();
    const chosen = w.save('dev', 'stable');
    w.edit('dev', 'root-dev-2');
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: '1.0.0',
            fromVersion: chosen,
            pending: null,
            ledger: [],
          },
          s.ctx(),
        ),
      )
      .then(({ release, audit }) => {
        expect(release.root).toBe('root-dev-1');
        expect(release.fromVersionId).toBe(chosen.id);
        expect(audit.details).toMatchObject({ contentHash: 'root-dev-1' });
      });
  });

  it('a chosen version of another automation is NOT_FOUND', () => {
    const w = devAndProd();
    const prodVersion = w.save('prod', 'prod');
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: '1.0.0',
            fromVersion: prodVersion,
            pending: null,
            ledger: [],
          },
          s.ctx(),
        ),
      )
      .thenRefused('NOT_FOUND', (e) => expect(e.path).toBe('fromVersion'));
  });

  it('a release to its own source is refused', () => {
    const w = devAndProd();
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('dev'),
            version: '1.0.0',
            pending: null,
            ledger: [],
          },
          s.ctx(),
        ),
      )
      .thenRefused('VALIDATION', (e) => expect(e.path).toBe('target'));
  });

  it.each(['1.2', 'latest', '', '1.2.3.4', '01.2.3', 'one.two.three', '=1.0.0'])(
    'the non-semver number %j is refused naming the value',
    (version) => {
      const w = devAndProd();
      given(w)
        .when((s) =>
          createRelease(
            { source: s.get('dev'), target: s.get('prod'), version, pending: null, ledger: [] },
            s.ctx(),
          ),
        )
        .thenRefused('VALIDATION', (e) => {
          expect(e.path).toBe('version');
          expect(e.message).toContain(`"${version}"`);
        });
    },
  );

  it('a description longer than the maximum is refused', () => {
    const w = devAndProd();
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: '1.0.0',
            description: 'd'.repeat(DESCRIPTION_MAX + 1),
            pending: null,
            ledger: [],
          },
          s.ctx(),
        ),
      )
      .thenRefused('VALIDATION', (e) => expect(e.path).toBe('description'));
  });

  describe('the number must be greater than the release the target last upgraded to', () => {
    const input = (w: World, version: string, force?: boolean): CreateReleaseInput => ({
      source: w.get('dev'),
      target: w.get('prod'),
      version,
      pending: w.pendingFor('prod'),
      ledger: w.ledgerOf('prod'),
      ...(force !== undefined && { force }),
    });

    it.each(['1.0.0', '0.9.9', '1.0.0-rc.1'])(
      '%s after an upgrade to 1.0.0 is refused as a conflict naming the floor',
      (version) => {
        const w = withOneUpgrade();
        given(w)
          .when((s) => createRelease(input(s, version), s.ctx()))
          .thenRefused('CONFLICT', (e) => {
            expect(e.path).toBe('version');
            expect(e.details).toEqual({ floor: '1.0.0' });
            expect(e.message).toContain('1.0.0');
          });
      },
    );

    it.each(['1.0.1', '1.1.0', '2.0.0-beta.1'])(
      '%s after an upgrade to 1.0.0 is accepted',
      (version) => {
        const w = withOneUpgrade();
        given(w)
          .when((s) => createRelease(input(s, version), s.ctx()))
          .then(({ release }) => expect(release.version).toBe(version));
      },
    );

    it('a number not above the floor is accepted when forced', () => {
      const w = withOneUpgrade();
      given(w)
        .when((s) => createRelease(input(s, '0.9.0', true), s.ctx()))
        .then(({ release }) => expect(release.version).toBe('0.9.0'));
    });

    it('only the target ledger sets the floor', () => {
      const w = withOneUpgrade();
      const other = automation('other');
      w.automations.set('other', other);
      given(w)
        .when((s) =>
          createRelease(
            {
              source: s.get('dev'),
              target: other,
              version: '0.1.0',
              pending: null,
              ledger: s.ledger,
            },
            s.ctx(),
          ),
        )
        .then(({ release }) => expect(release.version).toBe('0.1.0'));
    });
  });
});

describe('semver: build metadata, burned numbers, superseding by a lower number', () => {
  it('keeps build metadata (and compares without it)', () => {
    const w = devAndProd();
    const release = w.createRelease('dev', 'prod', 'v1.0.0+build.5');
    expect(release.version).toBe('1.0.0+build.5');
    expect(releaseVersion('1.2.0-rc.1+exp.sha.5114f85')).toBe('1.2.0-rc.1+exp.sha.5114f85');
    expect(releaseVersion('1.2')).toBeNull();
  });

  it('refuses a lower pre-release superseding a pending higher release, unless forced', () => {
    const w = withPendingRelease();
    const pending = must(w.pendingFor('prod'), 'pending');
    expect(pending.version).toBe('1.0.0');
    const input = (force: boolean): CreateReleaseInput => ({
      source: w.get('dev'),
      target: w.get('prod'),
      version: '1.0.0-rc.1',
      pending,
      ledger: [],
      history: w.releases,
      force,
    });
    const refused = createRelease(input(false), w.ctx());
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('CONFLICT');
      expect(refused.error.message).toMatch(
        /1\.0\.0-rc\.1 is lower than the pending release 1\.0\.0/,
      );
    }
    expect(createRelease(input(true), w.ctx()).ok).toBe(true);
  });

  it('burns a number once used for a target, whatever became of that release, even forced', () => {
    const w = withPendingRelease();
    w.createRelease('dev', 'prod', '1.1.0'); // supersedes 1.0.0
    for (const version of ['1.0.0', '1.0.0+other-build', '1.1.0']) {
      const again = createRelease(
        {
          source: w.get('dev'),
          target: w.get('prod'),
          version,
          pending: w.pendingFor('prod'),
          ledger: [],
          history: w.releases,
          force: true,
        },
        w.ctx(),
      );
      expect(again.ok).toBe(false);
      if (!again.ok) expect(again.error.message).toMatch(/already used for "Prod"/);
    }
  });
});

describe('rule 4: at most one pending release per target', () => {
  it('a new release supersedes the pending one, which is kept with a link to its successor', () => {
    const w = withPendingRelease();
    const old = must(w.pendingFor('prod'), "w.pendingFor('prod')");
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: '1.1.0',
            pending: old,
            ledger: [],
          },
          s.ctx(),
        ),
      )
      .then(({ release, superseded, audit }) => {
        expect(release.status).toBe('pending');
        expect(superseded).toEqual({ ...old, status: 'superseded', supersededById: release.id });
        expect(old.status).toBe('pending'); // the input is not mutated; the caller writes the new row
        expect(audit.details).toMatchObject({ supersededReleaseId: old.id });
      });
  });

  it('after superseding, the world holds exactly one pending release for the target and keeps the old one', () => {
    const w = withPendingRelease();
    w.createRelease('dev', 'prod', '1.1.0');
    expect(w.releases.map((r) => [r.version, r.status])).toEqual([
      ['1.0.0', 'superseded'],
      ['1.1.0', 'pending'],
    ]);
  });

  it('a release that is no longer pending is not superseded', () => {
    const w = withPendingRelease();
    const rejected = expectOk(
      rejectRelease(
        w.get('prod'),
        must(w.pendingFor('prod'), "w.pendingFor('prod')"),
        { reason: 'no' },
        w.ctx('bob'),
      ),
    ).release;
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: '1.1.0',
            pending: rejected,
            ledger: [],
          },
          s.ctx(),
        ),
      )
      .then(({ superseded }) => expect(superseded).toBeNull());
  });
});

describe('rule 5: upgrade', () => {
  it('the target content becomes the release content; id, name, agents and environment link stay', () => {
    const w = withPendingRelease();
    const before = w.get('prod');
    given(w.upgradeInput('prod'))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .then(({ automation: a }) => {
        expect(a).toEqual({
          ...before,
          root: 'root-dev-1',
          revision: before.revision + 1,
          lastVersionNumber: 2,
        });
      });
  });

  it('upgrade saves an automatic backup version before and a version named after the release after', () => {
    const w = withPendingRelease();
    w.save('prod', 'manual');
    given(w.upgradeInput('prod'))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .then(({ backup, result, upgrade }) => {
        expect(backup).toMatchObject({
          automationId: 'prod',
          number: 2,
          name: 'Before upgrade to 1.0.0',
          root: 'root-prod-1',
          automatic: true,
          kind: 'before-upgrade',
          author: 'bob',
        });
        expect(result).toMatchObject({
          automationId: 'prod',
          number: 3,
          name: 'Release 1.0.0',
          description: 'First release',
          root: 'root-dev-1',
          automatic: false,
          kind: 'release',
          author: 'bob',
        });
        expect(upgrade).toMatchObject({ backupVersionId: backup.id, resultVersionId: result.id });
      });
  });

  it('upgrade marks the release upgraded and appends to the ledger', () => {
    const w = withPendingRelease();
    const release = must(w.pendingFor('prod'), "w.pendingFor('prod')");
    given(w.upgradeInput('prod'))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .then(({ release: r, upgrade }) => {
        expect(r).toEqual({ ...release, status: 'upgraded', decidedBy: 'bob', decidedAt: NOW_ISO });
        expect(upgrade).toMatchObject({
          targetId: 'prod',
          releaseId: release.id,
          releaseVersion: '1.0.0',
          root: 'root-dev-1',
          by: 'bob',
          at: NOW_ISO,
          rolledBack: false,
        });
        expect(semverFloor([upgrade])).toBe('1.0.0');
      });
  });

  it('upgrade is refused with PRECONDITION_FAILED listing the missing environment variables', () => {
    const w = withPendingRelease();
    given(w.upgradeInput('prod', { checks: missingEnv('BRAND', 'SKILL_ID') }))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .thenRefused('PRECONDITION_FAILED', (e) => {
        expect(e.details).toEqual({ missing: ['BRAND', 'SKILL_ID'] });
        expect(e.message).toContain('BRAND');
        expect(e.message).toContain('SKILL_ID');
      });
  });

  it('upgrade with missing environment variables goes through when forced, and the audit says so', () => {
    const w = withPendingRelease();
    given(w.upgradeInput('prod', { checks: missingEnv('BRAND'), force: true }))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .then(({ automation: a, audit }) => {
        expect(a.root).toBe('root-dev-1');
        expect(audit.details).toMatchObject({ forced: true });
      });
  });

  it('warnings never block an upgrade', () => {
    const w = withPendingRelease();
    const warning: CheckReport = {
      ok: true,
      errors: [],
      warnings: [
        {
          code: 'LINK_MISSING',
          severity: 'warning',
          message: 'dangling',
          subject: 'x',
          locations: [],
          where: [],
        },
      ],
      missingEnv: [],
    };
    expectOk(upgradeToRelease(w.upgradeInput('prod', { checks: warning }), w.ctx('bob')));
  });

  describe('with release checks computed from a generated bot (API_BASE_URL, SKILL_ID, BRAND)', () => {
    const content = generatedContent();

    it('a target environment lacking referenced names refuses the upgrade with exactly those names', () => {
      const checks = releaseChecks(content, ['API_BASE_URL']);
      expect(checks.ok).toBe(false);
      expect(checks.missingEnv).toContain('BRAND');
      expect(checks.missingEnv).not.toContain('API_BASE_URL');
      const w = withPendingRelease();
      given(w.upgradeInput('prod', { checks }))
        .when((input) => upgradeToRelease(input, w.ctx('bob')))
        .thenRefused('PRECONDITION_FAILED', (e) =>
          expect(e.details).toEqual({ missing: checks.missingEnv }),
        );
    });

    it('a target with no environment linked misses every referenced name', () => {
      const checks = releaseChecks(content, null);
      expect(checks.missingEnv).toEqual(expect.arrayContaining(['API_BASE_URL', 'BRAND']));
      const w = withPendingRelease();
      given(w.upgradeInput('prod', { checks }))
        .when((input) => upgradeToRelease(input, w.ctx('bob')))
        .thenRefused('PRECONDITION_FAILED', (e) =>
          expect(e.details).toEqual({ missing: checks.missingEnv }),
        );
    });

    it('a target environment defining every referenced name lets the upgrade through', () => {
      const checks = releaseChecks(content, ['API_BASE_URL', 'SKILL_ID', 'BRAND', 'EXTRA']);
      expect(checks.ok).toBe(true);
      const w = withPendingRelease();
      expectOk(upgradeToRelease(w.upgradeInput('prod', { checks }), w.ctx('bob')));
    });
  });

  it('a release whose content equals the target content is allowed and changes only the ledger', () => {
    const w = new World(
      automation('dev', { root: 'same-root' }),
      automation('prod', { root: 'same-root' }),
    );
    w.createRelease('dev', 'prod', '1.0.0');
    given(w.upgradeInput('prod'))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .then(({ automation: a, upgrade }) => {
        expect(a.root).toBe('same-root');
        expect(upgrade.releaseVersion).toBe('1.0.0');
      });
  });

  it.each(['superseded', 'rejected', 'upgraded', 'rolled-back'] as const)(
    'upgrading a %s release is a conflict',
    (status) => {
      const w = withPendingRelease();
      const release = { ...must(w.pendingFor('prod'), "w.pendingFor('prod')"), status };
      given(w.upgradeInput('prod', { release }))
        .when((input) => upgradeToRelease(input, w.ctx('bob')))
        .thenRefused('CONFLICT', (e) => expect(e.details).toEqual({ status }));
    },
  );

  it('upgrading a release addressed to another target is NOT_FOUND', () => {
    const w = withPendingRelease();
    given(w.upgradeInput('prod', { target: w.get('dev') }))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .thenRefused('NOT_FOUND');
  });

  // DESIGN rule 3 puts the semver rule on creating a release ("unless forced"); rule 5 refuses an
  // upgrade only for missing environment variables ("unless forced"). A release deliberately created
  // with force below the floor should therefore be acceptable without forcing the upgrade, which
  // would also switch off the environment-variable check.
  it('a release created with force below the floor can be accepted without forcing the upgrade again', () => {
    const w = withOneUpgrade();
    w.createRelease('dev', 'prod', '0.9.0', { force: true });
    given(w.upgradeInput('prod'))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .then(({ automation: a }) => expect(a.root).toBe('root-dev-1'));
  });
});

describe('rule 7: upgrade is what the acceptor saw', () => {
  it('an upgrade carrying the current target revision goes through', () => {
    const w = withPendingRelease();
    expectOk(
      upgradeToRelease(
        w.upgradeInput('prod', { ifRevision: w.get('prod').revision }),
        w.ctx('bob'),
      ),
    );
  });

  it('an upgrade carrying a stale revision is a conflict stating what changed, and returns no state', () => {
    const w = withPendingRelease();
    const seen = w.get('prod').revision;
    w.edit('prod', 'root-prod-hotfix');
    given(w.upgradeInput('prod', { ifRevision: seen }))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .thenRefused('CONFLICT', (e) => {
        expect(e.path).toBe('ifRevision');
        expect(e.details).toEqual({ expected: seen, actual: seen + 1 });
      });
  });

  it('force does not override a stale revision', () => {
    const w = withPendingRelease();
    const seen = w.get('prod').revision;
    w.edit('prod', 'root-prod-hotfix');
    given(w.upgradeInput('prod', { ifRevision: seen, force: true }))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .thenRefused('CONFLICT');
  });
});

describe('rule 12: acceptor different from creator', () => {
  it('the creator accepting their own release is FORBIDDEN when the policy is on', () => {
    const w = withPendingRelease();
    given(w.upgradeInput('prod', { policy: FOUR_EYES }))
      .when((input) => upgradeToRelease(input, w.ctx('alice')))
      .thenRefused('FORBIDDEN', (e) => expect(e.path).toBe('release'));
  });

  it('the creator may accept their own release when the policy is off', () => {
    const w = withPendingRelease();
    expectOk(upgradeToRelease(w.upgradeInput('prod', { policy: OPEN }), w.ctx('alice')));
  });

  it('another user may accept the release when the policy is on', () => {
    const w = withPendingRelease();
    expectOk(upgradeToRelease(w.upgradeInput('prod', { policy: FOUR_EYES }), w.ctx('bob')));
  });
});

describe('rule 6: reject', () => {
  it('a target rejects a pending release with a reason', () => {
    const w = withPendingRelease();
    const release = must(w.pendingFor('prod'), "w.pendingFor('prod')");
    given(w.get('prod'))
      .when((target) =>
        rejectRelease(target, release, { reason: '  breaks checkout  ' }, w.ctx('bob')),
      )
      .then(({ release: r, audit }) => {
        expect(r).toEqual({
          ...release,
          status: 'rejected',
          decidedBy: 'bob',
          decidedAt: NOW_ISO,
          rejectReason: 'breaks checkout',
        });
        expect(audit).toMatchObject({
          action: 'release.reject',
          actor: 'bob',
          automationId: 'prod',
          releaseId: release.id,
        });
        expect(audit.details).toMatchObject({ reason: 'breaks checkout', version: '1.0.0' });
      });
  });

  it('a rejected release can no longer be upgraded to', () => {
    const w = withPendingRelease();
    const rejected = expectOk(
      rejectRelease(
        w.get('prod'),
        must(w.pendingFor('prod'), "w.pendingFor('prod')"),
        { reason: 'no' },
        w.ctx('bob'),
      ),
    ).release;
    given(w.upgradeInput('prod', { release: rejected }))
      .when((input) => upgradeToRelease(input, w.ctx('bob')))
      .thenRefused('CONFLICT');
  });

  it.each(['superseded', 'rejected', 'upgraded', 'rolled-back'] as const)(
    'rejecting a %s release is a conflict',
    (status) => {
      const w = withPendingRelease();
      given({ ...must(w.pendingFor('prod'), "w.pendingFor('prod')"), status })
        .when((release) => rejectRelease(w.get('prod'), release, { reason: 'x' }, w.ctx('bob')))
        .thenRefused('CONFLICT');
    },
  );

  it('rejecting a release addressed to another target is NOT_FOUND', () => {
    const w = withPendingRelease();
    given(must(w.pendingFor('prod'), "w.pendingFor('prod')"))
      .when((release) => rejectRelease(w.get('dev'), release, { reason: 'x' }, w.ctx('bob')))
      .thenRefused('NOT_FOUND');
  });

  it('a reason longer than the maximum is refused', () => {
    const w = withPendingRelease();
    given(must(w.pendingFor('prod'), "w.pendingFor('prod')"))
      .when((release) =>
        rejectRelease(
          w.get('prod'),
          release,
          { reason: 'r'.repeat(DESCRIPTION_MAX + 1) },
          w.ctx('bob'),
        ),
      )
      .thenRefused('VALIDATION', (e) => expect(e.path).toBe('reason'));
  });
});

describe('rule 6: rollback', () => {
  it('rollback returns the content to the backup and marks the upgrade and release rolled back', () => {
    const w = withOneUpgrade();
    const before = w.get('prod');
    const [upgrade] = w.ledgerOf('prod');
    given(w.rollbackInput('prod'))
      .when((input) => rollback(input, w.ctx('bob')))
      .then(({ automation: a, upgrade: u, release, savedEdits }) => {
        expect(a).toEqual({ ...before, root: 'root-prod-1', revision: before.revision + 1 });
        expect(u).toEqual({ ...upgrade, rolledBack: true });
        expect(release).toMatchObject({
          id: must(upgrade, 'upgrade').releaseId,
          status: 'rolled-back',
          decidedBy: 'bob',
          decidedAt: NOW_ISO,
        });
        expect(savedEdits).toBeNull();
      });
  });

  it('rollback without edits since the upgrade saves no extra version and uses no version number', () => {
    const w = withOneUpgrade();
    const { automation: a } = w.rollback('prod');
    expect(a.lastVersionNumber).toBe(2);
    expect(w.versionsOf('prod')).toHaveLength(2);
  });

  it('rollback first saves the edits made since the upgrade as an automatic version', () => {
    const w = withOneUpgrade();
    w.edit('prod', 'root-prod-hotfix');
    given(w.rollbackInput('prod'))
      .when((input) => rollback(input, w.ctx('bob')))
      .then(({ automation: a, savedEdits, audit }) => {
        expect(savedEdits).toMatchObject({
          automationId: 'prod',
          number: 3,
          name: 'Before rollback of 1.0.0',
          root: 'root-prod-hotfix',
          automatic: true,
          kind: 'before-rollback',
        });
        expect(a.lastVersionNumber).toBe(3);
        expect(a.root).toBe('root-prod-1');
        expect(audit.details).toMatchObject({
          savedEditsVersionId: must(savedEdits, 'savedEdits').id,
        });
      });
  });

  it('the semver floor falls back to the previous upgrade, and a second rollback goes one more back', () => {
    const w = withTwoUpgrades();
    expect(semverFloor(w.ledgerOf('prod'))).toBe('2.0.0');
    expect(w.get('prod').root).toBe('root-dev-2');

    w.rollback('prod');
    expect(semverFloor(w.ledgerOf('prod'))).toBe('1.0.0');
    expect(w.get('prod').root).toBe('root-dev-1');
    expect(
      must(activeUpgrade(w.ledgerOf('prod')), "activeUpgrade(w.ledgerOf('prod'))").releaseVersion,
    ).toBe('1.0.0');

    w.rollback('prod');
    expect(semverFloor(w.ledgerOf('prod'))).toBeNull();
    expect(w.get('prod').root).toBe('root-prod-1');
    expect(w.releases.map((r) => [r.version, r.status])).toEqual([
      ['1.0.0', 'rolled-back'],
      ['2.0.0', 'rolled-back'],
    ]);
  });

  it('after a rollback a release above the fallen-back floor (but below the rolled-back one) can be created', () => {
    const w = withTwoUpgrades();
    w.rollback('prod');
    const release = w.createRelease('dev', 'prod', '1.5.0');
    expect(release.status).toBe('pending');
    given(w)
      .when((s) =>
        createRelease(
          {
            source: s.get('dev'),
            target: s.get('prod'),
            version: '1.0.0',
            pending: s.pendingFor('prod'),
            ledger: s.ledgerOf('prod'),
          },
          s.ctx(),
        ),
      )
      .thenRefused('CONFLICT', (e) => expect(e.details).toEqual({ floor: '1.0.0' }));
  });

  it('rollback with nothing to roll back is PRECONDITION_FAILED', () => {
    const w = withPendingRelease();
    given(w.rollbackInput('prod'))
      .when((input) => rollback(input, w.ctx('bob')))
      .thenRefused('PRECONDITION_FAILED');
  });

  it('rollback after every upgrade was rolled back is PRECONDITION_FAILED', () => {
    const w = withOneUpgrade();
    w.rollback('prod');
    given(w.rollbackInput('prod'))
      .when((input) => rollback(input, w.ctx('bob')))
      .thenRefused('PRECONDITION_FAILED');
  });

  it('rollback without the backup the upgrade took is NOT_FOUND', () => {
    const w = withTwoUpgrades();
    const wrongBackup = w.version(
      must(w.ledgerOf('prod')[0], "w.ledgerOf('prod')[0]").backupVersionId,
    );
    for (const backup of [null, wrongBackup]) {
      given({ ...w.rollbackInput('prod'), backup })
        .when((input) => rollback(input, w.ctx('bob')))
        .thenRefused('NOT_FOUND', (e) => expect(e.path).toBe('backup'));
    }
  });

  it('rollback without the upgraded release is NOT_FOUND', () => {
    const w = withTwoUpgrades();
    given({ ...w.rollbackInput('prod'), release: must(w.releases[0], 'w.releases[0]') })
      .when((input) => rollback(input, w.ctx('bob')))
      .thenRefused('NOT_FOUND', (e) => expect(e.path).toBe('release'));
  });
});

describe('semver floor and active upgrade', () => {
  const u = (releaseVersion: string, rolledBack = false): Upgrade => ({
    id: `u-${releaseVersion}`,
    targetId: 'prod',
    releaseId: `r-${releaseVersion}`,
    releaseVersion,
    backupVersionId: 'b',
    resultVersionId: 'res',
    root: 'r',
    by: 'bob',
    at: NOW_ISO,
    rolledBack,
  });

  it('an empty ledger has no floor and no active upgrade', () => {
    expect(semverFloor([])).toBeNull();
    expect(activeUpgrade([])).toBeNull();
  });

  it('the floor is the last upgrade that was not rolled back', () => {
    const ledger = [u('1.0.0'), u('2.0.0'), u('3.0.0', true)];
    expect(semverFloor(ledger)).toBe('2.0.0');
    expect(must(activeUpgrade(ledger), 'activeUpgrade(ledger)').id).toBe('u-2.0.0');
    expect(semverFloor([u('1.0.0', true)])).toBeNull();
    expect(ledger.map((x) => x.id)).toEqual(['u-1.0.0', 'u-2.0.0', 'u-3.0.0']); // not reordered in place
  });
});

describe('rule 9: promote', () => {
  /** dev -> staging 1.0.0 accepted by staging; staging edited afterwards. */
  function accepted() {
    const w = devStagingProd();
    w.createRelease('dev', 'staging', '1.0.0');
    const up = w.upgrade('staging');
    w.edit('staging', 'root-staging-edited');
    w.edit('dev', 'root-dev-2');
    return { w, acceptedRelease: w.release(up.release.id) };
  }

  const promoteInput = (w: World, accepted: Release | null) => ({
    from: w.get('staging'),
    fromLedger: w.ledgerOf('staging'),
    accepted,
    target: w.get('prod'),
    version: '1.0.0',
    pending: w.pendingFor('prod'),
    ledger: w.ledgerOf('prod'),
  });

  it('promote carries the accepted release content (same hash) and records where it came from', () => {
    const { w, acceptedRelease } = accepted();
    given(promoteInput(w, acceptedRelease))
      .when((input) => promoteRelease(input, w.ctx('carol')))
      .then(({ release, audit }) => {
        expect(release).toMatchObject({
          sourceId: 'staging',
          targetId: 'prod',
          version: '1.0.0',
          root: acceptedRelease.root,
          promotedFromId: acceptedRelease.id,
          fromVersionId: null,
          status: 'pending',
          createdBy: 'carol',
        });
        expect(release.root).toBe('root-dev-1');
        expect(audit).toMatchObject({
          action: 'release.promote',
          actor: 'carol',
          automationId: 'prod',
          releaseId: release.id,
        });
        expect(audit.details).toMatchObject({
          promotedFromId: acceptedRelease.id,
          contentHash: 'root-dev-1',
        });
      });
  });

  it('production runs exactly the artifact staging accepted', () => {
    const { w, acceptedRelease } = accepted();
    const promoted = expectOk(promoteRelease(promoteInput(w, acceptedRelease), w.ctx('carol')));
    w.putRelease(promoted.release, promoted.superseded);
    const up = w.upgrade('prod', 'dave');
    expect(up.automation.root).toBe(acceptedRelease.root);
    expect(up.automation.root).toBe(
      must(w.ledgerOf('staging')[0], "w.ledgerOf('staging')[0]").root,
    );
  });

  it('promote is refused when nothing was accepted', () => {
    const w = devStagingProd();
    given(promoteInput(w, null))
      .when((input) => promoteRelease(input, w.ctx('carol')))
      .thenRefused('PRECONDITION_FAILED', (e) => expect(e.path).toBe('from'));
  });

  it('promote is refused when the named release is not what the source runs now', () => {
    const { w, acceptedRelease } = accepted();
    w.rollback('staging');
    given(promoteInput(w, acceptedRelease))
      .when((input) => promoteRelease(input, w.ctx('carol')))
      .thenRefused('PRECONDITION_FAILED');

    const other = accepted();
    const pendingOnStaging = other.w.createRelease('dev', 'staging', '1.1.0');
    given(promoteInput(other.w, pendingOnStaging))
      .when((input) => promoteRelease(input, other.w.ctx('carol')))
      .thenRefused('PRECONDITION_FAILED');
  });

  it('promote follows the release rules: supersedes the pending one and respects the target floor', () => {
    const { w, acceptedRelease } = accepted();
    const pending = w.createRelease('dev', 'prod', '0.5.0');
    given(promoteInput(w, acceptedRelease))
      .when((input) => promoteRelease(input, w.ctx('carol')))
      .then(({ superseded }) =>
        expect(superseded).toMatchObject({ id: pending.id, status: 'superseded' }),
      );

    const promoted = expectOk(promoteRelease(promoteInput(w, acceptedRelease), w.ctx('carol')));
    w.putRelease(promoted.release, promoted.superseded);
    w.upgrade('prod', 'dave');
    given(promoteInput(w, acceptedRelease))
      .when((input) => promoteRelease(input, w.ctx('carol')))
      .thenRefused('CONFLICT', (e) => expect(e.details).toEqual({ floor: '1.0.0' }));
  });
});

describe('whatRuns: what an automation runs after upgrades and rollbacks', () => {
  const upgrade = (n: number, version: string, rolledBack = false): Upgrade => ({
    id: `u${n}`,
    targetId: 't',
    releaseId: `r${n}`,
    releaseVersion: version,
    backupVersionId: `b${n}`,
    resultVersionId: `v${n}`,
    root: `root-of-${version}`,
    by: 'acceptor',
    at: `2026-01-0${n}T00:00:00.000Z`,
    rolledBack,
  });
  const none = new Map<string, string>();

  it('runs nothing before any upgrade, and the last upgrade otherwise', () => {
    expect(whatRuns([], none, none)).toEqual({ kind: 'none' });
    expect(whatRuns([upgrade(1, '1.0.0'), upgrade(2, '1.1.0')], none, none)).toEqual({
      kind: 'release',
      release: { id: 'r2', version: '1.1.0' },
    });
  });

  it('after a rollback runs the backup, unless the backup is exactly the previous release', () => {
    const ledger = [upgrade(1, '1.0.0'), upgrade(2, '1.1.0', true)];
    const at = new Map([['u2', '2026-01-05T00:00:00.000Z']]);
    expect(whatRuns(ledger, at, new Map([['b2', 'edited-after-1.0.0']]))).toEqual({
      kind: 'backup',
      rolledBack: { id: 'r2', version: '1.1.0' },
      backupVersionId: 'b2',
      after: { id: 'r1', version: '1.0.0' },
    });
    expect(whatRuns(ledger, at, new Map([['b2', 'root-of-1.0.0']]))).toEqual({
      kind: 'release',
      release: { id: 'r1', version: '1.0.0' },
    });
  });

  it('an upgrade after the rollback is what it runs; the latest rollback wins among several', () => {
    const ledger = [upgrade(1, '1.0.0'), upgrade(2, '1.1.0', true), upgrade(3, '1.2.0', true)];
    const roots = new Map([
      ['b2', 'x'],
      ['b3', 'y'],
    ]);
    // 1.1.0 was rolled back on day 4; 1.2.0, upgraded on day 3, on day 6.
    const at = new Map([
      ['u2', '2026-01-04T00:00:00.000Z'],
      ['u3', '2026-01-06T00:00:00.000Z'],
    ]);
    expect(whatRuns(ledger, at, roots)).toMatchObject({
      kind: 'backup',
      rolledBack: { version: '1.2.0' },
      backupVersionId: 'b3',
    });
    const later = [...ledger, upgrade(7, '1.3.0')];
    expect(whatRuns(later, at, roots)).toEqual({
      kind: 'release',
      release: { id: 'r7', version: '1.3.0' },
    });
    // Every upgrade rolled back: it runs what it had before the first one.
    const all = [upgrade(1, '1.0.0', true)];
    expect(whatRuns(all, new Map([['u1', '2026-01-02T00:00:00.000Z']]), none)).toEqual({
      kind: 'backup',
      rolledBack: { id: 'r1', version: '1.0.0' },
      backupVersionId: 'b1',
      after: null,
    });
  });
});
