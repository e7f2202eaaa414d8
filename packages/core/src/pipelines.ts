// Pipelines (DESIGN.md rule 9): automations connected by releases, grouped and put in stage order
// (Dev → Staging → Prod), each with the release it runs and its pending one. Pure: facts in, graph out.
import type { ReleaseStatus, Upgrade } from './automation.js';
import { whatRuns } from './releases.js';

/** A release as a pipeline sees it: its two parties (and the names it kept for them) and status. */
export interface PipelineRelease {
  id: string;
  sourceId: string;
  targetId: string;
  version: string;
  status: ReleaseStatus;
  /** ISO-8601 time. */
  createdAt: string;
  /** The names the release kept for its parties, shown once an automation has been deleted. */
  sourceName: string | null;
  targetName: string | null;
}

/** An automation that still exists, with the name of its linked environment (if any). */
export interface PipelineAutomation {
  id: string;
  name: string;
  revision: number;
  environment: string | null;
}

export interface PipelineFacts {
  /** Every release, oldest first. */
  releases: readonly PipelineRelease[];
  /** The automations the releases name that still exist; a missing one has been deleted. */
  automations: readonly PipelineAutomation[];
  /** The upgrade ledgers of those automations, each target's oldest first. */
  upgrades: readonly Upgrade[];
  /** When each rolled-back upgrade was rolled back, and its backup's root (see `whatRuns`). */
  rolledBackAt?: ReadonlyMap<string, string>;
  backupRoots?: ReadonlyMap<string, string>;
}

export interface PipelineStage {
  id: string;
  name: string;
  deleted: boolean;
  revision: number | null;
  environment: string | null;
  /** The longest chain of releases leading to this automation (0: nothing releases to it). */
  depth: number;
  /** The release it runs; null when none, or when it runs a rollback's backup (`runsBackup`). */
  runsRelease: { id: string; version: string } | null;
  /** It runs the backup taken before upgrading to this release (rolled back), which is no release. */
  runsBackup: { releaseId: string; version: string } | null;
  pendingRelease: { id: string; version: string; sourceId: string } | null;
}

export interface PipelineEdge {
  sourceId: string;
  sourceName: string;
  sourceDeleted: boolean;
  targetId: string;
  targetName: string;
  targetDeleted: boolean;
  /** How many releases went from source to target. */
  releases: number;
  lastRelease: { id: string; version: string; status: ReleaseStatus; createdAt: string };
}

export interface Pipeline {
  /** The stage names in order, e.g. "Dev → Staging → Prod"; a deleted one marked "(deleted)". */
  label: string;
  automations: PipelineStage[];
  edges: PipelineEdge[];
}

