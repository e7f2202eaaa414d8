// What the release, pipeline and governance procedures share: the release an acceptor names, the
// release-number input, how a release is shown (with the names of its parties), what an
// automation runs, and storing a created release with its audit entry and its frozen test suite.
import { whatRuns, type Created, type Release, type Upgrade } from '@ferry/core';
import type { Db } from '@ferry/db';
import { writeAudit } from './audit.js';
import { fail } from './errors.js';
import type { Context } from './context.js';
import type { AutomationRow } from './repositories/automation-repository.js';
import {
  automationNames,
  findRelease,
  pendingReleaseOf,
  releaseSummary,
  rollbackFacts,
  storeRelease,
  type Party,
} from './repositories/release-repository.js';
import { freezeSuite, releaseSuiteOf, suiteOf } from './repositories/test-suite-repository.js';
import { versionsById } from './repositories/version-repository.js';
import { textInput } from './routers/inputs.js';
import { emitted } from './webhooks.js';

/** The release an acceptor names, or the target's pending one. */
export async function chosenRelease(
  db: Db,
  target: AutomationRow,
  releaseInput: string | undefined,
): Promise<Release> {
  if (releaseInput !== undefined) return findRelease(db, releaseInput, { targetId: target.id });
  return (
    (await pendingReleaseOf(db, target.id)) ??
    fail('NOT_FOUND', `"${target.name}" has no pending release.`, 'release')
  );
}

/** A release number: a semantic version such as 1.2.0. */
export const semverInput = textInput()
  .trim()
  .min(1, 'must be a semantic version number such as 1.2.0')
  .max(256, 'must be at most 256 characters');

/** A release as every answer shows it: the summary plus the names of source and target. */
export const releaseView = (r: Release, names: ReadonlyMap<string, Party>) => ({
  ...releaseSummary(r),
  sourceName: names.get(r.sourceId)?.name ?? null,
  /** The source has been deleted since; `sourceName` is the name it had. */
  sourceDeleted: names.get(r.sourceId)?.deleted ?? false,
  targetName: names.get(r.targetId)?.name ?? null,
  targetDeleted: names.get(r.targetId)?.deleted ?? false,
});
export type ReleaseView = ReturnType<typeof releaseView>;

/** The parties of a release that are at hand (locked or just read): none of them is deleted. */
export const namesOf = (...rows: AutomationRow[]) =>
  new Map(rows.map((r) => [r.id, { name: r.name, deleted: false }]));

/** Releases as shown, naming every party in one query. */
export async function viewsOf(db: Db, releases: Release[]): Promise<ReleaseView[]> {
  const names = await automationNames(
    db,
    releases.flatMap((r) => [r.sourceId, r.targetId]),
  );
  return releases.map((r) => releaseView(r, names));
}

/** Store what createRelease/promoteRelease decided: the superseded release first, then the new one. */
export async function storeCreated(
  tx: Db,
  ctx: Context,
  created: Created,
  source: AutomationRow,
  target: AutomationRow,
) {
  // The superseded release leaves `pending` first: one pending release per target (rule 4).
  if (created.superseded) await storeRelease(tx, created.superseded);
  await storeRelease(tx, created.release);
  // The release freezes its source's test suite (a promoted release, the suite it was accepted with).
  const promotedFrom = created.release.promotedFromId;
  const suite = promotedFrom
    ? await releaseSuiteOf(tx, promotedFrom)
    : await suiteOf(tx, source.id);
  if (suite) await freezeSuite(tx, created.release.id, suite);
  await writeAudit(tx, ctx, created.audit);
  return emitted(tx, 'release.created', {
    ...releaseView(created.release, namesOf(source, target)),
    superseded: created.superseded
      ? { id: created.superseded.id, version: created.superseded.version }
      : null,
  });
}

/** What an automation runs, as every answer shows it (core's whatRuns, with the backup's number). */
export interface RunsView {
  kind: 'none' | 'release' | 'backup';
  /** The release it runs (kind "release"), else null. */
  release: { id: string; version: string } | null;
  /** Kind "backup": the release whose upgrade was rolled back (the backup was taken before it). */
  rolledBack: { id: string; version: string } | null;
  /** Kind "backup": the version holding the backup it runs. */
  backupVersion: { id: string; number: number; name: string } | null;
  /** One phrase: "release 1.0.0", "no release", "the backup taken before upgrading to 1.1.0 (version #4)". */
  text: string;
}

/** What each of several automations runs, from their ledgers, in at most three queries. */
export async function runsOf(
  db: Db,
  ledgers: readonly (readonly Upgrade[])[],
): Promise<RunsView[]> {
  const { rolledBackAt, backupRoots } = await rollbackFacts(db, ledgers);
  const states = ledgers.map((l) => whatRuns(l, rolledBackAt, backupRoots));
  const backups = await versionsById(
    db,
    states.flatMap((s) => (s.kind === 'backup' ? [s.backupVersionId] : [])),
  );
  return states.map((s): RunsView => {
    switch (s.kind) {
      case 'none':
        return {
          kind: 'none',
          release: null,
          rolledBack: null,
          backupVersion: null,
          text: 'no release',
        };
      case 'release':
        return {
          kind: 'release',
          release: s.release,
          rolledBack: null,
          backupVersion: null,
          text: `release ${s.release.version}`,
        };
      case 'backup': {
        const v = backups.get(s.backupVersionId);
        return {
          kind: 'backup',
          release: null,
          rolledBack: s.rolledBack,
          backupVersion: v ? { id: v.id, number: v.number, name: v.name } : null,
          text: `the backup taken before upgrading to ${s.rolledBack.version}${v ? ` (version #${v.number})` : ''}`,
        };
      }
    }
  });
}

/** What one automation runs. */
export const runsOfOne = async (db: Db, ledger: readonly Upgrade[]): Promise<RunsView> =>
  (await runsOf(db, [ledger]))[0] ?? {
    kind: 'none',
    release: null,
    rolledBack: null,
    backupVersion: null,
    text: 'no release',
  };
