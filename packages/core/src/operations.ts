// The rules of DESIGN.md as pure functions: (state, command, context) -> new state + audit, or a
// typed error. Nothing here reads a clock, makes ids or touches storage; the caller persists.
import semver from 'semver';
import type { CheckReport } from './checks.js';
import { err, ok, type Result } from './result.js';

export interface OpContext {
  now: Date;
  newId: () => string;
  /** Who does it (a user name or id). */
  actor: string;
}

export interface Automation {
  id: string;
  name: string;
  /** Increases with every change of the automation; every change states the one it was based on. */
  revision: number;
  /** Root hash of the working copy. */
  root: string;
  environmentId: string | null;
  agents: readonly string[];
  /** The number of the newest version ever saved (versions are numbered from 1, never reused). */
  lastVersionNumber: number;
}

export type VersionKind =
  'manual' | 'before-restore' | 'before-upgrade' | 'release' | 'before-rollback' | 'before-import';

export interface Version {
  id: string;
  automationId: string;
  number: number;
  name: string;
  description: string;
  author: string;
  createdAt: string;
  root: string;
  /** Saved by Ferry itself (backups); only these can be pruned by a retention policy. */
  automatic: boolean;
  kind: VersionKind;
  pinned: boolean;
}

export type ReleaseStatus = 'pending' | 'superseded' | 'rejected' | 'upgraded' | 'rolled-back';

export interface Release {
  id: string;
  sourceId: string;
  targetId: string;
  /** Semver number, e.g. 1.4.0. */
  version: string;
  description: string;
  root: string;
  fromVersionId: string | null;
  /** The release this one promotes onward (same content), if any. */
  promotedFromId: string | null;
  createdBy: string;
  createdAt: string;
  status: ReleaseStatus;
  supersededById: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  rejectReason: string | null;
}

/** One accepted release in a target's ledger. */
export interface Upgrade {
  id: string;
  targetId: string;
  releaseId: string;
  releaseVersion: string;
  backupVersionId: string;
  resultVersionId: string;
  /** The content the upgrade produced (the release content). */
  root: string;
  by: string;
  at: string;
  rolledBack: boolean;
}

export interface AuditEntry {
  action: string;
  actor: string;
  at: string;
  automationId: string | null;
  versionId?: string;
  releaseId?: string;
  /** Content hashes of the automation's working copy before and after. */
  before?: string;
  after?: string;
  details?: Record<string, unknown>;
}

export interface Policy {
  /** A release's acceptor must not be its creator. */
  acceptorMustDifferFromCreator: boolean;
}

export const NAME_MAX = 200;
export const DESCRIPTION_MAX = 4000;

/** Every change states the revision it was based on; a stale one is refused. */
export function checkRevision(a: Automation, baseRevision: number | undefined): Result<void> {
  if (baseRevision === undefined || baseRevision === a.revision) return ok(undefined);
  return err(
    'CONFLICT',
    `"${a.name}" was changed since revision ${baseRevision} (it is now at revision ${a.revision}); reload and try again.`,
    { path: 'baseRevision', details: { expected: baseRevision, actual: a.revision } },
  );
}

/** A blank version name becomes the date and time, e.g. "2026-11-25 17:04:05 UTC". */
export const defaultVersionName = (now: Date): string =>
  now.toISOString().slice(0, 19).replace('T', ' ') + ' UTC';

function checkText(value: string, field: string, max: number): Result<void> {
  if (value.length > max)
    return err('VALIDATION', `The ${field} is longer than ${max} characters.`, { path: field });
  return ok(undefined);
}

function newVersion(
  a: Automation,
  fields: { name: string; description?: string; root: string; kind: VersionKind },
  ctx: OpContext,
  number: number,
): Version {
  return {
    id: ctx.newId(),
    automationId: a.id,
    number,
    name: fields.name,
    description: fields.description ?? '',
    author: ctx.actor,
    createdAt: ctx.now.toISOString(),
    root: fields.root,
    automatic: fields.kind !== 'manual' && fields.kind !== 'release',
    kind: fields.kind,
    pinned: false,
  };
}

/**
 * Rule 15: the automatic version that keeps the working copy an operation is about to replace,
 * numbered next. Every content-replacing operation (restore, import into, upgrade, rollback) takes
 * its backup here.
 */
function backupOf(a: Automation, name: string, kind: VersionKind, ctx: OpContext): Version {
  return newVersion(a, { name, root: a.root, kind }, ctx, a.lastVersionNumber + 1);
}

