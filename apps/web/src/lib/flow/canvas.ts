// What the canvas draws, from either level of the flow view: the packed overview (a node per
// dialog, edges by index) or one dialog's laid-out graph. Names and texts are bot content: the
// canvas only ever interpolates them as text. A dialog node's `href` opens that dialog.
import type { FlowStatus } from '@ferry/core';
import { plural } from '@ferry/core/rules';
import type { FlowGraph } from './graph';
import { OVERVIEW_NODE, type PackedOverview } from './overview';
import { STATUS_LABEL } from './status';

export interface CanvasNode {
  id: string;
  kind: 'dialog' | 'interaction';
  name: string;
  type: string;
  text: string;
  status: FlowStatus;
  /** Overview nodes: how many interactions the dialog has and how many of its nodes changed. */
  interactions?: number;
  changes?: number;
  /** One dialog's graph: a dialog it links to or from. */
  external?: boolean;
  /** Where the node's name leads: the dialog's own graph. */
  href?: string;
  x: number;
  y: number;
  width: number;
  height: number;
  draggable?: boolean;
}

export interface CanvasEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  kind: string;
}

export { plural };

/** A node in words, for its aria-label: how it changed, what it is, its name and text. */
export function describeNode(n: CanvasNode): string {
  return [
    n.status === 'unchanged' ? '' : STATUS_LABEL[n.status],
    n.kind === 'dialog' ? (n.external ? 'another dialog' : 'dialog') : `interaction (${n.type})`,
    n.name,
    n.interactions === undefined ? '' : plural(n.interactions, 'interaction', 'interactions'),
    n.changes ? plural(n.changes, 'change', 'changes') : '',
    n.text,
  ]
    .filter((s) => s !== '')
    .join(', ');
}

/** The overview as canvas nodes and edges; `open` gives a dialog node's link. */
export function overviewCanvas(
  o: PackedOverview,
  open: (node: string) => string,
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  return {
    nodes: o.nodes.map((n) => ({
      ...n,
      kind: 'dialog' as const,
      text: '',
      href: open(n.id),
      ...OVERVIEW_NODE,
      draggable: false,
    })),
    edges: o.edges.flatMap(([s, t, links]) => {
      const source = o.nodes[s]?.id;
      const target = o.nodes[t]?.id;
      if (source === undefined || target === undefined) return [];
      return [
        {
          id: `${source}->${target}`,
          source,
          target,
          label: links > 1 ? plural(links, 'link', 'links') : '',
          kind: 'dialog',
        },
      ];
    }),
  };
}

/** One dialog's laid-out graph as canvas nodes; the dialogs around it link to their own graphs. */
export function dialogCanvas(
  g: FlowGraph,
  open: (node: string) => string,
): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  return {
    nodes: g.nodes.map((n) => ({ ...n, ...(n.external && { href: open(n.id) }) })),
    edges: g.edges,
  };
}

/** Each node's links out, to the nodes they reach, in the edges' order. */
export function linksFrom(graph: {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}): Map<string, { to: CanvasNode; label: string }[]> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, { to: CanvasNode; label: string }[]>();
  for (const e of graph.edges) {
    const to = byId.get(e.target);
    if (!to) continue;
    const list = out.get(e.source);
    if (list) list.push({ to, label: e.label });
    else out.set(e.source, [{ to, label: e.label }]);
  }
  return out;
}
