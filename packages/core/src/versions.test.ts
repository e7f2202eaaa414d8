// Decider tests of the version rules (DESIGN.md rules 1, 2, 14, 15): given a state, when a command,
// then the result (the new state and its audit entry, or a typed error).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DESCRIPTION_MAX,
  NAME_MAX,
  defaultVersionName,
  type Upgrade,
  type Version,
} from './automation.js';
import {
  deleteVersion,
  importInto,
  resolveVersionRef,
  restoreVersion,
  saveVersion,
  versionsToPrune,
} from './versions.js';
import {
  NOW,
  NOW_ISO,
  World,
  automation,
  counterCtx,
  devAndProd,
  expectOk,
  expectRefused,
  given,
  withOneUpgrade,
  withTwoUpgrades,
} from './test-support/world.js';
import { must } from './must.js';

describe('rule 1: saving versions', () => {
  it('a blank version name becomes the date and time', () => {
    expect(defaultVersionName(NOW)).toBe('2026-03-14 09:26:53 UTC');
    for (const name of [undefined, '', '   \t ']) {
      given(automation('dev'))
        .when((a) => saveVersion(a, { ...(name !== undefined && { name }) }, counterCtx()))
        .then(({ version }) => expect(version.name).toBe('2026-03-14 09:26:53 UTC'));
    }
  });

  it('save records a manual, unpinned snapshot of the working copy by the actor, and keeps the working copy', () => {
    given(automation('dev', { revision: 3, lastVersionNumber: 4 }))
      .when((a) =>
        saveVersion(
          a,
          { name: '  Checkout flow  ', description: 'adds refunds', baseRevision: 3 },
          counterCtx('carol'),
        ),
      )
      .then(({ automation: a, version }) => {
        expect(version).toEqual({
          id: 'id-1',
          automationId: 'dev',
          number: 5,
          name: 'Checkout flow',
          description: 'adds refunds',
          author: 'carol',
          createdAt: NOW_ISO,
          root: 'root-dev-1',
          automatic: false,
          kind: 'manual',
          pinned: false,
        });
        expect(a).toEqual({ ...automation('dev', { revision: 3 }), lastVersionNumber: 5 });
      });
  });

  it('versions are numbered #1, #2, ... per automation', () => {
    const w = devAndProd();
    expect(
      [w.save('dev'), w.save('dev'), w.save('prod'), w.save('dev')].map((v) => [
        v.automationId,
        v.number,
      ]),
    ).toEqual([
      ['dev', 1],
      ['dev', 2],
      ['prod', 1],
      ['dev', 3],
    ]);
  });

  it('automatic versions take numbers from the same sequence as manual ones', () => {
    const w = devAndProd();
    const first = w.save('dev', 'first');
    w.edit('dev', 'root-dev-2');
    const backup = w.restore('dev', first);
    const next = w.save('dev', 'after restore');
    expect([first.number, backup.number, next.number]).toEqual([1, 2, 3]);
    expect(backup.automatic).toBe(true);
  });

  it('a deleted version number is never reused', () => {
    const w = devAndProd();
    w.save('dev', 'one');
    const two = w.save('dev', 'two');
    expectOk(deleteVersion(w.get('dev'), two, [], w.ctx()));
    w.versions = w.versions.filter((v) => v.id !== two.id);
    expect(w.save('dev', 'three').number).toBe(3);
  });

  it('a name of the maximum length is accepted and a longer one refused', () => {
    expectOk(saveVersion(automation('dev'), { name: 'n'.repeat(NAME_MAX) }, counterCtx()));
    given(automation('dev'))
      .when((a) => saveVersion(a, { name: 'n'.repeat(NAME_MAX + 1) }, counterCtx()))
      .thenRefused('VALIDATION', (e) => expect(e.path).toBe('name'));
  });

  it('a description longer than the maximum is refused', () => {
    given(automation('dev'))
      .when((a) =>
        saveVersion(a, { name: 'x', description: 'd'.repeat(DESCRIPTION_MAX + 1) }, counterCtx()),
      )
      .thenRefused('VALIDATION', (e) => expect(e.path).toBe('description'));
  });
});

