// Release governance (issue 14): approvals of and comments on a release, and its release notes.
// Mounted under `releases` (releases.approve, releases.comment, releases.notes) beside the release
// procedures; `releases.show` and `releases.history` show the approvals and comments through
// `reviewsOf`. Every write happens in one transaction with its audit entry.
import {
  approvalShortfall,
  approveRelease as approveRule,
  commentOnRelease,
  dialogNamesIn,
  releaseNotes,
  releaseNotesMarkdown,
  unnamedDialogIds,
  type Release,
} from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { opContext, writeAudit } from '../audit.js';
import { ContentStore, withNodes } from '../content.js';
import type { Context } from '../context.js';
import { fail, unwrap } from '../errors.js';
import { chosenRelease, releaseView } from '../release-flow.js';
import {
  findAutomation,
  lockAutomation,
  toAutomation,
} from '../repositories/automation-repository.js';
import { getPolicy } from '../repositories/policy-repository.js';
import {
  approvalsOf,
  commentsOf,
  insertApproval,
  insertComment,
} from '../repositories/release-review-repository.js';
import { automationNames, findRelease, ledgerOf } from '../repositories/release-repository.js';
import { versionById } from '../repositories/version-repository.js';
import { procedure } from '../trpc.js';
import { automationRef, description, refInput } from './inputs.js';
import { emitted } from '../webhooks.js';

const releaseRef = refInput('must name a release by its id or version number');

/**
 * The approvals and comments of one release as `releases.show` answers them, with what the
 * policy requires and, while too few approved, the sentence saying so.
 */
export async function reviewsOf(db: Db, release: Release) {
  const required = (await getPolicy(db)).requiredApprovals;
  const approvals = (await approvalsOf(db, [release.id])).get(release.id) ?? [];
  const comments = (await commentsOf(db, [release.id])).get(release.id) ?? [];
  return {
    required,
    approvals,
    comments,
    /** Null when the release has enough approvals. */
    shortfall: approvalShortfall(release, approvals, required),
  };
}

/**
 * Approve the target's pending release (or the one named). The one function every approval goes
 * through (CLI, web, API), so whatever must follow an approval (an event) is added here.
 */
export async function approve(
  ctx: Context,
  input: { target: string; release?: string; comment?: string },
) {
  return ctx.db.transaction(async (tx) => {
    // The target's lock orders approvals and upgrades of its releases.
    const row = await lockAutomation(tx, input.target, 'target');
    const release = await chosenRelease(tx, row, input.release);
    const required = (await getPolicy(tx)).requiredApprovals;
    const before = (await approvalsOf(tx, [release.id])).get(release.id) ?? [];
    const done = unwrap(
      approveRule(
        {
          target: toAutomation(row),
          release,
          approvals: before,
          ...(input.comment !== undefined && { comment: input.comment }),
          required,
        },
        opContext(ctx, uuidv7),
      ),
    );
    await insertApproval(tx, done.approval);
    await writeAudit(tx, ctx, done.audit);
    const approvals = [...before, done.approval];
    return emitted(tx, 'release.approved', {
      release: releaseView(release, await automationNames(tx, [release.sourceId, row.id])),
      approval: done.approval,
      approvals,
      required,
      /** Null when the release now has enough approvals. */
      shortfall: approvalShortfall(release, approvals, required),
    });
  });
}

/** A release by id, or by version number with its target (the release commands' reference). */
async function namedRelease(db: Db, input: { release: string; target?: string | undefined }) {
  if (input.target === undefined) return findRelease(db, input.release);
  const target = await findAutomation(db, input.target, 'target');
  const release = await findRelease(db, input.release, { targetId: target.id });
  if (release.targetId !== target.id)
    fail(
      'NOT_FOUND',
      `Release ${release.version} is not addressed to "${target.name}".`,
      'release',
    );
  return release;
}

export const reviewProcedures = {
  /** Approve a pending release: acceptors other than its creator, once each. */
  approve: procedure('accept-release')
    .input(
      z.object({
        target: automationRef,
        release: releaseRef.optional(),
        comment: description.optional(),
      }),
    )
    .mutation(({ ctx, input }) => approve(ctx, input)),

  /** Comment on a release addressed to the target (its pending one unless named). */
  comment: procedure('comment-release')
    .input(
      z.object({
        target: automationRef,
        release: releaseRef.optional(),
        text: description,
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.target, 'target');
        const release = await chosenRelease(tx, row, input.release);
        const done = unwrap(
          commentOnRelease(toAutomation(row), release, input.text, opContext(ctx, uuidv7)),
        );
        await insertComment(tx, done.comment);
        await writeAudit(tx, ctx, done.audit);
        return {
          release: releaseView(release, await automationNames(tx, [release.sourceId, row.id])),
          comment: done.comment,
        };
      }),
    ),

  /**
   * Release notes: the release's changes against what its target ran before (the backup its
   * upgrade took; not upgraded: the target's working copy now, as the preview shows), grouped by
   * dialog, with the description on top; also as Markdown.
   */
  notes: procedure('read')
    .input(z.object({ release: releaseRef, target: automationRef.optional() }))
    .query(async ({ ctx, input }) => {
      const release = await namedRelease(ctx.db, input);
      const names = await automationNames(ctx.db, [release.sourceId, release.targetId]);
      const targetName = names.get(release.targetId)?.name ?? release.targetId;
      const upgrade = (await ledgerOf(ctx.db, release.targetId)).find(
        (u) => u.releaseId === release.id,
      );
      const backup = upgrade ? await versionById(ctx.db, upgrade.backupVersionId) : null;
      let base: { root: string; against: string };
      if (backup) {
        base = {
          root: backup.root,
          against: `"${targetName}" before the upgrade (version #${backup.number})`,
        };
      } else {
        if (names.get(release.targetId)?.deleted)
          fail(
            'NOT_FOUND',
            `Release ${release.version} was never upgraded to and "${targetName}" has been deleted: there is nothing to compare it with.`,
            'release',
          );
        const target = await findAutomation(ctx.db, release.targetId, 'target');
        base = { root: target.root, against: `"${target.name}" now (revision ${target.revision})` };
      }
      const store = new ContentStore(ctx.db);
      const diff = await store.diff(base.root, release.root);
      const ids = unnamedDialogIds(diff);
      const dialogNames =
        ids.length === 0
          ? {}
          : {
              ...(await withNodes(ctx.db, store.snap.store, (snap) =>
                dialogNamesIn(snap, base.root, ids),
              )),
              ...(await withNodes(ctx.db, store.snap.store, (snap) =>
                dialogNamesIn(snap, release.root, ids),
              )),
            };
      const view = releaseView(release, names);
      const notes = releaseNotes({
        release: {
          version: release.version,
          description: release.description,
          createdBy: release.createdBy,
          createdAt: release.createdAt,
          sourceName: view.sourceName,
          targetName: view.targetName,
        },
        against: base.against,
        diff,
        dialogNames,
      });
      return { release: view, notes, markdown: releaseNotesMarkdown(notes) };
    }),
};