/**
 * The backup an operation needs only when the working copy would otherwise be lost: null when the
 * new content equals it or a saved version already holds it (`saved`).
 */
function backupUnlessKept(
  a: Automation,
  next: { root: string; saved: boolean },
  name: string,
  kind: VersionKind,
  ctx: OpContext,
): Version | null {
  return next.saved || next.root === a.root ? null : backupOf(a, name, kind, ctx);
}

export interface Saved {
  automation: Automation;
  version: Version;
  audit: AuditEntry;
}

/** Rule 1: save the working copy as a new numbered version. */
export function saveVersion(
  a: Automation,
  cmd: { name?: string; description?: string; baseRevision?: number },
  ctx: OpContext,
): Result<Saved> {
  const rev = checkRevision(a, cmd.baseRevision);
  if (!rev.ok) return rev;
  const name = (cmd.name ?? '').trim() || defaultVersionName(ctx.now);
  for (const check of [
    checkText(name, 'name', NAME_MAX),
    checkText(cmd.description ?? '', 'description', DESCRIPTION_MAX),
  ])
    if (!check.ok) return check;
  const version = newVersion(
    a,
    { name, description: cmd.description ?? '', root: a.root, kind: 'manual' },
    ctx,
    a.lastVersionNumber + 1,
  );
  return ok({
    automation: { ...a, lastVersionNumber: version.number },
    version,
    audit: audit(ctx, 'version.save', a, {
      versionId: version.id,
      before: a.root,
      after: a.root,
      details: { number: version.number, name },
    }),
  });
}

export interface Restored {
  automation: Automation;
  backup: Version;
  audit: AuditEntry;
}

/** Rule 2: replace the working copy with a version, after saving a backup version. */
export function restoreVersion(
  a: Automation,
  v: Version,
  cmd: { baseRevision?: number },
  ctx: OpContext,
): Result<Restored> {
  if (v.automationId !== a.id)
    return err('NOT_FOUND', `Version #${v.number} does not belong to "${a.name}".`, {
      path: 'version',
    });
  const rev = checkRevision(a, cmd.baseRevision);
  if (!rev.ok) return rev;
  const backup = backupOf(a, `Before restore of #${v.number}`, 'before-restore', ctx);
  const automation = {
    ...a,
    root: v.root,
    revision: a.revision + 1,
    lastVersionNumber: backup.number,
  };
  return ok({
    automation,
    backup,
    audit: audit(ctx, 'version.restore', a, {
      versionId: v.id,
      before: a.root,
      after: v.root,
      details: { number: v.number, backupVersionId: backup.id, backupNumber: backup.number },
    }),
  });
}

export interface ImportedInto {
  automation: Automation;
  /** The previous working copy, kept when no saved version held it (rule 15); else null. */
  backup: Version | null;
  audit: AuditEntry;
}

/** Import into an existing automation: its working copy becomes `root`, the old one kept first. */
export function importInto(
  a: Automation,
  cmd: {
    root: string;
    /** A saved version of the automation already holds its working copy. */
    workingCopySaved: boolean;
    baseRevision?: number;
    details?: Record<string, unknown>;
  },
  ctx: OpContext,
): Result<ImportedInto> {
  const rev = checkRevision(a, cmd.baseRevision);
  if (!rev.ok) return rev;
  const backup = backupUnlessKept(
    a,
    { root: cmd.root, saved: cmd.workingCopySaved },
    'Before import',
    'before-import',
    ctx,
  );
  return ok({
    automation: {
      ...a,
      root: cmd.root,
      revision: a.revision + 1,
      lastVersionNumber: backup?.number ?? a.lastVersionNumber,
    },
    backup,
    audit: audit(ctx, 'automation.import', a, {
      before: a.root,
      after: cmd.root,
      details: {
        into: true,
        ...cmd.details,
        ...(backup && { backupVersionId: backup.id, backupNumber: backup.number }),
      },
    }),
  });
}

/** Deleting a version that a possible rollback still needs is refused. */
export function deleteVersion(
  a: Automation,
  v: Version,
  ledger: readonly Upgrade[],
  ctx: OpContext,
): Result<{ audit: AuditEntry }> {
  if (v.automationId !== a.id)
    return err('NOT_FOUND', `Version #${v.number} does not belong to "${a.name}".`, {
      path: 'version',
    });
  if (ledger.some((u) => !u.rolledBack && u.targetId === a.id && u.backupVersionId === v.id))
    return err(
      'CONFLICT',
      `Version #${v.number} is the backup a rollback of "${a.name}" would return to; it cannot be deleted.`,
      {
        path: 'version',
      },
    );
  return ok({
    audit: audit(ctx, 'version.delete', a, {
      versionId: v.id,
      details: { number: v.number, name: v.name },
    }),
  });
}

