// The stages of a pipeline, left to right: releases.pipelines gives each automation its depth
// (the longest chain of releases leading to it); automations at the same depth share a column.
export function stagesOf<T extends { depth: number }>(automations: readonly T[]): T[][] {
  const byDepth = new Map<number, T[]>();
  for (const a of automations) byDepth.set(a.depth, [...(byDepth.get(a.depth) ?? []), a]);
  return [...byDepth.entries()].sort(([a], [b]) => a - b).map(([, members]) => members);
}