/** Sort in place by a string key (code-point order, the same on every machine and locale). */
function sortByKey<T>(xs: T[], key: (x: T) => string): T[] {
  return xs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Every pipeline: the connected components of the release graph (an edge per source → target
 * pair, direction ignored for grouping), stages ordered by depth then name, sorted by label.
 */
export function buildPipelines(facts: PipelineFacts): Pipeline[] {
  const { releases } = facts;
  if (releases.length === 0) return [];
  const ids = [...new Set(releases.flatMap((r) => [r.sourceId, r.targetId]))];
  const automations = new Map(facts.automations.map((a) => [a.id, a]));

  // One edge per source → target pair, with its latest release.
  const edges = new Map<
    string,
    { sourceId: string; targetId: string; releases: number; last: PipelineRelease }
  >();
  for (const r of releases) {
    const key = `${r.sourceId}\u0000${r.targetId}`;
    const edge = edges.get(key);
    if (edge) {
      edge.releases++;
      edge.last = r;
    } else edges.set(key, { sourceId: r.sourceId, targetId: r.targetId, releases: 1, last: r });
  }
  // Connected components (edge direction ignored) are the pipelines.
  const parent = new Map(ids.map((id) => [id, id]));
  const findRoot = (id: string): string => {
    let x = id;
    for (let up = parent.get(x); up !== undefined && up !== x; up = parent.get(x)) x = up;
    parent.set(id, x);
    return x;
  };
  for (const e of edges.values()) parent.set(findRoot(e.sourceId), findRoot(e.targetId));
  const components = new Map<string, string[]>();
  for (const id of ids) {
    const root = findRoot(id);
    components.set(root, [...(components.get(root) ?? []), id]);
  }
  // A deleted automation stays a stage, named as its releases kept it (rule 15).
  const keptNames = new Map<string, string>();
  for (const r of releases) {
    if (r.sourceName !== null) keptNames.set(r.sourceId, r.sourceName);
    if (r.targetName !== null) keptNames.set(r.targetId, r.targetName);
  }
  const nameOf = (id: string) => automations.get(id)?.name ?? keptNames.get(id) ?? id;
  const deleted = (id: string) => !automations.has(id);

  const pipelines = [...components.values()].map((members): Pipeline => {
    const inside = new Set(members);
    const own = [...edges.values()].filter((e) => inside.has(e.sourceId));
    const depth = stageDepths(
      members,
      own.filter((e) => e.sourceId !== e.targetId),
      nameOf,
    );
    const depthOf = (id: string) => depth.get(id) ?? 0;
    const ordered = sortByKey(
      [...members],
      (id) => `${String(depthOf(id)).padStart(6, '0')}\u0000${nameOf(id)}`,
    );
    const stages = ordered.map((id): PipelineStage => {
      const a = automations.get(id);
      const running = whatRuns(
        facts.upgrades.filter((u) => u.targetId === id),
        facts.rolledBackAt ?? new Map(),
        facts.backupRoots ?? new Map(),
      );
      const pending = releases.find((r) => r.targetId === id && r.status === 'pending');
      return {
        id,
        name: nameOf(id),
        deleted: deleted(id),
        revision: a?.revision ?? null,
        environment: a?.environment ?? null,
        depth: depthOf(id),
        runsRelease: running.kind === 'release' ? running.release : null,
        runsBackup:
          running.kind === 'backup'
            ? { releaseId: running.rolledBack.id, version: running.rolledBack.version }
            : null,
        pendingRelease: pending
          ? { id: pending.id, version: pending.version, sourceId: pending.sourceId }
          : null,
      };
    });
    return {
      label: stages.map((s) => (s.deleted ? `${s.name} (deleted)` : s.name)).join(' → '),
      automations: stages,
      edges: own.map((e) => ({
        sourceId: e.sourceId,
        sourceName: nameOf(e.sourceId),
        sourceDeleted: deleted(e.sourceId),
        targetId: e.targetId,
        targetName: nameOf(e.targetId),
        targetDeleted: deleted(e.targetId),
        releases: e.releases,
        lastRelease: {
          id: e.last.id,
          version: e.last.version,
          status: e.last.status,
          createdAt: e.last.createdAt,
        },
      })),
    };
  });
  return sortByKey(pipelines, (p) => p.label);
}

/**
 * The stage of each automation in a pipeline: the longest chain of releases leading to it (0 for
 * automations nothing releases to). Cycles (a hotfix released back) are broken at the automation
 * with the fewest open incoming edges, so every automation gets a stage.
 */
export function stageDepths(
  members: readonly string[],
  edges: readonly { sourceId: string; targetId: string }[],
  nameOf: (id: string) => string = (id) => id,
): Map<string, number> {
  const incoming = new Map(members.map((id) => [id, 0]));
  const out = new Map<string, string[]>(members.map((id) => [id, []]));
  for (const e of edges) {
    incoming.set(e.targetId, (incoming.get(e.targetId) ?? 0) + 1);
    out.get(e.sourceId)?.push(e.targetId);
  }
  const open = (id: string) => incoming.get(id) ?? 0;
  const depth = new Map(members.map((id) => [id, 0]));
  const placed = new Set<string>();
  const byName = (a: string, b: string) =>
    nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
  while (placed.size < members.length) {
    const unplaced = members.filter((id) => !placed.has(id));
    const ready = unplaced.filter((id) => open(id) === 0).sort(byName);
    // unplaced is never empty here: placed grows by one each round up to members.length.
    const next = ready[0] ?? unplaced.sort((a, b) => open(a) - open(b) || byName(a, b))[0];
    if (next === undefined) break;
    placed.add(next);
    const from = depth.get(next) ?? 0;
    for (const t of out.get(next) ?? []) {
      if (placed.has(t)) continue;
      incoming.set(t, open(t) - 1);
      depth.set(t, Math.max(depth.get(t) ?? 0, from + 1));
    }
  }
  return depth;
}