/** The version numbers the target's ledger sets as the floor for new releases (rule 3). */
export function semverFloor(ledger: readonly Upgrade[]): string | null {
  const active = ledger.filter((u) => !u.rolledBack);
  return active.length === 0 ? null : active[active.length - 1]!.releaseVersion;
}

/** The last upgrade that was not rolled back: what the target runs, and what rollback undoes. */
export const activeUpgrade = (ledger: readonly Upgrade[]): Upgrade | null =>
  [...ledger].reverse().find((u) => !u.rolledBack) ?? null;

export interface CreateReleaseInput {
  source: Automation;
  target: Automation;
  version: string;
  description?: string;
  /** Release this version of the source instead of its working copy. */
  fromVersion?: Version;
  /** The target's pending release, superseded by the new one. */
  pending: Release | null;
  /** The target's upgrade ledger, oldest first. */
  ledger: readonly Upgrade[];
  /** Allow a number that is not above the target's last upgrade. */
  force?: boolean;
  /** Set when promoting: the release whose content travels onward. */
  promotedFrom?: Release;
}

export interface Created {
  release: Release;
  superseded: Release | null;
  audit: AuditEntry;
}

/** Rules 3 and 4: a frozen release from source to target, superseding the target's pending one. */
export function createRelease(input: CreateReleaseInput, ctx: OpContext): Result<Created> {
  const { source, target } = input;
  if (source.id === target.id)
    return err('VALIDATION', 'A release needs a target other than its source.', { path: 'target' });
  const version = semver.valid(input.version.trim());
  if (version === null)
    return err('VALIDATION', `"${input.version}" is not a semantic version number such as 1.2.0.`, {
      path: 'version',
    });
  const text = checkText(input.description ?? '', 'description', DESCRIPTION_MAX);
  if (!text.ok) return text;
  if (input.fromVersion !== undefined && input.fromVersion.automationId !== source.id)
    return err(
      'NOT_FOUND',
      `Version #${input.fromVersion.number} does not belong to "${source.name}".`,
      { path: 'fromVersion' },
    );
  const floor = semverFloor(input.ledger.filter((u) => u.targetId === target.id));
  if (floor !== null && !input.force && !semver.gt(version, floor))
    return err(
      'CONFLICT',
      `Version ${version} must be greater than ${floor}, the release "${target.name}" last upgraded to.`,
      {
        path: 'version',
        details: { floor },
      },
    );
  const root = input.promotedFrom?.root ?? input.fromVersion?.root ?? source.root;
  const release: Release = {
    id: ctx.newId(),
    sourceId: source.id,
    targetId: target.id,
    version,
    description: input.description ?? '',
    root,
    fromVersionId: input.fromVersion?.id ?? null,
    promotedFromId: input.promotedFrom?.id ?? null,
    createdBy: ctx.actor,
    createdAt: ctx.now.toISOString(),
    status: 'pending',
    supersededById: null,
    decidedBy: null,
    decidedAt: null,
    rejectReason: null,
  };
  const pending =
    input.pending !== null &&
    input.pending.status === 'pending' &&
    input.pending.targetId === target.id
      ? input.pending
      : null;
  const superseded: Release | null = pending && {
    ...pending,
    status: 'superseded',
    supersededById: release.id,
  };
  return ok({
    release,
    superseded,
    audit: audit(ctx, input.promotedFrom ? 'release.promote' : 'release.create', target, {
      releaseId: release.id,
      details: {
        version,
        sourceId: source.id,
        contentHash: root,
        ...(superseded && { supersededReleaseId: superseded.id }),
        ...(input.promotedFrom && { promotedFromId: input.promotedFrom.id }),
      },
    }),
  });
}

/** Rule 9: offer the release `from` last accepted onward to `to`, with the very same content. */
export function promoteRelease(
  input: Omit<CreateReleaseInput, 'source' | 'fromVersion' | 'promotedFrom'> & {
    from: Automation;
    fromLedger: readonly Upgrade[];
    accepted: Release | null;
  },
  ctx: OpContext,
): Result<Created> {
  const active = activeUpgrade(input.fromLedger.filter((u) => u.targetId === input.from.id));
  if (active === null || input.accepted === null || input.accepted.id !== active.releaseId)
    return err(
      'PRECONDITION_FAILED',
      `"${input.from.name}" has not accepted a release that could be promoted.`,
      { path: 'from' },
    );
  return createRelease({ ...input, source: input.from, promotedFrom: input.accepted }, ctx);
}

