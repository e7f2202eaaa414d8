// The release rules of DESIGN.md as pure functions: create, promote, upgrade, reject, roll back and
// the semver floor. (state, command, context) -> new state + audit, or a typed error.
import semver from 'semver';
import {
  audit,
  backupOf,
  backupUnlessKept,
  checkRevision,
  checkText,
  DESCRIPTION_MAX,
  newVersion,
  requirePending,
  type AuditEntry,
  type Automation,
  type OpContext,
  type Policy,
  type Release,
  type Upgrade,
  type Version,
} from './automation.js';
import type { CheckReport } from './checks.js';
import { checkApprovals, type Approval } from './governance.js';
import { err, ok, type Result } from './result.js';
import { must } from './must.js';

/** The version numbers the target's ledger sets as the floor for new releases (rule 3). */
export function semverFloor(ledger: readonly Upgrade[]): string | null {
  const active = ledger.filter((u) => !u.rolledBack);
  return active.length === 0
    ? null
    : must(active[active.length - 1], 'active[active.length - 1]').releaseVersion;
}

/**
 * The version number as Ferry keeps it: semver's normal form (`v1.2.0` -> `1.2.0`) with its build
 * metadata kept (`1.2.0+build.5`), or null when it is not a semantic version. Build metadata does
 * not count in comparisons (semver): `1.2.0+a` and `1.2.0+b` are the same number.
 */
export function releaseVersion(text: string): string | null {
  const parsed = semver.parse(text.trim());
  if (parsed === null) return null;
  return parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version;
}

/** The last upgrade that was not rolled back: what the target runs, and what rollback undoes. */
export const activeUpgrade = (ledger: readonly Upgrade[]): Upgrade | null =>
  [...ledger].reverse().find((u) => !u.rolledBack) ?? null;

/**
 * What an automation runs, as its ledger and rollbacks tell: nothing accepted yet, a release, or the
 * backup a rollback returned to. A rollback restores the backup taken before the upgrade it undoes,
 * which holds whatever the automation had then (edits made after the previous release included):
 * that is the previous release only when the backup's content is exactly that release's.
 */
export type Running =
  | { kind: 'none' }
  | { kind: 'release'; release: { id: string; version: string } }
  | {
      kind: 'backup';
      /** The release whose upgrade was rolled back: the backup was taken before it. */
      rolledBack: { id: string; version: string };
      backupVersionId: string;
      /** The last release still accepted (the semver floor), whose content it no longer equals. */
      after: { id: string; version: string } | null;
    };

export function whatRuns(
  ledger: readonly Upgrade[],
  /** When each rolled-back upgrade was rolled back, by upgrade id. */
  rolledBackAt: ReadonlyMap<string, string>,
  /** The content root of each backup version, by version id. */
  backupRoots: ReadonlyMap<string, string>,
): Running {
  const active = activeUpgrade(ledger);
  const asRelease = (u: Upgrade) => ({ id: u.releaseId, version: u.releaseVersion });
  let last: Upgrade | null = null;
  let lastAt = '';
  for (const u of ledger) {
    const at = u.rolledBack ? rolledBackAt.get(u.id) : undefined;
    if (at !== undefined && at >= lastAt) {
      last = u;
      lastAt = at;
    }
  }
  const rollbackIsLatest =
    last !== null && (active === null || Date.parse(lastAt) >= Date.parse(active.at));
  if (last === null || !rollbackIsLatest)
    return active ? { kind: 'release', release: asRelease(active) } : { kind: 'none' };
  const backupRoot = backupRoots.get(last.backupVersionId);
  if (active !== null && backupRoot === active.root)
    return { kind: 'release', release: asRelease(active) };
  return {
    kind: 'backup',
    rolledBack: asRelease(last),
    backupVersionId: last.backupVersionId,
    after: active ? asRelease(active) : null,
  };
}

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
  /**
   * Every release addressed to the target so far, whatever became of it: a number once used there
   * is burned (history never shows two different releases with one number).
   */
  history?: readonly Release[];
  /**
   * Allow a number that is not above the target's last upgrade, or below the pending release it
   * supersedes.
   */
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
  const version = releaseVersion(input.version);
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
  const burned = (input.history ?? []).find(
    (r) =>
      r.targetId === target.id && semver.valid(r.version) !== null && semver.eq(r.version, version),
  );
  if (burned !== undefined)
    return err(
      'CONFLICT',
      `Version ${version} was already used for "${target.name}" (release ${burned.version}, ${burned.status}); a number is used once per target, so choose another.`,
      { path: 'version', details: { usedBy: burned.id, status: burned.status } },
    );
  const pendingNow =
    input.pending !== null &&
    input.pending.status === 'pending' &&
    input.pending.targetId === target.id
      ? input.pending
      : null;
  if (
    pendingNow !== null &&
    !input.force &&
    semver.valid(pendingNow.version) !== null &&
    semver.lt(version, pendingNow.version)
  )
    return err(
      'CONFLICT',
      `Version ${version} is lower than the pending release ${pendingNow.version} it would supersede for "${target.name}"; choose a higher number or force it.`,
      { path: 'version', details: { pending: pendingNow.version } },
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
  /** The release's approvals, counted against `policy.requiredApprovals`. */
  approvals?: readonly Approval[];
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
  const approved = checkApprovals(
    release,
    input.approvals ?? [],
    input.policy.requiredApprovals ?? 0,
  );
  if (!approved.ok) return approved;
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
