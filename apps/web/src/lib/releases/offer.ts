// What the Releases tab offers an acceptor for a pending release, from releases.show's answer:
// Upgrade when nothing blocks it; "Upgrade anyway" (the API's `force`) when the environment check
// is the only thing in the way (DESIGN.md rules 5 and 8); nothing otherwise.

export type UpgradeOffer = 'upgrade' | 'force' | 'blocked';

export interface PreviewState {
  canUpgrade: boolean;
  blockers: string[];
  checks: { ok: boolean; missingEnv: string[] };
}

/**
 * `show` adds one blocker per problem: the release is not pending, the environment misses
 * variables, the caller may not accept (role or the creator-must-differ policy), too few approvals
 * (the policy's required approvals). Forcing overrides
 * only the environment check, so it is offered only when that check fails and it is the sole blocker.
 */
export function upgradeOffer(preview: PreviewState, mayAccept: boolean): UpgradeOffer {
  if (!mayAccept) return 'blocked';
  if (preview.canUpgrade) return 'upgrade';
  return !preview.checks.ok && preview.blockers.length === 1 ? 'force' : 'blocked';
}

export type ReleaseStatus = 'pending' | 'superseded' | 'rejected' | 'upgraded' | 'rolled-back';

const STATUS_LABEL: Record<ReleaseStatus, string> = {
  pending: 'pending',
  superseded: 'superseded',
  rejected: 'rejected',
  upgraded: 'accepted',
  'rolled-back': 'rolled back',
};

/** A release's status as the pages word it (an upgraded release is one its target accepted). */
export const statusLabel = (status: string): string =>
  STATUS_LABEL[status as ReleaseStatus] ?? status;

/** Times are formatted the same on the server and in the browser (UTC, to the minute). */

/**
 * The name a release's source or target is shown under: a deleted automation keeps the name it
 * had, marked, because its releases stay in the others' history (DESIGN.md rule 15).
 */
export const partyName = (name: string | null | undefined, deleted: boolean): string =>
  name ? (deleted ? `${name} (deleted)` : name) : 'an unknown automation';
