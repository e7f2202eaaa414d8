// A big bot's flow at two levels: an overview with a node per dialog and an edge wherever an
// interaction of one dialog links into another, and one dialog's own graph (flow-graph.ts) with the
// dialogs it links to and from around it. A dialog's part (its names and the links that may leave
// it) is a function of that dialog's content alone, so a server computes it once per dialog node
// hash; resolving the parts into the overview costs the number of dialogs and links, not a read of
// the bot. Like flowGraph, it reads untrusted content and returns plain strings.
import { nonBlank } from './cb-shape.js';
import type { DialogContent } from './content.js';
import type { Change } from './diff.js';
import {
  FLOW_DIALOG_PREFIX,
  flowGraph,
  interactionLinks,
  type FlowEdge,
  type FlowEdgeKind,
  type FlowGraph,
  type FlowNode,
  type FlowStatus,
  type InteractionLink,
} from './flow-graph.js';
import type { JsonObject } from './json.js';

/** One link of a dialog's part: from which of its interactions, to what (unresolved). */
export interface FlowExit extends InteractionLink {
  from: string;
}

/** What the overview needs of one dialog, from its content alone. */
export interface DialogFlowPart {
  id: string;
  name: string;
  /** CB's dialog type. */
  type: string;
  /** Its interactions' ids and names (null when blank), in order. */
  interactions: { id: string; name: string | null }[];
  /** Its interactions' links that may leave it: to interactions it lacks, to dialogs, by name. */
  exits: FlowExit[];
}

/** The part of one dialog (its CB `groups` entry and its interactions). */
export function dialogFlowPart(
  dialog: JsonObject,
  interactions: readonly JsonObject[],
): DialogFlowPart {
  const own = new Set(interactions.map((i) => String(i.id ?? '')));
  const exits: FlowExit[] = [];
  for (const entity of interactions) {
    const from = String(entity.id ?? '');
    if (from === '') continue;
    for (const link of interactionLinks(entity))
      if (link.by !== 'interaction' || !own.has(link.target)) exits.push({ from, ...link });
  }
  return {
    id: String(dialog.id ?? ''),
    name: nonBlank(dialog.name) ?? '(unnamed dialog)',
    type: nonBlank(dialog.dialogType) ?? 'DIALOG',
    interactions: interactions.map((i) => ({
      id: String(i.id ?? ''),
      name: nonBlank(i.name) ?? null,
    })),
    exits,
  };
}

/** A link from an interaction of one dialog into another dialog (at an interaction, or its start). */
export interface CrossLink {
  fromDialog: string;
  from: string;
  toDialog: string;
  /** The interaction it lands on; null for a jump to the dialog itself. */
  to: string | null;
  kind: FlowEdgeKind;
  label: string;
}

/** The parts of a bot resolved against each other. */
export interface FlowIndex {
  parts: DialogFlowPart[];
  /** Parts by dialog id (the first of a repeated id). */
  dialogs: Map<string, DialogFlowPart>;
  /** The dialog of each interaction id (its first occurrence). */
  interactionDialog: Map<string, string>;
  /** Interaction names to ids, for code's jumps by name; null when a name is used twice. */
  names: Map<string, string | null>;
  /** Every link between two different dialogs, in the parts' order. */
  links: CrossLink[];
}

/** Resolve `parts` (a bot's dialogs, in order) against each other. */
export function flowIndex(parts: readonly DialogFlowPart[]): FlowIndex {
  const dialogs = new Map<string, DialogFlowPart>();
  const interactionDialog = new Map<string, string>();
  const names = new Map<string, string | null>();
  const kept: DialogFlowPart[] = [];
  for (const part of parts) {
    if (dialogs.has(part.id)) continue;
    dialogs.set(part.id, part);
    kept.push(part);
    for (const { id, name } of part.interactions) {
      if (id === '' || interactionDialog.has(id)) continue;
      interactionDialog.set(id, part.id);
      if (name !== null) names.set(name, names.has(name) ? null : id);
    }
  }
  const links: CrossLink[] = [];
  for (const part of kept)
    for (const exit of part.exits) {
      let toDialog: string | undefined;
      let to: string | null = null;
      if (exit.by === 'dialog') toDialog = dialogs.has(exit.target) ? exit.target : undefined;
      else {
        const id = exit.by === 'interaction' ? exit.target : names.get(exit.target);
        toDialog = id ? interactionDialog.get(id) : undefined;
        to = id ?? null;
      }
      if (toDialog === undefined || toDialog === part.id) continue;
      links.push({
        fromDialog: part.id,
        from: exit.from,
        toDialog,
        to,
        kind: exit.kind,
        label: exit.label,
      });
    }
  return { parts: kept, dialogs, interactionDialog, names, links };
}

/** How one dialog changed in a diff, for the overview. */
export interface DialogMark {
  /** Its own op when the dialog entity itself changed, else "changed" when anything in it did. */
  status: FlowStatus;
  /** Whether the dialog entity itself was added, removed, changed or moved. */
  own: boolean;
  /** How many of its interactions changed (added, removed, changed or moved into it). */
  interactions: number;
  /** How many nodes its own graph marks: the changes "next change" steps through inside it. */
  changes: number;
}

