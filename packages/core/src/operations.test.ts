// Decider tests of the release and version rules (DESIGN.md rules 1-7, 9-12, 14): given a state,
// when a command, then the result (the new state and its audit entry, or a typed error).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { releaseChecks, type CheckReport } from './checks.js';
import type { BotContent } from './content.js';
import { generateBotExport } from './generate.js';
import {
  DESCRIPTION_MAX,
  NAME_MAX,
  activeUpgrade,
  checkRevision,
  createRelease,
  defaultVersionName,
  deleteVersion,
  importInto,
  promoteRelease,
  rejectRelease,
  resolveVersionRef,
  restoreVersion,
  rollback,
  saveVersion,
  semverFloor,
  upgradeToRelease,
  versionsToPrune,
  type AuditEntry,
  type Automation,
  type CreateReleaseInput,
  type OpContext,
  type Policy,
  type Release,
  type Upgrade,
  type UpgradeInput,
  type Upgraded,
  type Version,
} from './operations.js';
import type { ErrorCode, FerryError, Result } from './result.js';
import { must } from './must.js';

// ---------------------------------------------------------------------------------------------
// Deterministic context, fixtures and a small in-memory "world" that applies results like the
// API layer would (the caller persists; the core only decides).
// ---------------------------------------------------------------------------------------------

const NOW = new Date('2026-03-14T09:26:53.000Z');
const NOW_ISO = NOW.toISOString();

function counterCtx(actor = 'alice', prefix = 'id'): OpContext {
  let n = 0;
  return { now: NOW, actor, newId: () => `${prefix}-${++n}` };
}

const OPEN: Policy = { acceptorMustDifferFromCreator: false };
const FOUR_EYES: Policy = { acceptorMustDifferFromCreator: true };
const PASSING: CheckReport = { ok: true, errors: [], warnings: [], missingEnv: [] };

function missingEnv(...names: string[]): CheckReport {
  return {
    ok: false,
    errors: names.map((name) => ({
      code: 'ENV_UNDEFINED',
      severity: 'error',
      message: `${name} is undefined`,
      subject: name,
      locations: [],
    })),
    warnings: [],
    missingEnv: names,
  };
}

function automation(id: string, overrides: Partial<Automation> = {}): Automation {
  return {
    id,
    name: must(id[0], 'id[0]').toUpperCase() + id.slice(1),
    revision: 1,
    root: `root-${id}-1`,
    environmentId: `env-${id}`,
    agents: [`agent-${id}-1`, `agent-${id}-2`],
    lastVersionNumber: 0,
    ...overrides,
  };
}

function expectOk<T>(result: Result<T>): T {
  // An assertion (not a bare throw): a test whose whole point is "this succeeds" asserts it.
  expect(result.ok ? 'success' : `${result.error.code}: ${result.error.message}`).toBe('success');
  if (!result.ok) throw new Error('unreachable: asserted above');
  return result.value;
}

function expectRefused<T>(result: Result<T>, code: ErrorCode): FerryError {
  if (result.ok) throw new Error(`expected ${code}, but the command succeeded`);
  expect(result.error.code).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(0);
  // A refusal carries no new state: nothing to write.
  expect(result).not.toHaveProperty('value');
  return result.error;
}

/** given(state).when(command).then(assert) / .thenRefused(code, assert). */
function given<S>(state: S) {
  return {
    when<T>(command: (state: S) => Result<T>) {
      const result = command(state);
      return {
        then(assert: (value: T) => void): void {
          assert(expectOk(result));
        },
        thenRefused(code: ErrorCode, assert: (error: FerryError) => void = () => {}): void {
          assert(expectRefused(result, code));
        },
      };
    },
  };
}

/** The persisted state of a few automations, mutated only by applying successful results. */
class World {
  automations = new Map<string, Automation>();
  versions: Version[] = [];
  releases: Release[] = [];
  ledger: Upgrade[] = [];
  audit: AuditEntry[] = [];
  private n = 0;

  constructor(...automations: Automation[]) {
    for (const a of automations) this.automations.set(a.id, a);
  }

