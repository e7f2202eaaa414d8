// Agents (bot users): deployment bindings of one automation. An agent belongs to exactly one
// automation and never travels with a release, so adding a name another automation uses is refused.
import { schema, type Db } from '@ferry/db';
import { and, asc, eq, or } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import { fail } from '../errors.js';
import {
  findAutomation,
  lockAutomation,
  type AutomationRow,
} from '../repositories/automation-repository.js';
import { isUniqueViolation } from '../repositories/unique.js';
import { procedure, router } from '../trpc.js';
import { automationRef, name, refInput } from './inputs.js';

type AgentRow = typeof schema.agents.$inferSelect;

const view = (a: AgentRow) => ({ id: a.id, name: a.name, createdAt: a.createdAt.toISOString() });

/** CONFLICT naming the automation that already has this agent. */
async function requireFreeAgent(db: Db, agent: string, automation: AutomationRow): Promise<void> {
  const [owner] = await db
    .select({ id: schema.automations.id, name: schema.automations.name })
    .from(schema.agents)
    .innerJoin(schema.automations, eq(schema.automations.id, schema.agents.automationId))
    .where(eq(schema.agents.name, agent));
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
      const agents = await ctx.db
        .select()
        .from(schema.agents)
        .where(eq(schema.agents.automationId, row.id))
        .orderBy(asc(schema.agents.name));
      return { automation: { id: row.id, name: row.name }, agents: agents.map(view) };
    }),

  add: procedure('admin')
    .input(z.object({ automation: automationRef, name }))
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.db.transaction(async (tx) => {
          const row = await lockAutomation(tx, input.automation);
          await requireFreeAgent(tx, input.name, row);
          const [agent] = await tx
            .insert(schema.agents)
            .values({ id: uuidv7(), automationId: row.id, name: input.name })
            .returning();
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'agent.add', row.id, { details: { agent: input.name } }),
          );
          return { automation: { id: row.id, name: row.name }, agent: view(agent!) };
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
        agent: refInput('names an agent (id or name)'),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const row = await lockAutomation(tx, input.automation);
        const [agent] = await tx
          .select()
          .from(schema.agents)
          .where(
            and(
              eq(schema.agents.automationId, row.id),
              or(eq(schema.agents.id, input.agent), eq(schema.agents.name, input.agent)),
            ),
          );
        if (!agent)
          fail('NOT_FOUND', `"${row.name}" has no agent "${input.agent}".`, 'agent', {
            automation: row.name,
          });
        await tx.delete(schema.agents).where(eq(schema.agents.id, agent!.id));
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'agent.remove', row.id, { details: { agent: agent!.name } }),
        );
        return { automation: { id: row.id, name: row.name }, agent: view(agent!), removed: true };
      }),
    ),
});
