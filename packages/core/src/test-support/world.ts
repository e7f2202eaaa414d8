// The deterministic context, fixtures and in-memory world the version and release rule tests share:
// the world applies operation results the way the API layer would (the caller persists).
import { expect } from 'vitest';
import type {
  AuditEntry,
  Automation,
  OpContext,
  Policy,
  Release,
  Upgrade,
  Version,
} from '../automation.js';
import { importCbExport } from '../cb-export.js';
import type { CheckReport } from '../checks.js';
import type { BotContent } from '../content.js';
import { generateBotExport } from '../testing.js';
import {
  activeUpgrade,
  createRelease,
  rollback,
  upgradeToRelease,
  type UpgradeInput,
  type Upgraded,
} from '../releases.js';
import type { ErrorCode, FerryError, Result } from '../result.js';
import { restoreVersion, saveVersion } from '../versions.js';
import { must } from '../must.js';

export const NOW = new Date('2026-03-14T09:26:53.000Z');
export const NOW_ISO = NOW.toISOString();

export function counterCtx(actor = 'alice', prefix = 'id'): OpContext {
  let n = 0;
  return { now: NOW, actor, newId: () => `${prefix}-${++n}` };
}

export const OPEN: Policy = { acceptorMustDifferFromCreator: false };
export const FOUR_EYES: Policy = { acceptorMustDifferFromCreator: true };
export const PASSING: CheckReport = { ok: true, errors: [], warnings: [], missingEnv: [] };

export function missingEnv(...names: string[]): CheckReport {
  return {
    ok: false,
    errors: names.map((name) => ({
      code: 'ENV_UNDEFINED',
      severity: 'error',
      message: `${name} is undefined`,
      subject: name,
      locations: [],
      where: [],
    })),
    warnings: [],
    missingEnv: names,
  };
}

export function automation(id: string, overrides: Partial<Automation> = {}): Automation {
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

export function expectOk<T>(result: Result<T>): T {
  // An assertion (not a bare throw): a test whose whole point is "this succeeds" asserts it.
  expect(result.ok ? 'success' : `${result.error.code}: ${result.error.message}`).toBe('success');
  if (!result.ok) throw new Error('unreachable: asserted above');
  return result.value;
}

export function expectRefused<T>(result: Result<T>, code: ErrorCode): FerryError {
  if (result.ok) throw new Error(`expected ${code}, but the command succeeded`);
  expect(result.error.code).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(0);
  // A refusal carries no new state: nothing to write.
  expect(result).not.toHaveProperty('value');
  return result.error;
}

/** given(state).when(command).then(assert) / .thenRefused(code, assert). */
export function given<S>(state: S) {
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
export class World {
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
          history: this.releases.filter((r) => r.targetId === targetId),
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

export const devAndProd = () => new World(automation('dev'), automation('prod'));
export const devStagingProd = () =>
  new World(automation('dev'), automation('staging'), automation('prod'));

/** Dev offers 1.0.0 to prod (created by alice). */
export function withPendingRelease(): World {
  const w = devAndProd();
  w.createRelease('dev', 'prod', '1.0.0', { description: 'First release' });
  return w;
}

/** Prod has upgraded to 1.0.0 (dev root-dev-1), accepted by bob. */
export function withOneUpgrade(): World {
  const w = withPendingRelease();
  w.upgrade('prod');
  return w;
}

/** Prod upgraded to 1.0.0 (root-dev-1), then to 2.0.0 (root-dev-2). */
export function withTwoUpgrades(): World {
  const w = withOneUpgrade();
  w.edit('dev', 'root-dev-2');
  w.createRelease('dev', 'prod', '2.0.0');
  w.upgrade('prod');
  return w;
}

export function generatedContent(): BotContent {
  const imported = importCbExport(
    JSON.stringify(generateBotExport({ seed: 11, dialogs: 3, interactionsPerDialog: 4 })),
  );
  if (!imported.ok) throw new Error(imported.error.message);
  return imported.value.content;
}