describe('rule 1: resolving a version reference', () => {
  const w = devAndProd();
  const one = w.save('dev', 'Checkout');
  const two = w.save('dev', 'Refunds');
  const three = w.save('dev', 'Checkout');
  const versions = w.versionsOf('dev');

  it.each([
    ['2', 'N'],
    ['#2', '#N'],
    [' #2 ', '#N with blanks around'],
  ])('by number: %j (%s)', (ref) => {
    expect(expectOk(resolveVersionRef(versions, ref))).toBe(two);
  });

  it('by id', () => {
    expect(expectOk(resolveVersionRef(versions, one.id))).toBe(one);
  });

  it('by name picks the newest version with that name', () => {
    expect(expectOk(resolveVersionRef(versions, 'Checkout'))).toBe(three);
    expect(expectOk(resolveVersionRef(versions, 'Refunds'))).toBe(two);
  });

  it('a name that looks like a number still resolves when no version has that number', () => {
    const x = devAndProd();
    x.save('dev', 'a');
    const named = x.save('dev', '#42');
    expect(expectOk(resolveVersionRef(x.versionsOf('dev'), '#42'))).toBe(named);
  });

  it.each(['#9', '9', 'Nope', 'checkout', ''])('an unknown reference %j is NOT_FOUND', (ref) => {
    given(versions)
      .when((vs) => resolveVersionRef(vs, ref))
      .thenRefused('NOT_FOUND', (e) => expect(e.path).toBe('version'));
  });
});

describe('rule 2: restore', () => {
  function scenario() {
    const w = new World(
      automation('dev', { name: 'Support bot', environmentId: 'env-x', agents: ['agent-a'] }),
      automation('prod'),
    );
    const v1 = w.save('dev', 'good state');
    w.edit('dev', 'root-dev-2');
    w.save('dev', 'later');
    w.edit('dev', 'root-dev-3');
    return { w, v1 };
  }

  it('restore saves a backup version first, named "Before restore of #N", holding the replaced content', () => {
    const { w, v1 } = scenario();
    given(w.get('dev'))
      .when((a) => restoreVersion(a, v1, { baseRevision: a.revision }, w.ctx('carol')))
      .then(({ backup }) => {
        expect(backup).toMatchObject({
          automationId: 'dev',
          number: 3,
          name: 'Before restore of #1',
          root: 'root-dev-3',
          automatic: true,
          kind: 'before-restore',
          pinned: false,
          author: 'carol',
          createdAt: NOW_ISO,
        });
      });
  });

  it('restore replaces the working copy completely and bumps the revision, keeping identity, name, agents and environment', () => {
    const { w, v1 } = scenario();
    const before = w.get('dev');
    given(before)
      .when((a) => restoreVersion(a, v1, { baseRevision: a.revision }, w.ctx()))
      .then(({ automation: a, backup }) => {
        expect(a).toEqual({
          ...before,
          root: v1.root,
          revision: before.revision + 1,
          lastVersionNumber: backup.number,
        });
        expect(a.name).toBe('Support bot');
        expect(a.agents).toEqual(['agent-a']);
        expect(a.environmentId).toBe('env-x');
      });
  });

  it('every restore can be undone by restoring its backup', () => {
    const { w, v1 } = scenario();
    const backup = w.restore('dev', v1);
    w.restore('dev', backup);
    expect(w.get('dev').root).toBe('root-dev-3');
  });

  it('restoring a version of another automation is NOT_FOUND', () => {
    const w = devAndProd();
    const prodVersion = w.save('prod', 'prod state');
    given(w.get('dev'))
      .when((a) => restoreVersion(a, prodVersion, { baseRevision: a.revision }, w.ctx()))
      .thenRefused('NOT_FOUND', (e) => expect(e.path).toBe('version'));
  });
});

describe('rule 15: import into an existing automation', () => {
  it('import into keeps an unsaved working copy as an automatic version "Before import" first', () => {
    const w = devAndProd();
    w.save('dev', 'saved');
    w.edit('dev', 'root-dev-unsaved');
    const before = w.get('dev');
    given(before)
      .when((a) =>
        importInto(
          a,
          { root: 'root-imported', workingCopySaved: false, baseRevision: a.revision },
          w.ctx('carol'),
        ),
      )
      .then(({ automation: a, backup, audit }) => {
        expect(backup).toMatchObject({
          automationId: 'dev',
          number: 2,
          name: 'Before import',
          root: 'root-dev-unsaved',
          automatic: true,
          kind: 'before-import',
          author: 'carol',
        });
        expect(a).toEqual({
          ...before,
          root: 'root-imported',
          revision: before.revision + 1,
          lastVersionNumber: 2,
        });
        expect(audit).toMatchObject({
          action: 'automation.import',
          before: 'root-dev-unsaved',
          after: 'root-imported',
          details: { into: true, backupVersionId: must(backup, 'backup').id, backupNumber: 2 },
        });
      });
  });

  it('import into keeps no backup when a saved version holds the working copy, or the content is the same', () => {
    const w = devAndProd();
    w.save('dev', 'saved');
    for (const cmd of [
      { root: 'root-imported', workingCopySaved: true },
      { root: w.get('dev').root, workingCopySaved: false },
    ])
      given(w.get('dev'))
        .when((a) => importInto(a, cmd, w.ctx()))
        .then(({ automation: a, backup }) => {
          expect(backup).toBeNull();
          expect(a.lastVersionNumber).toBe(1);
        });
  });

  it('import into a stale revision is a CONFLICT', () => {
    const w = devAndProd();
    given(w.get('dev'))
      .when((a) =>
        importInto(
          a,
          { root: 'x', workingCopySaved: false, baseRevision: a.revision - 1 },
          w.ctx(),
        ),
      )
      .thenRefused('CONFLICT', (e) => expect(e.path).toBe('baseRevision'));
  });
});

