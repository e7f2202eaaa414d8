// Releases: create, list, preview, upgrade, reject, roll back and history (DESIGN.md rules 3-8);
// promote and the pipeline graph are in pipelines.ts, approvals, comments and release notes in
// release-reviews.ts, both mounted here. Every write of one operation happens in one transaction
// with its audit.
import {
  activeUpgrade,
  createRelease,
  must,
  rejectRelease,
  releaseChecks,
  resolveVersionRef,
  rollback,
  semverFloor,
  upgradeToRelease,
  type CheckReport,
  type Release,
  type Upgrade,
  type Version,
} from '@ferry/core';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { opContext, writeAudit } from '../audit.js';
import { ContentStore } from '../content.js';
import { fail, unwrap } from '../errors.js';
import {
  chosenRelease,
  releaseView,
  runsOfOne,
  semverInput,
  storeCreated,
  viewsOf,
} from '../release-flow.js';
import { explainStale } from '../stale-revision.js';
import {
  findAutomation,
  lockAutomation,
  lockAutomationPair,
  storeAutomation,
  toAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { environmentOf, environmentVariableNames } from '../repositories/environment-repository.js';
import { getPolicy } from '../repositories/policy-repository.js';
import { approvalsOf, commentsOf } from '../repositories/release-review-repository.js';
import {
  automationNames,
  findRelease,
  insertUpgrade,
  ledgerOf,
  listReleases,
  markUpgradeRolledBack,
  pendingReleaseOf,
  releaseById,
  storeRelease,
} from '../repositories/release-repository.js';
import {
  insertVersions,
  listVersions,
  toVersion,
  versionById,
  versionHolds,
  versionsById,
} from '../repositories/version-repository.js';
import { can } from '../roles.js';
import { procedure, router } from '../trpc.js';
import { emitted } from '../webhooks.js';
import { automationRef, baseRevision, description, refInput } from './inputs.js';
import { pipelineProcedures } from './pipelines.js';
import { reviewProcedures, reviewsOf } from './release-reviews.js';
import { releaseGate } from './tests.js';

/** A release by id (or, where a target is named too, by its version number). */
const releaseRef = refInput('must name a release by its id or version number');
/** The target revision the acceptor's preview showed (DESIGN.md rule 7). */
const ifRevision = z.number().int().positive().optional();

const ref = (row: AutomationRow) => ({ id: row.id, name: row.name, revision: row.revision });
const versionRef = (v: Version) => ({ id: v.id, number: v.number, name: v.name });

export const releasesRouter = router({
  /** Rules 3 and 4: a frozen release of the source's content (or one of its versions) to a target. */
  create: procedure('create-release')
    .input(
      z.object({
        source: automationRef,
        target: automationRef,
        version: semverInput,
        description: description.optional(),
        /** A version of the source (N, #N, id or name) to release instead of its working copy. */
        fromVersion: refInput('must name a version by its number (N or #N), id or name').optional(),
        /** Allow a number that is not above the target's last upgrade. */
        force: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const [source, target] = await lockAutomationPair(
          tx,
          { ref: input.source, field: 'source' },
          { ref: input.target, field: 'target' },
        );
        let fromVersion: Version | undefined;
        if (input.fromVersion !== undefined) {
          const found = resolveVersionRef(
            (await listVersions(tx, source.id)).map(toVersion),
            input.fromVersion,
          );
          if (!found.ok)
            fail(
              'NOT_FOUND',
              `"${source.name}" has no version "${input.fromVersion}".`,
              'fromVersion',
            );
          fromVersion = unwrap(found);
        }
        const created = unwrap(
          createRelease(
            {
              source: toAutomation(source),
              target: toAutomation(target),
              version: input.version,
              ...(input.description !== undefined && { description: input.description }),
              ...(fromVersion && { fromVersion }),
              pending: await pendingReleaseOf(tx, target.id),
              ledger: await ledgerOf(tx, target.id),
              history: await listReleases(tx, { automationId: target.id, role: 'target' }),
              force: input.force ?? false,
            },
            opContext(ctx, uuidv7),
          ),
        );
        return storeCreated(tx, ctx, created, source, target);
      }),
    ),

  /** Releases, newest first; optionally of one automation (as source, target or either) or pending only. */
  list: procedure('read')
    .input(
      z
        .object({
          automation: automationRef.optional(),
          pending: z.boolean().optional(),
          role: z.enum(['source', 'target', 'any']).optional(),
        })
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      const automation =
        input?.automation !== undefined ? await findAutomation(ctx.db, input.automation) : null;
      const releases = await listReleases(ctx.db, {
        ...(automation && { automationId: automation.id, role: input?.role ?? 'any' }),
        ...(input?.pending !== undefined && { pending: input.pending }),
      });
      return viewsOf(ctx.db, releases);
    }),

  /**
   * The preview an acceptor reviews: what the upgrade would change in the target's working copy,
   * the release checks against the target's environment, and the target revision to pass back as
   * `ifRevision`. A release by id, or `{ target, version? }` (no version: the pending one).
   */
  show: procedure('read')
    .input(
      z.object({
        release: releaseRef.optional(),
        target: automationRef.optional(),
        version: refInput('must name a release by its version number').optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      let release: Release;
      let target: AutomationRow;
      if (input.target !== undefined) {
        target = await findAutomation(ctx.db, input.target, 'target');
        release = await chosenRelease(ctx.db, target, input.release ?? input.version);
        if (release.targetId !== target.id)
          fail(
            'NOT_FOUND',
            `Release ${release.version} is not addressed to "${target.name}".`,
            'release',
          );
      } else if (input.release !== undefined) {
        release = await findRelease(ctx.db, input.release);
        const addressee = (await automationNames(ctx.db, [release.targetId])).get(release.targetId);
        if (addressee?.deleted)
          fail(
            'NOT_FOUND',
            `Release ${release.version} was addressed to "${addressee.name}", which has been deleted.`,
            'release',
          );
        target = await findAutomation(ctx.db, release.targetId, 'target');
      } else {
        return fail(
          'VALIDATION',
          'Name a release (its id), or a target with a version number.',
          'release',
        );
      }
      const store = new ContentStore(ctx.db);
      const diff = await store.diff(target.root, release.root);
      const releaseContent = await store.read(release.root);
      const checks = releaseChecks(
        releaseContent,
        await environmentVariableNames(ctx.db, target.environmentId),
      );
      // Kept for the upgrade, which then need not read the bot again (a root with wrappers).
      await store.referencedNames(release.root, releaseContent);
      const policy = await getPolicy(ctx.db);
      const blockers: string[] = [];
      if (release.status !== 'pending')
        blockers.push(`Release ${release.version} is ${release.status}, not pending.`);
      if (!checks.ok)
        blockers.push(
          target.environmentId === null
            ? `The target has no environment linked, and the content uses ${checks.missingEnv.join(', ')}.`
            : `The target's environment does not define ${checks.missingEnv.join(', ')}.`,
        );
      if (!can(ctx.caller.role, 'accept-release'))
        blockers.push(`The ${ctx.caller.role} role may not accept releases.`);
      else if (policy.acceptorMustDifferFromCreator && release.createdBy === ctx.caller.name)
        blockers.push(
          `Release ${release.version} was created by you; another user must accept it.`,
        );
      const reviews = await reviewsOf(ctx.db, release);
      if (reviews.shortfall !== null && release.status === 'pending')
        blockers.push(reviews.shortfall);
      // The release's frozen suite on the release content with the target's environment, and on
      // the target's current content to tell which tests change outcome.
      const tests = await releaseGate(ctx.db, release, target, true, ctx.services.testBudgetMs);
      if (tests.blocking.length > 0 && release.status === 'pending')
        blockers.push(
          `Conversation tests do not pass: ${tests.blocking.map((t) => `"${t.name}" (${t.status})`).join(', ')}.`,
        );
      return {
        release: releaseView(
          release,
          await automationNames(ctx.db, [release.sourceId, release.targetId]),
        ),
        target: {
          ...ref(target),
          environment: await environmentOf(ctx.db, target.environmentId),
        },
        preview: { summary: diff.summary, changes: diff.changes },
        checks,
        /** Approvals (with what the policy requires) and comments. */
        reviews,
        /** The release's frozen conversation tests: results, coverage, outcome changes. */
        tests,
        canUpgrade: blockers.length === 0,
        blockers,
      };
    }),

  /** Rule 5: the target accepts a release (its pending one unless named). */
  upgrade: procedure('accept-release')
    .input(
      z.object({
        target: automationRef,
        release: releaseRef.optional(),
        ifRevision,
        /**
         * Upgrade although the target's environment misses variables the content uses, or (roles
         * with "force-tests" only) although the release's conversation tests fail.
         */
        force: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      // The frozen suite runs before the transaction (release content and suite are immutable):
      // the target stays locked only for the upgrade itself.
      const target = await findAutomation(ctx.db, input.target, 'target');
      const gate = await releaseGate(
        ctx.db,
        await chosenRelease(ctx.db, target, input.release),
        target,
        false,
        ctx.services.testBudgetMs,
      );
      const forcedTests = gate.blocking.length > 0;
      if (forcedTests && !(input.force && can(ctx.caller.role, 'force-tests')))
        fail(
          'PRECONDITION_FAILED',
          `The upgrade is blocked: conversation tests do not pass: ${gate.blocking.map((t) => `"${t.name}" (${t.status})`).join(', ')}.${input.force ? ` The ${ctx.caller.role} role may not force past failing tests.` : ''}`,
          'tests',
          { reason: 'TESTS_FAILED', failing: gate.blocking, counts: gate.run?.counts },
        );
      return ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const release = await chosenRelease(tx, row, input.release);
        // The blocking check needs only the names the release references, which are kept per
        // root: an upgrade does not read the bot. The full report (with locations and the
        // warnings) is built only to explain a refusal; the preview shows the warnings. A root
        // whose content defines getEnvVariable wrappers has its names found once by the whole-
        // content analysis (the preview usually did it already) and kept.
        const store = new ContentStore(tx);
        const defined = await environmentVariableNames(tx, row.environmentId);
        const definedSet = new Set(defined ?? []);
        const referenced = await store.referencedNames(release.root);
        const checks: CheckReport = referenced.every((name) => definedSet.has(name))
          ? { ok: true, errors: [], warnings: [], missingEnv: [] }
          : releaseChecks(await store.read(release.root), defined);
        const upgraded = upgradeToRelease(
          {
            target: toAutomation(row),
            release,
            ledger: await ledgerOf(tx, row.id),
            checks,
            ...(input.ifRevision !== undefined && { ifRevision: input.ifRevision }),
            force: input.force ?? false,
            policy: await getPolicy(tx),
            approvals: (await approvalsOf(tx, [release.id])).get(release.id) ?? [],
          },
          opContext(ctx, uuidv7),
        );
        // A stale preview: say who changed the target since, when, and what became of it.
        if (!upgraded.ok && upgraded.error.path === 'ifRevision' && input.ifRevision !== undefined)
          await explainStale(tx, row, input.ifRevision, upgraded.error, {
            seen: 'the preview',
            advice: 'review the release again',
          });
        const done = unwrap(upgraded);
        await insertVersions(tx, done.backup, done.result);
        await storeAutomation(tx, done.automation);
        await storeRelease(tx, done.release);
        await insertUpgrade(tx, done.upgrade);
        await writeAudit(
          tx,
          ctx,
          forcedTests
            ? {
                ...done.audit,
                details: { ...done.audit.details, forced: true, forcedPastTests: gate.blocking },
              }
            : done.audit,
        );
        return emitted(tx, 'release.upgraded', {
          automation: {
            id: row.id,
            name: row.name,
            revision: done.automation.revision,
          },
          release: releaseView(done.release, await automationNames(tx, [release.sourceId, row.id])),
          backupVersion: versionRef(done.backup),
          resultVersion: versionRef(done.result),
          /** Counted only when the checks were run in full (a forced upgrade); else see `show`. */
          warnings: checks.ok ? null : checks.warnings.length,
          forced: Boolean(input.force) && !checks.ok,
          /** Tests that did not pass and were forced past (empty when none). */
          forcedPastTests: gate.blocking,
        });
      });
    }),

  /** Rule 6: the target turns a pending release (its pending one unless named) down. */
  reject: procedure('accept-release')
    .input(
      z.object({
        target: automationRef,
        release: releaseRef.optional(),
        reason: description.optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const release = await chosenRelease(tx, row, input.release);
        const done = unwrap(
          rejectRelease(
            toAutomation(row),
            release,
            { ...(input.reason !== undefined && { reason: input.reason }) },
            opContext(ctx, uuidv7),
          ),
        );
        await storeRelease(tx, done.release);
        await writeAudit(tx, ctx, done.audit);
        return emitted(
          tx,
          'release.rejected',
          releaseView(done.release, await automationNames(tx, [release.sourceId, row.id])),
        );
      }),
    ),

  /** Rule 6: return to the backup taken before the last upgrade that was not rolled back. */
  rollback: procedure('accept-release')
    .input(z.object({ target: automationRef, baseRevision }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const ledger = await ledgerOf(tx, row.id);
        const active = activeUpgrade(ledger);
        const backup = active ? await versionById(tx, active.backupVersionId) : null;
        const done = unwrap(
          rollback(
            {
              target: toAutomation(row),
              ledger,
              backup,
              release: active ? await releaseById(tx, active.releaseId) : null,
              ...(input.baseRevision !== undefined && { baseRevision: input.baseRevision }),
              workingCopySaved: await versionHolds(tx, row.id, row.root),
            },
            opContext(ctx, uuidv7),
          ),
        );
        if (done.savedEdits) await insertVersions(tx, done.savedEdits);
        await storeAutomation(tx, done.automation);
        await markUpgradeRolledBack(tx, done.upgrade.id);
        await storeRelease(tx, done.release);
        await writeAudit(tx, ctx, done.audit);
        const nowRuns = await runsOfOne(
          tx,
          ledger.map((u) => (u.id === done.upgrade.id ? { ...u, rolledBack: true } : u)),
        );
        return emitted(tx, 'release.rolled_back', {
          automation: { id: row.id, name: row.name, revision: done.automation.revision },
          release: releaseView(
            done.release,
            await automationNames(tx, [done.release.sourceId, row.id]),
          ),
          restoredVersion: versionRef(must(backup, 'the backup version the rollback restored')),
          savedEditsVersion: done.savedEdits ? versionRef(done.savedEdits) : null,
          /** The release it now runs; null when none, or when the backup is not one (see `runs`). */
          runsRelease: nowRuns.release,
          runs: nowRuns,
        });
      }),
    ),

  /** An automation's release history: its upgrade ledger and the releases it sent or received. */
  history: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const ledger = await ledgerOf(ctx.db, row.id);
      const releases = await viewsOf(ctx.db, await listReleases(ctx.db, { automationId: row.id }));
      const approvals = await approvalsOf(
        ctx.db,
        releases.map((r) => r.id),
      );
      const comments = await commentsOf(
        ctx.db,
        releases.map((r) => r.id),
      );
      const byId = new Map(releases.map((r) => [r.id, r]));
      const versions = await versionsById(
        ctx.db,
        ledger.flatMap((u) => [u.backupVersionId, u.resultVersionId]),
      );
      const active = activeUpgrade(ledger);
      const running = await runsOfOne(ctx.db, ledger);
      const pending = releases.find((r) => r.targetId === row.id && r.status === 'pending');
      const versionOf = (id: string) => {
        const v = versions.get(id);
        return v ? versionRef(v) : null;
      };
      return {
        automation: ref(row),
        /** The release it runs; null when none, or a rollback's backup (see `runs`). */
        runsRelease: running.release,
        runs: running,
        pendingRelease: pending ?? null,
        /** Releases to this automation must be numbered above this (unless forced). */
        semverFloor: semverFloor(ledger),
        /** The upgrade ledger, newest first. */
        upgrades: [...ledger].reverse().map((u: Upgrade) => {
          const r = byId.get(u.releaseId);
          return {
            id: u.id,
            release: {
              id: u.releaseId,
              version: u.releaseVersion,
              description: r?.description ?? '',
              sourceId: r?.sourceId ?? null,
              sourceName: r?.sourceName ?? null,
              sourceDeleted: r?.sourceDeleted ?? false,
              createdBy: r?.createdBy ?? null,
            },
            contentHash: u.root,
            by: u.by,
            at: u.at,
            rolledBack: u.rolledBack,
            active: active?.id === u.id,
            backupVersion: versionOf(u.backupVersionId),
            resultVersion: versionOf(u.resultVersionId),
          };
        }),
        /** Releases this automation sent (role "source") or received (role "target"), newest first. */
        releases: releases.map((r) => ({
          ...r,
          role: r.targetId === row.id ? ('target' as const) : ('source' as const),
          approvals: approvals.get(r.id) ?? [],
          comments: comments.get(r.id) ?? [],
        })),
      };
    }),

  ...pipelineProcedures,
  ...reviewProcedures,
});
