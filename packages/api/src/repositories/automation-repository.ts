// Automations: find by id or unique name, lock for a change, write the changed state back.
import type { Automation } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { eq, or } from 'drizzle-orm';
import { fail } from '../errors.js';

export type AutomationRow = typeof schema.automations.$inferSelect;

export const toAutomation = (row: AutomationRow): Automation => ({
  id: row.id,
  name: row.name,
  revision: row.revision,
  root: row.root,
  environmentId: row.environmentId,
  agents: [],
  lastVersionNumber: row.lastVersionNumber,
});

const byRef = (ref: string) => or(eq(schema.automations.id, ref), eq(schema.automations.name, ref));

/** The automation named by id or unique name; NOT_FOUND otherwise. */
export async function findAutomation(
  db: Db,
  ref: string,
  field = 'automation',
): Promise<AutomationRow> {
  const rows = await db.select().from(schema.automations).where(byRef(ref)).limit(2);
  const row = rows.find((r) => r.id === ref) ?? rows[0];
  return row ?? fail('NOT_FOUND', `There is no automation "${ref}".`, field);
}

/** Same, locking the row until the transaction ends, so changes to one automation never interleave. */
export async function lockAutomation(
  tx: Db,
  ref: string,
  field = 'automation',
): Promise<AutomationRow> {
  const found = await findAutomation(tx, ref, field);
  const [row] = await tx
    .select()
    .from(schema.automations)
    .where(eq(schema.automations.id, found.id))
    .for('update');
  return row ?? fail('NOT_FOUND', `There is no automation "${ref}".`, field);
}

/** Write a changed automation state (root, revision, version counter) back. */
export async function storeAutomation(tx: Db, next: Automation): Promise<void> {
  await tx
    .update(schema.automations)
    .set({
      root: next.root,
      revision: next.revision,
      lastVersionNumber: next.lastVersionNumber,
      updatedAt: new Date(),
    })
    .where(eq(schema.automations.id, next.id));
}

/** Rule 10: a change based on a stale revision writes nothing. */
export function requireRevision(row: AutomationRow, baseRevision: number | undefined): void {
  if (baseRevision !== undefined && baseRevision !== row.revision)
    fail(
      'CONFLICT',
      `"${row.name}" was changed since revision ${baseRevision} (it is now at revision ${row.revision}); reload and try again.`,
      'baseRevision',
      { expected: baseRevision, actual: row.revision },
    );
}

/** A change of the working copy or name: the revision moves on by one. */
export async function advanceAutomation(
  tx: Db,
  row: AutomationRow,
  change: { root?: string; name?: string },
): Promise<AutomationRow> {
  const [next] = await tx
    .update(schema.automations)
    .set({ ...change, revision: row.revision + 1, updatedAt: new Date() })
    .where(eq(schema.automations.id, row.id))
    .returning();
  return next!;
}