  ctx(actor = 'alice'): OpContext {
    return { now: NOW, actor, newId: () => `w-${++this.n}` };
  }

  get(id: string): Automation {
    const a = this.automations.get(id);
    if (!a) throw new Error(`no automation ${id}`);
    return a;
  }

  versionsOf(id: string): Version[] {
    return this.versions.filter((v) => v.automationId === id);
  }

  version(id: string): Version {
    const v = this.versions.find((x) => x.id === id);
    if (!v) throw new Error(`no version ${id}`);
    return v;
  }

  release(id: string): Release {
    const r = this.releases.find((x) => x.id === id);
    if (!r) throw new Error(`no release ${id}`);
    return r;
  }

  ledgerOf(id: string): Upgrade[] {
    return this.ledger.filter((u) => u.targetId === id);
  }

  pendingFor(id: string): Release | null {
    return this.releases.find((r) => r.targetId === id && r.status === 'pending') ?? null;
  }

  /** A working-copy edit (done by other modules): new root, next revision. */
  edit(id: string, root: string): Automation {
    const a = this.get(id);
    const next = { ...a, root, revision: a.revision + 1 };
    this.automations.set(id, next);
    return next;
  }

  save(id: string, name?: string, actor?: string): Version {
    const a = this.get(id);
    const saved = expectOk(
      saveVersion(
        a,
        { ...(name !== undefined && { name }), baseRevision: a.revision },
        this.ctx(actor),
      ),
    );
    this.automations.set(id, saved.automation);
    this.versions.push(saved.version);
    this.audit.push(saved.audit);
    return saved.version;
  }

  restore(id: string, version: Version): Version {
    const a = this.get(id);
    const restored = expectOk(restoreVersion(a, version, { baseRevision: a.revision }, this.ctx()));
    this.automations.set(id, restored.automation);
    this.versions.push(restored.backup);
    this.audit.push(restored.audit);
    return restored.backup;
  }

  putRelease(release: Release, superseded: Release | null): void {
    this.releases = this.releases.map((r) =>
      superseded && r.id === superseded.id ? superseded : r,
    );
    this.releases.push(release);
  }

  createRelease(
    sourceId: string,
    targetId: string,
    version: string,
    opts: { fromVersion?: Version; force?: boolean; actor?: string; description?: string } = {},
  ): Release {
    const created = expectOk(
      createRelease(
        {
          source: this.get(sourceId),
          target: this.get(targetId),
          version,
          pending: this.pendingFor(targetId),
          ledger: this.ledgerOf(targetId),
          ...(opts.fromVersion && { fromVersion: opts.fromVersion }),
          ...(opts.force !== undefined && { force: opts.force }),
          ...(opts.description !== undefined && { description: opts.description }),
        },
        this.ctx(opts.actor ?? 'alice'),
      ),
    );
    this.putRelease(created.release, created.superseded);
    this.audit.push(created.audit);
    return created.release;
  }

  upgradeInput(targetId: string, overrides: Partial<UpgradeInput> = {}): UpgradeInput {
    const release = this.pendingFor(targetId);
    if (!release) throw new Error(`no pending release for ${targetId}`);
    return {
      target: this.get(targetId),
      release,
      ledger: this.ledgerOf(targetId),
      checks: PASSING,
      policy: OPEN,
      ...overrides,
    };
  }

  applyUpgrade(u: Upgraded): Upgraded {
    this.automations.set(u.automation.id, u.automation);
    this.releases = this.releases.map((r) => (r.id === u.release.id ? u.release : r));
    this.versions.push(u.backup, u.result);
    this.ledger.push(u.upgrade);
    this.audit.push(u.audit);
    return u;
  }

  upgrade(targetId: string, actor = 'bob', overrides: Partial<UpgradeInput> = {}): Upgraded {
    return this.applyUpgrade(
      expectOk(upgradeToRelease(this.upgradeInput(targetId, overrides), this.ctx(actor))),
    );
  }

