// Agents (bot users): deployment bindings of one automation. An agent belongs to exactly one
// automation and never travels with a release, so adding a name another automation uses is refused.
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import { fail } from '../errors.js';
import {
  agentOwner,
  agentsOf,
  deleteAgent,
  findAgentOf,
  insertAgent,
  type AgentRow,
} from '../repositories/agent-repository.js';
import {
  advanceAutomation,
  findAutomation,
  lockAutomation,
  requireRevision,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { procedure, router } from '../trpc.js';
import { isUniqueViolation } from '../unique-violation.js';
import { automationRef, ifRevision, name, refInput } from './inputs.js';

/** The automation after the change: adding or removing an agent moves its revision on. */
const automationView = (a: AutomationRow) => ({ id: a.id, name: a.name, revision: a.revision });

const view = (a: AgentRow) => ({ id: a.id, name: a.name, createdAt: a.createdAt.toISOString() });

/** CONFLICT naming the automation that already has this agent. */
async function requireFreeAgent(db: Db, agent: string, automation: AutomationRow): Promise<void> {
  const owner = await agentOwner(db, agent);
  if (!owner) return;
  if (owner.id === automation.id)
    fail('CONFLICT', `"${automation.name}" already has the agent "${agent}".`, 'name', {
      automation: owner.name,
    });
  fail(
    'CONFLICT',
    `The agent "${agent}" belongs to "${owner.name}"; an agent belongs to exactly one automation, so remove it there first.`,
    'name',
    { automation: owner.name },
  );
}

export const agentsRouter = router({
  list: procedure('read')
    .input(z.object({ automation: automationRef }))
    .query(async ({ ctx, input }) => {
      const row = await findAutomation(ctx.db, input.automation);
      const agents = await agentsOf(ctx.db, row.id);
      return { automation: { id: row.id, name: row.name }, agents: agents.map(view) };
    }),

  add: procedure('admin')
    .input(z.object({ automation: automationRef, name, ifRevision }))
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.db.transaction(async (tx) => {
          const row = await lockAutomation(tx, input.automation);
          requireRevision(row, input.ifRevision, 'ifRevision');
          await requireFreeAgent(tx, input.name, row);
          const agent = await insertAgent(tx, {
            id: uuidv7(),
            automationId: row.id,
            name: input.name,
          });
          const next = await advanceAutomation(tx, row, {});
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'agent.add', row.id, { details: { agent: input.name } }),
          );
          return { automation: automationView(next), agent: view(agent) };
        });
      } catch (e) {
        // Another request added the same name between the check and the insert.
        if (isUniqueViolation(e)) {
          const row = await findAutomation(ctx.db, input.automation);
          await requireFreeAgent(ctx.db, input.name, row);
        }
        throw e;
      }
    }),

  /** Remove an agent (by id or name) from the automation it belongs to. */
  remove: procedure('admin')
    .input(
      z.object({
        automation: automationRef,
        agent: refInput('must name an agent by id or name'),
        ifRevision,
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        requireRevision(row, input.ifRevision, 'ifRevision');
        const agent = await findAgentOf(tx, row.id, input.agent);
        if (!agent)
          return fail('NOT_FOUND', `"${row.name}" has no agent "${input.agent}".`, 'agent', {
            automation: row.name,
          });
        await deleteAgent(tx, agent.id);
        const next = await advanceAutomation(tx, row, {});
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'agent.remove', row.id, { details: { agent: agent.name } }),
        );
        return { automation: automationView(next), agent: view(agent), removed: true };
      }),
    ),
});
