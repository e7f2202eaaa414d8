// Instance administration: the policy (rule 12's acceptor ≠ creator and required approvals, rule
// 14's retention), and the content store's integrity check (`verify`) and garbage collection (`gc`).
import { REQUIRED_APPROVALS_MAX } from '@ferry/core';
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import { fail } from '../errors.js';
import { collectGarbage, verifyNodes } from '../repositories/node-repository.js';
import { getPolicy, setPolicy, type InstancePolicy } from '../repositories/policy-repository.js';
import { procedure, router } from '../trpc.js';

export const adminRouter = router({
  /** Any signed-in role may read the policy (the UI explains refusals with it). */
  getPolicy: procedure('read').query(({ ctx }) => getPolicy(ctx.db)),

  /** Change the fields given; the others keep their value. Answers the whole new policy. */
  setPolicy: procedure('admin')
    .input(
      z.object({
        acceptorMustDifferFromCreator: z.boolean().optional(),
        /** null: keep every automatic version. */
        keepAutomaticVersions: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1 (null keeps all)')
          .max(100_000, 'must be at most 100000')
          .nullable()
          .optional(),
        /** Approvals a release needs before an upgrade (0: none). */
        requiredApprovals: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be at least 0')
          .max(REQUIRED_APPROVALS_MAX, `must be at most ${REQUIRED_APPROVALS_MAX}`)
          .optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      if (
        input.acceptorMustDifferFromCreator === undefined &&
        input.keepAutomaticVersions === undefined &&
        input.requiredApprovals === undefined
      )
        fail('VALIDATION', 'Give at least one policy field to change.', 'input');
      return ctx.db.transaction(async (tx) => {
        const before = await getPolicy(tx);
        const after: InstancePolicy = {
          ...before,
          ...(input.acceptorMustDifferFromCreator !== undefined && {
            acceptorMustDifferFromCreator: input.acceptorMustDifferFromCreator,
          }),
          ...(input.keepAutomaticVersions !== undefined && {
            keepAutomaticVersions: input.keepAutomaticVersions,
          }),
          ...(input.requiredApprovals !== undefined && {
            requiredApprovals: input.requiredApprovals,
          }),
        };
        await setPolicy(tx, after);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'policy.set', null, {
            details: { before: { ...before }, after: { ...after } },
          }),
        );
        return after;
      });
    }),

  /**
   * Recompute every node's SHA-256 and check that every snapshot an automation, version, release
   * or upgrade points at is complete. Read-only.
   */
  verify: procedure('admin').query(({ ctx }) =>
    ctx.db.transaction((tx) => verifyNodes(tx), {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    }),
  ),

  /** Delete the nodes no pointer reaches, in one transaction under the gc lock. */
  gc: procedure('admin').mutation(({ ctx }) =>
    ctx.db.transaction(async (tx) => {
      const result = await collectGarbage(tx);
      await writeAudit(tx, ctx, auditEntry(ctx, 'admin.gc', null, { details: { ...result } }));
      return result;
    }),
  ),
});