/** The dialogs a diff touches (by dialog id), and how. */
export function dialogMarks(changes: readonly Change[]): Map<string, DialogMark> {
  const marks = new Map<string, DialogMark>();
  const mark = (id: string) => {
    let m = marks.get(id);
    if (!m) {
      m = { status: 'changed', own: false, interactions: 0, changes: 0 };
      marks.set(id, m);
    }
    return m;
  };
  for (const c of changes) {
    if (c.kind === 'dialog' && c.id !== null) {
      const m = mark(c.id);
      m.status = c.op;
      m.own = true;
    } else if (c.kind === 'interaction') {
      if (c.dialogId !== undefined) mark(c.dialogId).interactions++;
      // Moved out of a dialog: that dialog changed too, though none of its nodes shows it.
      if (c.fromDialogId !== undefined) mark(c.fromDialogId);
    }
  }
  for (const m of marks.values())
    m.changes = (m.own || m.interactions === 0 ? 1 : 0) + m.interactions;
  return marks;
}

export interface OverviewNode {
  /** The dialog's node id: FLOW_DIALOG_PREFIX and its id, as in its own graph. */
  id: string;
  name: string;
  type: string;
  interactions: number;
  status: FlowStatus;
  /** Marked nodes in its own graph (0 when unchanged). */
  changes: number;
}

export interface OverviewEdge {
  id: string;
  source: string;
  target: string;
  /** How many interaction links make up this edge. */
  links: number;
}

export interface FlowOverview {
  nodes: OverviewNode[];
  edges: OverviewEdge[];
  /** The ids of the marked nodes, in order: what "next change" steps through. */
  changed: string[];
}

/** The overview of an index: a node per dialog, an edge per pair of linked dialogs. */
export function flowOverview(
  index: FlowIndex,
  marks: ReadonlyMap<string, DialogMark> = new Map(),
): FlowOverview {
  const nodes = index.parts.map((p): OverviewNode => {
    const m = marks.get(p.id);
    return {
      id: FLOW_DIALOG_PREFIX + p.id,
      name: p.name,
      type: p.type,
      interactions: p.interactions.length,
      status: m?.status ?? 'unchanged',
      changes: m?.changes ?? 0,
    };
  });
  const edges = new Map<string, OverviewEdge>();
  for (const l of index.links) {
    const source = FLOW_DIALOG_PREFIX + l.fromDialog;
    const target = FLOW_DIALOG_PREFIX + l.toDialog;
    const id = `${source}->${target}`;
    const known = edges.get(id);
    if (known) known.links++;
    else edges.set(id, { id, source, target, links: 1 });
  }
  return {
    nodes,
    edges: [...edges.values()],
    changed: nodes.filter((n) => n.status !== 'unchanged').map((n) => n.id),
  };
}

export interface DialogFlowGraph extends FlowGraph {
  /** The ids of its marked nodes, in order: what "next change" steps through inside it. */
  marked: string[];
}

/**
 * One dialog's own graph: its node and its interactions (flowGraph), with the dialogs it links to
 * and from as `external` nodes. In a diff, `changes` are the changes inside it (those whose
 * `dialogId`, or id for the dialog itself, is its id) and `marks` the overview's (dialogMarks).
 */
export function dialogFlowGraph(
  dialog: DialogContent,
  index: FlowIndex,
  diff: { changes?: readonly Change[]; marks?: ReadonlyMap<string, DialogMark> } = {},
): DialogFlowGraph {
  const dialogId = String(dialog.dialog.id ?? '');
  const mark = diff.marks?.get(dialogId);
  const graph = flowGraph(
    { settings: {}, dialogs: [dialog], sections: {}, order: null },
    diff.changes ?? [],
    { names: index.names },
  );
  const self = FLOW_DIALOG_PREFIX + dialogId;
  const own = graph.nodes.find((n) => n.id === self);
  if (own && mark) own.status = mark.status;
  const nodes: FlowNode[] = [...graph.nodes];
  const ids = new Set(nodes.map((n) => n.id));
  const external = (id: string) => {
    const node = FLOW_DIALOG_PREFIX + id;
    if (!ids.has(node)) {
      const part = index.dialogs.get(id);
      ids.add(node);
      nodes.push({
        id: node,
        kind: 'dialog',
        name: part?.name ?? '(unnamed dialog)',
        type: part?.type ?? 'DIALOG',
        text: '',
        status: diff.marks?.get(id)?.status ?? 'unchanged',
        external: true,
      });
    }
    return node;
  };
  const edges = new Map<string, FlowEdge>(graph.edges.map((e) => [e.id, e]));
  const link = (source: string, target: string, kind: FlowEdgeKind, label: string) => {
    if (!ids.has(source) || !ids.has(target)) return;
    const id = `${source}->${target}`;
    const known = edges.get(id);
    if (!known) edges.set(id, { id, source, target, kind, label });
    else if (label !== '' && !known.label.split(' / ').includes(label))
      known.label = known.label === '' ? label : `${known.label} / ${label}`;
  };
  for (const l of index.links) {
    if (l.fromDialog === dialogId) link(l.from, external(l.toDialog), l.kind, l.label);
    else if (l.toDialog === dialogId) link(external(l.fromDialog), l.to ?? self, l.kind, l.label);
  }
  const interactionsMarked = nodes.filter(
    (n) => n.kind === 'interaction' && n.status !== 'unchanged',
  );
  const showOwn =
    own !== undefined &&
    own.status !== 'unchanged' &&
    (mark?.own !== false || interactionsMarked.length === 0);
  return {
    nodes,
    edges: [...edges.values()],
    marked: [...(showOwn ? [self] : []), ...interactionsMarked.map((n) => n.id)],
  };
}
