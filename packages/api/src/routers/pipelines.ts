// Pipelines (DESIGN.md rule 9): the graph of automations connected by releases, and promotion of
// the release one stage runs onward to the next. Mounted under `releases` (releases.pipelines,
// releases.promote), the paths the CLI and web UI call.
import { activeUpgrade, buildPipelines, promoteRelease } from '@ferry/core';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { opContext } from '../audit.js';
import { unwrap } from '../errors.js';
import { semverInput, storeCreated } from '../release-flow.js';
import { lockAutomationPair, toAutomation } from '../repositories/automation-repository.js';
import {
  ledgerOf,
  listReleases,
  pendingReleaseOf,
  pipelineFacts,
  rollbackFacts,
  releaseById,
} from '../repositories/release-repository.js';
import { procedure } from '../trpc.js';
import { automationRef, description } from './inputs.js';

export const pipelineProcedures = {
  /** Rule 9: offer the release `from` last accepted onward to `to`, with the same content hash. */
  promote: procedure('create-release')
    .input(
      z.object({
        from: automationRef,
        to: automationRef,
        version: semverInput,
        description: description.optional(),
        force: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const [from, to] = await lockAutomationPair(
          tx,
          { ref: input.from, field: 'from' },
          { ref: input.to, field: 'to' },
        );
        const fromLedger = await ledgerOf(tx, from.id);
        const active = activeUpgrade(fromLedger);
        const created = unwrap(
          promoteRelease(
            {
              from: toAutomation(from),
              target: toAutomation(to),
              version: input.version,
              ...(input.description !== undefined && { description: input.description }),
              pending: await pendingReleaseOf(tx, to.id),
              ledger: await ledgerOf(tx, to.id),
              history: await listReleases(tx, { automationId: to.id, role: 'target' }),
              force: input.force ?? false,
              fromLedger,
              accepted: active ? await releaseById(tx, active.releaseId) : null,
            },
            opContext(ctx, uuidv7),
          ),
        );
        return storeCreated(tx, ctx, created, from, to);
      }),
    ),

  /**
   * Every pipeline: automations connected by releases (an edge per source → target pair), in
   * order (Dev → Staging → Prod), each with the release it runs and its pending one.
   */
  pipelines: procedure('read').query(async ({ ctx }) => {
    const facts = await pipelineFacts(ctx.db);
    // What each stage runs after rollbacks: when each was rolled back, and its backup's content.
    return buildPipelines({ ...facts, ...(await rollbackFacts(ctx.db, [facts.upgrades])) });
  }),
};