export interface UpgradeInput {
  target: Automation;
  release: Release;
  ledger: readonly Upgrade[];
  /** Release checks of the release content against the target's environment. */
  checks: CheckReport;
  /** The target revision the acceptor's preview showed (rule 7). */
  ifRevision?: number;
  force?: boolean;
  policy: Policy;
}

export interface Upgraded {
  automation: Automation;
  release: Release;
  backup: Version;
  result: Version;
  upgrade: Upgrade;
  audit: AuditEntry;
}

/** Rule 5: the target accepts a release; backup version before, release version after. */
export function upgradeToRelease(input: UpgradeInput, ctx: OpContext): Result<Upgraded> {
  const { target, release } = input;
  const pendingCheck = requirePending(target, release, 'upgrade to');
  if (!pendingCheck.ok) return pendingCheck;
  if (input.policy.acceptorMustDifferFromCreator && release.createdBy === ctx.actor)
    return err(
      'FORBIDDEN',
      `Release ${release.version} was created by ${ctx.actor}; another user must accept it.`,
      {
        path: 'release',
      },
    );
  if (input.ifRevision !== undefined && input.ifRevision !== target.revision)
    return err(
      'CONFLICT',
      `"${target.name}" changed since the preview (revision ${input.ifRevision}, now ${target.revision}); review the release again.`,
      { path: 'ifRevision', details: { expected: input.ifRevision, actual: target.revision } },
    );
  if (!input.checks.ok && !input.force)
    return err(
      'PRECONDITION_FAILED',
      `The upgrade is blocked: the target's environment does not define ${input.checks.missingEnv.join(', ')}.`,
      { path: 'environment', details: { missing: input.checks.missingEnv } },
    );
  // No semver floor here: rule 3 applies it when the release is created, and only one release is
  // pending at a time, so a pending release below the floor was forced on purpose.
  const backup = backupOf(target, `Before upgrade to ${release.version}`, 'before-upgrade', ctx);
  const result = newVersion(
    target,
    {
      name: `Release ${release.version}`,
      description: release.description,
      root: release.root,
      kind: 'release',
    },
    ctx,
    target.lastVersionNumber + 2,
  );
  const at = ctx.now.toISOString();
  const upgrade: Upgrade = {
    id: ctx.newId(),
    targetId: target.id,
    releaseId: release.id,
    releaseVersion: release.version,
    backupVersionId: backup.id,
    resultVersionId: result.id,
    root: release.root,
    by: ctx.actor,
    at,
    rolledBack: false,
  };
  return ok({
    automation: {
      ...target,
      root: release.root,
      revision: target.revision + 1,
      lastVersionNumber: result.number,
    },
    release: { ...release, status: 'upgraded', decidedBy: ctx.actor, decidedAt: at },
    backup,
    result,
    upgrade,
    audit: audit(ctx, 'release.upgrade', target, {
      releaseId: release.id,
      before: target.root,
      after: release.root,
      details: {
        version: release.version,
        forced: Boolean(input.force),
        backupVersionId: backup.id,
        resultVersionId: result.id,
      },
    }),
  });
}

/** Rule 6: the target turns a pending release down, with a reason. */
export function rejectRelease(
  target: Automation,
  release: Release,
  cmd: { reason?: string },
  ctx: OpContext,
): Result<{ release: Release; audit: AuditEntry }> {
  const pendingCheck = requirePending(target, release, 'reject');
  if (!pendingCheck.ok) return pendingCheck;
  const reason = (cmd.reason ?? '').trim();
  const text = checkText(reason, 'reason', DESCRIPTION_MAX);
  if (!text.ok) return text;
  const at = ctx.now.toISOString();
  return ok({
    release: {
      ...release,
      status: 'rejected',
      decidedBy: ctx.actor,
      decidedAt: at,
      rejectReason: reason,
    },
    audit: audit(ctx, 'release.reject', target, {
      releaseId: release.id,
      details: { version: release.version, reason },
    }),
  });
}

export interface RolledBack {
  automation: Automation;
  /** Saved first when the target was edited since the upgrade, so nothing is lost. */
  savedEdits: Version | null;
  upgrade: Upgrade;
  release: Release;
  audit: AuditEntry;
}

