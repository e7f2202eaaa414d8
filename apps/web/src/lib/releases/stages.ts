// The stages of a pipeline, left to right: releases.pipelines gives each automation its depth
// (the longest chain of releases leading to it); automations at the same depth share a column.
export function stagesOf<T extends { depth: number }>(automations: readonly T[]): T[][] {
  const byDepth = new Map<number, T[]>();
  for (const a of automations) byDepth.set(a.depth, [...(byDepth.get(a.depth) ?? []), a]);
  return [...byDepth.entries()].sort(([a], [b]) => a - b).map(([, members]) => members);
}

/** A stage whose accepted release can be promoted onward: the automation and that release's number. */
export interface PromotableStage {
  id: string;
  name: string;
  version: string;
}

/**
 * The automations a stage has released to before (Dev → Staging → Prod: Staging's next is Prod),
 * that still exist: where its accepted release goes next, one click each.
 */
export function nextStages(
  pipeline: {
    edges: readonly {
      sourceId: string;
      targetId: string;
      targetName: string;
      targetDeleted: boolean;
    }[];
  },
  id: string,
): { id: string; name: string }[] {
  return pipeline.edges
    .filter((e) => e.sourceId === id && e.targetId !== id && !e.targetDeleted)
    .map((e) => ({ id: e.targetId, name: e.targetName }));
}
