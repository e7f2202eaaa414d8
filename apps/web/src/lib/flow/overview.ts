// The flow overview for the page: the API's dialog graph (`flow.overview`) laid out in layers and
// packed small. The layout is deterministic and linear in dialogs and links: a dialog's layer is
// how many links lead to it from a dialog nothing links into (breadth first, in the bot's order),
// each layer wraps into rows, and dialogs linked with no other come last as a grid. dagre takes
// about a second for 2,000 dialogs; this takes milliseconds, the same on every load.
import type { FlowStatus, OverviewEdge, OverviewNode } from '@ferry/core';

/** Every overview node's size. */
export const OVERVIEW_NODE = { width: 220, height: 72 };
const GAP_X = 40;
const GAP_Y = 32;
/** Extra space between layers, where the edges run. */
const LAYER_GAP = 56;

export interface Layered {
  x: number[];
  y: number[];
  /** The whole drawing's size. */
  width: number;
  height: number;
}

/** How many nodes a row takes: about a square for a few, at most 12 for thousands. */
export const columnsFor = (count: number) => Math.max(4, Math.min(12, Math.ceil(Math.sqrt(count))));

/**
 * Positions (top-left corners) of `count` nodes of `size` joined by `edges` (index pairs), in
 * layers by breadth-first depth from the nodes nothing links into (a cycle with no way in starts
 * at its first node in order), each layer in rows of `columns`, the unlinked nodes last.
 */
export function layeredLayout(
  count: number,
  edges: readonly (readonly [number, number])[],
  size = OVERVIEW_NODE,
  columns = columnsFor(count),
): Layered {
  const out: number[][] = Array.from({ length: count }, () => []);
  const incoming = new Array<number>(count).fill(0);
  const linked = new Array<boolean>(count).fill(false);
  for (const [s, t] of edges) {
    if (s === t || s < 0 || t < 0 || s >= count || t >= count) continue;
    out[s]?.push(t);
    incoming[t] = (incoming[t] ?? 0) + 1;
    linked[s] = linked[t] = true;
  }
  const layer = new Array<number>(count).fill(-1);
  const layers: number[][] = [];
  const visit = (starts: number[]) => {
    const queue = [...starts];
    for (const s of starts) layer[s] = 0;
    for (let head = 0; head < queue.length; head++) {
      const n = queue[head] as number;
      const depth = layer[n] as number;
      (layers[depth] ??= []).push(n);
      for (const t of out[n] ?? [])
        if (layer[t] === -1) {
          layer[t] = depth + 1;
          queue.push(t);
        }
    }
  };
  const roots: number[] = [];
  for (let n = 0; n < count; n++) if (linked[n] && incoming[n] === 0) roots.push(n);
  visit(roots);
  for (let n = 0; n < count; n++) if (linked[n] && layer[n] === -1) visit([n]);
  const alone: number[] = [];
  for (let n = 0; n < count; n++) if (!linked[n]) alone.push(n);
  if (alone.length > 0) layers.push(alone);

  const cellX = size.width + GAP_X;
  const cellY = size.height + GAP_Y;
  const x = new Array<number>(count).fill(0);
  const y = new Array<number>(count).fill(0);
  let top = 0;
  let widest = 0;
  for (const nodes of layers) {
    for (let start = 0; start < nodes.length; start += columns) {
      const row = nodes.slice(start, start + columns);
      // Rows centred on the widest possible row.
      const left = ((columns - row.length) * cellX) / 2;
      row.forEach((n, i) => {
        x[n] = left + i * cellX;
        y[n] = top;
      });
      widest = Math.max(widest, row.length);
      top += cellY;
    }
    top += LAYER_GAP;
  }
  return {
    x,
    y,
    width: Math.min(columns, Math.max(widest, 1)) * cellX,
    height: Math.max(0, top - LAYER_GAP - GAP_Y),
  };
}

/** One overview node as the page gets it: the API's, with its place. */
export interface PlacedDialog {
  id: string;
  name: string;
  type: string;
  interactions: number;
  status: FlowStatus;
  changes: number;
  x: number;
  y: number;
}

/** The overview as the page gets it: edges as [source, target, links] by node index. */
export interface PackedOverview {
  nodes: PlacedDialog[];
  edges: [number, number, number][];
  /** Indexes of the marked dialogs, in order. */
  changed: number[];
  width: number;
  height: number;
}

/** The API's overview laid out and packed: what the page sends for a bot of thousands of dialogs. */
export function packOverview(overview: {
  nodes: OverviewNode[];
  edges: OverviewEdge[];
  changed: string[];
}): PackedOverview {
  const at = new Map(overview.nodes.map((n, i) => [n.id, i]));
  const edges: [number, number, number][] = [];
  for (const e of overview.edges) {
    const s = at.get(e.source);
    const t = at.get(e.target);
    if (s !== undefined && t !== undefined) edges.push([s, t, e.links]);
  }
  const placed = layeredLayout(
    overview.nodes.length,
    edges.map(([s, t]) => [s, t] as const),
  );
  return {
    nodes: overview.nodes.map((n, i) => ({
      id: n.id,
      name: n.name,
      type: n.type,
      interactions: n.interactions,
      status: n.status,
      changes: n.changes,
      x: placed.x[i] ?? 0,
      y: placed.y[i] ?? 0,
    })),
    edges,
    changed: overview.changed.flatMap((id) => {
      const i = at.get(id);
      return i === undefined ? [] : [i];
    }),
    width: placed.width,
    height: placed.height,
  };
}
