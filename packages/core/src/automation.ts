// An automation and the records of its history (versions, releases, upgrades, audit entries) as
// data, and the steps every version and release rule shares: revision check, backups, audit entries.
import { err, ok, type Result } from './result.js';
import { formatUtc } from './rules.js';

/** What an operation takes from its caller: nothing here reads a clock, makes ids or touches storage. */
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
  /** Approvals a release needs from distinct users other than its creator (absent: 0). */
  requiredApprovals?: number;
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
export const defaultVersionName = (now: Date): string => formatUtc(now);

export function checkText(value: string, field: string, max: number): Result<void> {
  if (value.length > max)
    return err('VALIDATION', `The ${field} is longer than ${max} characters.`, { path: field });
  return ok(undefined);
}

export function newVersion(
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
export function backupOf(a: Automation, name: string, kind: VersionKind, ctx: OpContext): Version {
  return newVersion(a, { name, root: a.root, kind }, ctx, a.lastVersionNumber + 1);
}

/**
 * The backup an operation needs only when the working copy would otherwise be lost: null when the
 * new content equals it or a saved version already holds it (`saved`).
 */
export function backupUnlessKept(
  a: Automation,
  next: { root: string; saved: boolean },
  name: string,
  kind: VersionKind,
  ctx: OpContext,
): Version | null {
  return next.saved || next.root === a.root ? null : backupOf(a, name, kind, ctx);
}
export function audit(
  ctx: OpContext,
  action: string,
  a: Automation,
  rest: Omit<AuditEntry, 'action' | 'actor' | 'at' | 'automationId'>,
): AuditEntry {
  return { action, actor: ctx.actor, at: ctx.now.toISOString(), automationId: a.id, ...rest };
}

/** A release the target may still decide on: addressed to it and pending. */
export function requirePending(target: Automation, release: Release, verb: string): Result<void> {
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