/** Rule 6: return to the backup taken before the last upgrade; the semver floor falls back. */
export function rollback(
  input: {
    target: Automation;
    ledger: readonly Upgrade[];
    backup: Version | null;
    release: Release | null;
    baseRevision?: number;
    /** A saved version of the target already holds its working copy (no backup needed). */
    workingCopySaved?: boolean;
  },
  ctx: OpContext,
): Result<RolledBack> {
  const { target } = input;
  const rev = checkRevision(target, input.baseRevision);
  if (!rev.ok) return rev;
  const active = activeUpgrade(input.ledger.filter((u) => u.targetId === target.id));
  if (active === null)
    return err('PRECONDITION_FAILED', `"${target.name}" has no upgrade to roll back.`, {
      path: 'target',
    });
  if (input.backup === null || input.backup.id !== active.backupVersionId)
    return err(
      'NOT_FOUND',
      `The backup version taken before upgrade ${active.releaseVersion} is missing.`,
      { path: 'backup' },
    );
  if (input.release === null || input.release.id !== active.releaseId)
    return err('NOT_FOUND', `Release ${active.releaseVersion} is missing.`, { path: 'release' });
  const savedEdits = backupUnlessKept(
    target,
    // The upgrade's own result version holds `active.root`.
    {
      root: input.backup.root,
      saved: input.workingCopySaved === true || target.root === active.root,
    },
    `Before rollback of ${active.releaseVersion}`,
    'before-rollback',
    ctx,
  );
  const at = ctx.now.toISOString();
  return ok({
    automation: {
      ...target,
      root: input.backup.root,
      revision: target.revision + 1,
      lastVersionNumber: savedEdits?.number ?? target.lastVersionNumber,
    },
    savedEdits,
    upgrade: { ...active, rolledBack: true },
    release: { ...input.release, status: 'rolled-back', decidedBy: ctx.actor, decidedAt: at },
    audit: audit(ctx, 'release.rollback', target, {
      releaseId: active.releaseId,
      before: target.root,
      after: input.backup.root,
      details: {
        version: active.releaseVersion,
        ...(savedEdits && { savedEditsVersionId: savedEdits.id }),
      },
    }),
  });
}

/** Automatic versions a retention policy removes: all but the newest `keep`, never pinned ones or rollback backups. */
export function versionsToPrune(
  versions: readonly Version[],
  ledger: readonly Upgrade[],
  keep: number,
): Version[] {
  const needed = new Set(ledger.filter((u) => !u.rolledBack).map((u) => u.backupVersionId));
  const candidates = versions
    .filter((v) => v.automatic && !v.pinned && !needed.has(v.id))
    .sort((x, y) => y.number - x.number);
  // A nonsensical policy keeps everything rather than pruning everything.
  if (!Number.isFinite(keep)) return [];
  return candidates.slice(Math.max(0, Math.floor(keep)));
}

/**
 * Find a version by reference: `N` or `#N` (its number), its id, or a name (the newest with it).
 */
export function resolveVersionRef(versions: readonly Version[], ref: string): Result<Version> {
  const trimmed = ref.trim();
  const num = /^#?(\d+)$/.exec(trimmed);
  if (num) {
    const found = versions.find((v) => v.number === Number(num[1]));
    if (found) return ok(found);
  }
  const byId = versions.find((v) => v.id === trimmed);
  if (byId) return ok(byId);
  const named = versions.filter((v) => v.name === trimmed).sort((x, y) => y.number - x.number)[0];
  if (named) return ok(named);
  return err('NOT_FOUND', `There is no version "${ref}".`, { path: 'version' });
}

function requirePending(target: Automation, release: Release, verb: string): Result<void> {
  if (release.targetId !== target.id)
    return err('NOT_FOUND', `Release ${release.version} is not addressed to "${target.name}".`, {
      path: 'release',
    });
  if (release.status !== 'pending')
    return err(
      'CONFLICT',
      `Cannot ${verb} release ${release.version}: it is ${release.status}, not pending.`,
      {
        path: 'release',
        details: { status: release.status },
      },
    );
  return ok(undefined);
}

function audit(
  ctx: OpContext,
  action: string,
  a: Automation,
  rest: Omit<AuditEntry, 'action' | 'actor' | 'at' | 'automationId'>,
): AuditEntry {
  return { action, actor: ctx.actor, at: ctx.now.toISOString(), automationId: a.id, ...rest };
}
