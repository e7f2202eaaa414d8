// Release governance (issue 14) as pure functions: approvals by distinct users other than the
// release's creator, the approval gate an upgrade must pass, and comments on a release.
import {
  audit,
  checkText,
  DESCRIPTION_MAX,
  type AuditEntry,
  type Automation,
  type OpContext,
  requirePending,
  type Release,
} from './automation.js';
import { err, ok, type Result } from './result.js';

/** One user's approval of a release. */
export interface Approval {
  releaseId: string;
  by: string;
  at: string;
  comment: string;
}

/** A comment on a release. */
export interface ReleaseComment {
  id: string;
  releaseId: string;
  by: string;
  at: string;
  text: string;
}

/** The most approvals a policy may require. */
export const REQUIRED_APPROVALS_MAX = 20;

/** "alice and bob", "alice, bob and carol". */
const listNames = (names: readonly string[]) =>
  names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/**
 * Why an upgrade to `release` must wait for approvals, or null when it has enough. The one place
 * the rule is stated: the preview's blockers and the upgrade's refusal both say this.
 */
export function approvalShortfall(
  release: Release,
  approvals: readonly Approval[],
  required: number,
): string | null {
  const by = approvals.filter((a) => a.releaseId === release.id).map((a) => a.by);
  if (by.length >= required) return null;
  const so = by.length === 0 ? 'none so far' : `${by.length} so far, by ${listNames(by)}`;
  return `Release ${release.version} needs ${required} approval${required === 1 ? '' : 's'} before an upgrade; it has ${so}.`;
}

/** The approval gate of an upgrade: a PRECONDITION_FAILED naming who approved so far. */
export function checkApprovals(
  release: Release,
  approvals: readonly Approval[],
  required: number,
): Result<void> {
  const shortfall = approvalShortfall(release, approvals, required);
  if (shortfall === null) return ok(undefined);
  return err('PRECONDITION_FAILED', shortfall, {
    path: 'approvals',
    details: {
      required,
      approvedBy: approvals.filter((a) => a.releaseId === release.id).map((a) => a.by),
    },
  });
}

/**
 * An acceptor approves the target's pending release: once per user, never its creator. The
 * caller checks the role; this checks the release and the user.
 */
export function approveRelease(
  input: {
    target: Automation;
    release: Release;
    /** The release's approvals so far. */
    approvals: readonly Approval[];
    comment?: string;
    /** The policy's required approvals, recorded in the audit entry. */
    required: number;
  },
  ctx: OpContext,
): Result<{ approval: Approval; audit: AuditEntry }> {
  const { target, release } = input;
  const pending = requirePending(target, release, 'approve');
  if (!pending.ok) return pending;
  if (release.createdBy === ctx.actor)
    return err(
      'FORBIDDEN',
      `You created release ${release.version}; its approvals must come from other users.`,
      { path: 'release' },
    );
  const earlier = input.approvals.find((a) => a.releaseId === release.id && a.by === ctx.actor);
  if (earlier)
    return err(
      'CONFLICT',
      `You already approved release ${release.version} (${earlier.at}); approvals must come from distinct users.`,
      { path: 'release', details: { approvedAt: earlier.at } },
    );
  const comment = (input.comment ?? '').trim();
  const text = checkText(comment, 'comment', DESCRIPTION_MAX);
  if (!text.ok) return text;
  const approval: Approval = {
    releaseId: release.id,
    by: ctx.actor,
    at: ctx.now.toISOString(),
    comment,
  };
  const count = input.approvals.filter((a) => a.releaseId === release.id).length + 1;
  return ok({
    approval,
    audit: audit(ctx, 'release.approve', target, {
      releaseId: release.id,
      details: {
        version: release.version,
        approvals: count,
        required: input.required,
        ...(comment && { comment }),
      },
    }),
  });
}

/** A comment on a release (any status: a decision can be discussed after it was made). */
export function commentOnRelease(
  target: Automation,
  release: Release,
  text: string,
  ctx: OpContext,
): Result<{ comment: ReleaseComment; audit: AuditEntry }> {
  if (release.targetId !== target.id)
    return err('NOT_FOUND', `Release ${release.version} is not addressed to "${target.name}".`, {
      path: 'release',
    });
  const trimmed = text.trim();
  if (trimmed === '') return err('VALIDATION', 'The comment is empty.', { path: 'text' });
  const checked = checkText(trimmed, 'text', DESCRIPTION_MAX);
  if (!checked.ok) return checked;
  const comment: ReleaseComment = {
    id: ctx.newId(),
    releaseId: release.id,
    by: ctx.actor,
    at: ctx.now.toISOString(),
    text: trimmed,
  };
  return ok({
    comment,
    audit: audit(ctx, 'release.comment', target, {
      releaseId: release.id,
      details: { version: release.version, commentId: comment.id, text: trimmed },
    }),
  });
}
