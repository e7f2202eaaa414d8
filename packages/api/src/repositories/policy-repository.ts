// The instance policy (admin-set): acceptor ≠ creator, required approvals, and retention of
// automatic versions.
import type { Policy } from '@ferry/core';
import type { Db } from '@ferry/db';
import { readSetting, writeSetting } from './instance-setting-repository.js';

export interface InstancePolicy extends Policy {
  /** Keep at most this many automatic versions per automation (null: keep all). Pinned ones never count. */
  keepAutomaticVersions: number | null;
  /** Approvals a release needs before an upgrade (0: none). */
  requiredApprovals: number;
}

export const DEFAULT_POLICY: InstancePolicy = {
  acceptorMustDifferFromCreator: false,
  keepAutomaticVersions: null,
  requiredApprovals: 0,
};

export async function getPolicy(db: Db): Promise<InstancePolicy> {
  const stored = (await readSetting(db, 'policy')) as Partial<InstancePolicy> | undefined;
  return { ...DEFAULT_POLICY, ...(stored ?? {}) };
}

export async function setPolicy(db: Db, policy: InstancePolicy): Promise<void> {
  await writeSetting(db, 'policy', policy);
}
