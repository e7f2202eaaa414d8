// The instance policy (admin-set): acceptor ≠ creator, and retention of automatic versions.
import type { Policy } from '@ferry/core';
import { schema, type Db } from '@ferry/db';
import { eq } from 'drizzle-orm';

export interface InstancePolicy extends Policy {
  /** Keep at most this many automatic versions per automation (null: keep all). Pinned ones never count. */
  keepAutomaticVersions: number | null;
}

export const DEFAULT_POLICY: InstancePolicy = {
  acceptorMustDifferFromCreator: false,
  keepAutomaticVersions: null,
};

export async function getPolicy(db: Db): Promise<InstancePolicy> {
  const [row] = await db
    .select()
    .from(schema.instanceSettings)
    .where(eq(schema.instanceSettings.key, 'policy'));
  return { ...DEFAULT_POLICY, ...((row?.value as Partial<InstancePolicy> | undefined) ?? {}) };
}

export async function setPolicy(db: Db, policy: InstancePolicy): Promise<void> {
  await db
    .insert(schema.instanceSettings)
    .values({ key: 'policy', value: policy })
    .onConflictDoUpdate({ target: schema.instanceSettings.key, set: { value: policy } });
}
