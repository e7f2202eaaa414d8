// One dialog's flow graph (the API's `flow.dialog`, built by core's `dialogFlowGraph`) laid out
// for the page: every node gets a size by its kind and a top-left position. dagre draws a
// dialog's graph well and quickly; a dialog of hundreds of interactions, where dagre takes
// seconds, gets the overview's layered layout instead.
import dagre from '@dagrejs/dagre';
import type { FlowGraph as UnplacedGraph, FlowNode as UnplacedNode } from '@ferry/core';
import { layeredLayout } from './overview';

export type { FlowEdge, FlowEdgeKind, FlowStatus } from '@ferry/core';

export interface FlowNode extends UnplacedNode {
  /** The node's top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export type FlowGraph = UnplacedGraph<FlowNode>;

const SIZE = {
  dialog: { width: 240, height: 56 },
  interaction: { width: 240, height: 96 },
};

/** More nodes than this are laid out in layers rather than by dagre. */
export const DAGRE_MAX_NODES = 200;

/** Top-to-bottom layout; node positions are their top-left corners. */
export function layout(graph: UnplacedGraph): FlowGraph {
  if (graph.nodes.length > DAGRE_MAX_NODES) return layered(graph);
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 60, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { ...SIZE[n.kind] });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return {
    nodes: graph.nodes.map((n) => {
      const { width, height } = SIZE[n.kind];
      const { x = 0, y = 0 } = g.node(n.id);
      return { ...n, x: x - width / 2, y: y - height / 2, width, height };
    }),
    edges: graph.edges,
  };
}

/** The layered layout, every node in a cell the size of the largest kind. */
function layered(graph: UnplacedGraph): FlowGraph {
  const at = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const pairs = graph.edges.flatMap((e) => {
    const s = at.get(e.source);
    const t = at.get(e.target);
    return s === undefined || t === undefined ? [] : [[s, t] as const];
  });
  const placed = layeredLayout(graph.nodes.length, pairs, SIZE.interaction);
  return {
    nodes: graph.nodes.map((n, i) => ({
      ...n,
      x: placed.x[i] ?? 0,
      y: placed.y[i] ?? 0,
      ...SIZE[n.kind],
    })),
    edges: graph.edges,
  };
}
