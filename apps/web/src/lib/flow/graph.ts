// An automation's flow graph (built by `flowGraph` in @ferry/core) laid out for the page with
// dagre: every node gets a size by its kind and a top-left position.
import dagre from '@dagrejs/dagre';
import {
  flowGraph,
  type BotContent,
  type Change,
  type FlowGraph as UnplacedGraph,
  type FlowNode as UnplacedNode,
} from '@ferry/core';

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

/** The graph of `content` (with `changes` marked, see `flowGraph`), laid out. */
export const buildGraph = (content: BotContent, changes: readonly Change[] = []): FlowGraph =>
  layout(flowGraph(content, changes));

/** Top-to-bottom layout with dagre; node positions are their top-left corners. */
export function layout(graph: UnplacedGraph): FlowGraph {
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