describe('deleting versions', () => {
  it('deleting the backup a rollback needs is a conflict', () => {
    const w = withOneUpgrade();
    const backup = w.version(must(w.ledgerOf('prod')[0], "w.ledgerOf('prod')[0]").backupVersionId);
    given(w.get('prod'))
      .when((a) => deleteVersion(a, backup, w.ledger, w.ctx()))
      .thenRefused('CONFLICT', (e) => expect(e.path).toBe('version'));
  });

  it('every backup of a not-rolled-back upgrade is protected, not only the latest', () => {
    const w = withTwoUpgrades();
    for (const u of w.ledgerOf('prod'))
      expectRefused(
        deleteVersion(w.get('prod'), w.version(u.backupVersionId), w.ledger, w.ctx()),
        'CONFLICT',
      );
  });

  it('once its upgrade was rolled back the backup can be deleted', () => {
    const w = withOneUpgrade();
    w.rollback('prod');
    const backup = w.version(must(w.ledgerOf('prod')[0], "w.ledgerOf('prod')[0]").backupVersionId);
    expectOk(deleteVersion(w.get('prod'), backup, w.ledger, w.ctx()));
  });

  it('an ordinary version can be deleted, with an audit entry', () => {
    const w = devAndProd();
    const v = w.save('dev', 'scratch');
    given(w.get('dev'))
      .when((a) => deleteVersion(a, v, w.ledger, w.ctx('carol')))
      .then(({ audit }) =>
        expect(audit).toEqual({
          action: 'version.delete',
          actor: 'carol',
          at: NOW_ISO,
          automationId: 'dev',
          versionId: v.id,
          details: { number: 1, name: 'scratch' },
        }),
      );
  });

  it('deleting a version of another automation is NOT_FOUND', () => {
    const w = devAndProd();
    const v = w.save('prod', 'p');
    given(w.get('dev'))
      .when((a) => deleteVersion(a, v, [], w.ctx()))
      .thenRefused('NOT_FOUND');
  });
});

