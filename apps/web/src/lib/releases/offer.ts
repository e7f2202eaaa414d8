// What the Releases tab offers an acceptor for a pending release, from releases.show's answer:
// Upgrade when nothing blocks it; "Upgrade anyway" (the API's `force`) when what blocks it can be
// forced: the environment check, and (roles with "force-tests" only) failing conversation tests
// (DESIGN.md rules 5, 8 and 17); nothing otherwise.

export type UpgradeOffer = 'upgrade' | 'force' | 'blocked';

export interface PreviewState {
  canUpgrade: boolean;
  blockers: string[];
  checks: { ok: boolean; missingEnv: string[] };
  /** The release's conversation tests that failed or were inconclusive (absent: none). */
  tests?: { blocking: unknown[] };
}

/**
 * `show` adds one blocker per problem: the release is not pending, the environment misses
 * variables, the caller may not accept (role or the creator-must-differ policy), too few approvals
 * (the policy's required approvals), conversation tests that do not pass. Forcing overrides only
 * the environment check and (with `mayForceTests`) the tests, so it is offered only when those are
 * all that blocks.
 */
export function upgradeOffer(
  preview: PreviewState,
  mayAccept: boolean,
  mayForceTests = false,
): UpgradeOffer {
  if (!mayAccept) return 'blocked';
  if (preview.canUpgrade) return 'upgrade';
  const env = preview.checks.ok ? 0 : 1;
  const tests = (preview.tests?.blocking.length ?? 0) > 0 ? 1 : 0;
  if (tests === 1 && !mayForceTests) return 'blocked';
  const forcible = env + tests;
  return forcible > 0 && preview.blockers.length === forcible ? 'force' : 'blocked';
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
