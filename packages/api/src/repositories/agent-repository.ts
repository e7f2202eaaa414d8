// Agents: the bot users that belong to exactly one automation (DESIGN.md rule 12), by automation
// or name, and their writes.
import { schema, type Db } from '@ferry/db';
import { and, asc, eq, or } from 'drizzle-orm';

export type AgentRow = typeof schema.agents.$inferSelect;

/** The automation that has an agent of this name, or null. */
export async function agentOwner(
  db: Db,
  agent: string,
): Promise<{ id: string; name: string } | null> {
  const [owner] = await db
    .select({ id: schema.automations.id, name: schema.automations.name })
    .from(schema.agents)
    .innerJoin(schema.automations, eq(schema.automations.id, schema.agents.automationId))
    .where(eq(schema.agents.name, agent));
  return owner ?? null;
}

/** An automation's agents, by name. */
export const agentsOf = (db: Db, automationId: string): Promise<AgentRow[]> =>
  db
    .select()
    .from(schema.agents)
    .where(eq(schema.agents.automationId, automationId))
    .orderBy(asc(schema.agents.name));

/** One of an automation's agents by id or name, or null. */
export async function findAgentOf(
  db: Db,
  automationId: string,
  ref: string,
): Promise<AgentRow | null> {
  const [agent] = await db
    .select()
    .from(schema.agents)
    .where(
      and(
        eq(schema.agents.automationId, automationId),
        or(eq(schema.agents.id, ref), eq(schema.agents.name, ref)),
      ),
    );
  return agent ?? null;
}

export async function insertAgent(
  tx: Db,
  agent: { id: string; automationId: string; name: string },
): Promise<AgentRow> {
  const [row] = await tx.insert(schema.agents).values(agent).returning();
  if (!row) throw new Error('inserting an agent returned no row');
  return row;
}

export async function deleteAgent(tx: Db, id: string): Promise<void> {
  await tx.delete(schema.agents).where(eq(schema.agents.id, id));
}
