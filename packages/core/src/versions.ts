// The version rules of DESIGN.md as pure functions: save, restore, import into, delete, retention
// and version references. (state, command, context) -> new state + audit, or a typed error.
import {
  audit,
  backupOf,
  backupUnlessKept,
  checkRevision,
  checkText,
  defaultVersionName,
  DESCRIPTION_MAX,
  NAME_MAX,
  newVersion,
  type AuditEntry,
  type Automation,
  type OpContext,
  type Upgrade,
  type Version,
} from './automation.js';
import { err, ok, type Result } from './result.js';

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