  rollbackInput(targetId: string) {
    const active = activeUpgrade(this.ledgerOf(targetId));
    const target = this.get(targetId);
    return {
      target,
      ledger: this.ledgerOf(targetId),
      backup: active ? this.version(active.backupVersionId) : null,
      release: active ? this.release(active.releaseId) : null,
      baseRevision: target.revision,
    };
  }

  rollback(targetId: string, actor = 'bob') {
    const rolled = expectOk(rollback(this.rollbackInput(targetId), this.ctx(actor)));
    this.automations.set(targetId, rolled.automation);
    if (rolled.savedEdits) this.versions.push(rolled.savedEdits);
    this.ledger = this.ledger.map((u) => (u.id === rolled.upgrade.id ? rolled.upgrade : u));
    this.releases = this.releases.map((r) => (r.id === rolled.release.id ? rolled.release : r));
    this.audit.push(rolled.audit);
    return rolled;
  }
}

const devAndProd = () => new World(automation('dev'), automation('prod'));
const devStagingProd = () =>
  new World(automation('dev'), automation('staging'), automation('prod'));

/** Dev offers 1.0.0 to prod (created by alice). */
function withPendingRelease(): World {
  const w = devAndProd();
  w.createRelease('dev', 'prod', '1.0.0', { description: 'First release' });
  return w;
}

/** Prod has upgraded to 1.0.0 (dev root-dev-1), accepted by bob. */
function withOneUpgrade(): World {
  const w = withPendingRelease();
  w.upgrade('prod');
  return w;
}

/** Prod upgraded to 1.0.0 (root-dev-1), then to 2.0.0 (root-dev-2). */
function withTwoUpgrades(): World {
  const w = withOneUpgrade();
  w.edit('dev', 'root-dev-2');
  w.createRelease('dev', 'prod', '2.0.0');
  w.upgrade('prod');
  return w;
}

function generatedContent(): BotContent {
  const imported = importCbExport(
    JSON.stringify(generateBotExport({ seed: 11, dialogs: 3, interactionsPerDialog: 4 })),
  );
  if (!imported.ok) throw new Error(imported.error.message);
  return imported.value.content;
}

// ---------------------------------------------------------------------------------------------