describe('rule 14: retention', () => {
  function version(number: number, overrides: Partial<Version> = {}): Version {
    return {
      id: `v${number}`,
      automationId: 'prod',
      number,
      name: `#${number}`,
      description: '',
      author: 'alice',
      createdAt: NOW_ISO,
      root: `root-${number}`,
      automatic: true,
      kind: 'before-restore',
      pinned: false,
      ...overrides,
    };
  }
  const upgradeWithBackup = (backupVersionId: string, rolledBack = false): Upgrade => ({
    id: `u-${backupVersionId}`,
    targetId: 'prod',
    releaseId: 'r',
    releaseVersion: '1.0.0',
    backupVersionId,
    resultVersionId: 'res',
    root: 'r',
    by: 'bob',
    at: NOW_ISO,
    rolledBack,
  });

  it('keeps the newest N automatic versions and prunes older automatic ones', () => {
    const versions = [1, 2, 3, 4, 5].map((n) => version(n));
    expect(
      versionsToPrune(versions, [], 2)
        .map((v) => v.number)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(versionsToPrune(versions, [], 5)).toEqual([]);
    expect(versionsToPrune(versions, [], 0)).toHaveLength(5);
  });

  it('never prunes manual, pinned or rollback-needed versions', () => {
    const versions = [
      version(1, { automatic: false, kind: 'manual' }),
      version(2, { pinned: true }),
      version(3, { kind: 'before-upgrade' }),
      version(4, { kind: 'before-upgrade' }),
      version(5, { automatic: false, kind: 'release' }),
      version(6),
      version(7),
    ];
    const pruned = versionsToPrune(
      versions,
      [upgradeWithBackup('v3'), upgradeWithBackup('v4', true)],
      1,
    );
    expect(pruned.map((v) => v.number).sort()).toEqual([4, 6]);
  });

  it('property: never returns pinned, manual or needed versions, and never one of the newest N automatic ones', () => {
    const versionArb = fc.array(
      fc.record({
        automatic: fc.boolean(),
        pinned: fc.boolean(),
        needed: fc.boolean(),
        rolledBack: fc.boolean(),
      }),
      {
        maxLength: 30,
      },
    );
    fc.assert(
      fc.property(versionArb, fc.nat({ max: 10 }), (specs, keep) => {
        const versions = specs.map((s, i) =>
          version(i + 1, {
            automatic: s.automatic,
            pinned: s.pinned,
            kind: s.automatic ? 'before-restore' : 'manual',
          }),
        );
        const ledger = specs.flatMap((s, i) =>
          s.needed ? [upgradeWithBackup(`v${i + 1}`, s.rolledBack)] : [],
        );
        const needed = new Set(ledger.filter((u) => !u.rolledBack).map((u) => u.backupVersionId));
        const pruned = versionsToPrune(versions, ledger, keep);
        const newestAutomatic = new Set(
          versions
            .filter((v) => v.automatic)
            .sort((a, b) => b.number - a.number)
            .slice(0, keep)
            .map((v) => v.id),
        );
        for (const v of pruned) {
          expect(v.automatic).toBe(true);
          expect(v.pinned).toBe(false);
          expect(needed.has(v.id)).toBe(false);
          expect(newestAutomatic.has(v.id)).toBe(false);
        }
        const prunable = versions.filter((v) => v.automatic && !v.pinned && !needed.has(v.id));
        expect(pruned).toHaveLength(Math.max(0, prunable.length - keep));
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: save and restore sequences', () => {
  type Command =
    | { kind: 'edit' }
    | { kind: 'save'; name: string }
    | { kind: 'restore'; pick: number }
    | { kind: 'delete'; pick: number };

  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.constant<Command>({ kind: 'edit' }),
    fc.record({ kind: fc.constant('save' as const), name: fc.string({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant('restore' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  );

  it('version numbers stay strictly increasing and unique, and restore(v) always sets the root to v.root', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const ctx = counterCtx('alice', 'p');
        const identity = automation('dev');
        let a = identity;
        let live: Version[] = [];
        const issued: number[] = [];
        const issue = (v: Version) => {
          expect(v.number).toBe((issued.at(-1) ?? 0) + 1);
          expect(issued).not.toContain(v.number);
          expect(v.automationId).toBe('dev');
          issued.push(v.number);
          live.push(v);
          expect(a.lastVersionNumber).toBe(v.number);
        };
        commands.forEach((c, i) => {
          if (c.kind === 'edit') {
            a = { ...a, root: `root-edit-${i}`, revision: a.revision + 1 };
          } else if (c.kind === 'save') {
            const saved = expectOk(saveVersion(a, { name: c.name, baseRevision: a.revision }, ctx));
            expect(saved.version.root).toBe(a.root);
            expect(saved.automation.root).toBe(a.root);
            a = saved.automation;
            issue(saved.version);
          } else if (live.length > 0) {
            const v = must(live[c.pick % live.length], 'live[c.pick % live.length]');
            if (c.kind === 'restore') {
              const before = a;
              const restored = expectOk(restoreVersion(a, v, { baseRevision: a.revision }, ctx));
              expect(restored.automation.root).toBe(v.root);
              expect(restored.automation.revision).toBe(before.revision + 1);
              expect(restored.backup.root).toBe(before.root);
              expect(restored.backup.name).toBe(`Before restore of #${v.number}`);
              a = restored.automation;
              issue(restored.backup);
            } else {
              expectOk(deleteVersion(a, v, [], ctx));
              live = live.filter((x) => x.id !== v.id);
            }
          }
          expect({
            id: a.id,
            name: a.name,
            agents: a.agents,
            environmentId: a.environmentId,
          }).toEqual({
            id: identity.id,
            name: identity.name,
            agents: identity.agents,
            environmentId: identity.environmentId,
          });
        });
        expect(issued).toEqual(issued.map((_, i) => i + 1));
        expect(new Set(live.map((v) => v.id)).size).toBe(live.length);
      }),
      { numRuns: 300 },
    );
  });
});