describe('rule 10: every change states the revision it was based on', () => {
  it('the current revision is accepted', () => {
    expect(checkRevision(automation('dev', { revision: 4 }), 4)).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it('a stale revision is refused as a conflict naming expected and actual revisions', () => {
    given(automation('dev', { revision: 4 }))
      .when((a) => checkRevision(a, 3))
      .thenRefused('CONFLICT', (e) => {
        expect(e.path).toBe('baseRevision');
        expect(e.details).toEqual({ expected: 3, actual: 4 });
        expect(e.message).toContain('Dev');
      });
  });

  it('save with a stale baseRevision is refused and returns no state', () => {
    given(automation('dev', { revision: 7, lastVersionNumber: 2 }))
      .when((a) => saveVersion(a, { name: 'x', baseRevision: 6 }, counterCtx()))
      .thenRefused('CONFLICT', (e) => expect(e.details).toEqual({ expected: 6, actual: 7 }));
  });

  it('restore with a stale baseRevision is refused and returns no state', () => {
    const w = devAndProd();
    const v = w.save('dev', 'v');
    w.edit('dev', 'root-dev-2');
    given(w.get('dev'))
      .when((a) => restoreVersion(a, v, { baseRevision: a.revision - 1 }, w.ctx()))
      .thenRefused('CONFLICT');
  });

  it('rollback with a stale baseRevision is refused and returns no state', () => {
    const w = withOneUpgrade();
    given(w.rollbackInput('prod'))
      .when((input) =>
        rollback({ ...input, baseRevision: input.target.revision - 1 }, w.ctx('bob')),
      )
      .thenRefused('CONFLICT');
  });
});

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

describe('rule 11: every successful operation returns an audit entry', () => {
  it('names the actor, action, automation, and content hashes before and after where the content changes', () => {
    const w = devAndProd();
    const v1 = w.save('dev', 'one');
    w.edit('dev', 'root-dev-2');
    w.restore('dev', v1);
    w.createRelease('dev', 'prod', '1.0.0');
    w.upgrade('prod');
    w.rollback('prod');
    const rows = w.audit.map((a) => ({
      action: a.action,
      actor: a.actor,
      at: a.at,
      automationId: a.automationId,
      before: a.before,
      after: a.after,
    }));
    expect(rows).toEqual([
      {
        action: 'version.save',
        actor: 'alice',
        at: NOW_ISO,
        automationId: 'dev',
        before: 'root-dev-1',
        after: 'root-dev-1',
      },
      {
        action: 'version.restore',
        actor: 'alice',
        at: NOW_ISO,
        automationId: 'dev',
        before: 'root-dev-2',
        after: 'root-dev-1',
      },
      {
        action: 'release.create',
        actor: 'alice',
        at: NOW_ISO,
        automationId: 'prod',
        before: undefined,
        after: undefined,
      },
      {
        action: 'release.upgrade',
        actor: 'bob',
        at: NOW_ISO,
        automationId: 'prod',
        before: 'root-prod-1',
        after: 'root-dev-1',
      },
      {
        action: 'release.rollback',
        actor: 'bob',
        at: NOW_ISO,
        automationId: 'prod',
        before: 'root-dev-1',
        after: 'root-prod-1',
      },
    ]);
  });

  it('links the entry to the version or release it concerns', () => {
    const w = devAndProd();
    const v1 = w.save('dev', 'one');
    const backup = w.restore('dev', v1);
    const release = w.createRelease('dev', 'prod', '1.0.0');
    const up = w.upgrade('prod');
    const [save, restore, create, upgrade] = w.audit;
    expect(save).toMatchObject({ versionId: v1.id, details: { number: 1, name: 'one' } });
    expect(restore).toMatchObject({
      versionId: v1.id,
      details: { number: 1, backupVersionId: backup.id, backupNumber: 2 },
    });
    expect(create).toMatchObject({
      releaseId: release.id,
      details: { version: '1.0.0', sourceId: 'dev', contentHash: 'root-dev-1' },
    });
    expect(upgrade).toMatchObject({
      releaseId: release.id,
      details: {
        version: '1.0.0',
        forced: false,
        backupVersionId: up.backup.id,
        resultVersionId: up.result.id,
      },
    });
  });
});

describe('purity', () => {
  const deepFreeze = <T>(value: T): T => {
    if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
  };

  it('operations never mutate their inputs', () => {
    const w = withTwoUpgrades();
    w.edit('prod', 'root-prod-hotfix');
    const v = must(w.versionsOf('prod')[0], "w.versionsOf('prod')[0]");
    const snapshot = JSON.stringify([...w.automations.values(), w.versions, w.releases, w.ledger]);
    deepFreeze([...w.automations.values()]);
    deepFreeze(w.versions);
    deepFreeze(w.releases);
    deepFreeze(w.ledger);
    const ctx = w.ctx('bob');
    expectOk(saveVersion(w.get('prod'), { name: 'x' }, ctx));
    expectOk(restoreVersion(w.get('prod'), v, {}, ctx));
    expectOk(rollback(w.rollbackInput('prod'), ctx));
    const pending = w.createRelease('dev', 'prod', '3.0.0');
    deepFreeze(pending);
    expectOk(
      createRelease(
        {
          source: w.get('dev'),
          target: w.get('prod'),
          version: '3.1.0',
          pending,
          ledger: w.ledgerOf('prod'),
        },
        ctx,
      ),
    );
    expectOk(upgradeToRelease(w.upgradeInput('prod'), ctx));
    expectOk(rejectRelease(w.get('prod'), pending, { reason: 'r' }, ctx));
    versionsToPrune(w.versions, w.ledger, 0);
    expect(
      JSON.stringify([...w.automations.values(), w.versions, w.releases.slice(0, -1), w.ledger]),
    ).toBe(snapshot);
  });

  it('the same state, command and context give the same result', () => {
    const run = () => {
      const w = withTwoUpgrades();
      w.edit('prod', 'root-prod-hotfix');
      return [w.rollback('prod'), w.audit];
    };
    expect(run()).toEqual(run());
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
