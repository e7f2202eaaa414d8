// An automation as a graph: dialogs and their interactions, linked the way Conversation Builder
// moves from one interaction to the next. Pure (server-side: it reads untrusted bot content and
// returns plain strings that pages only interpolate as text), then laid out with dagre.
//
// How CB links interactions (see the exports in packages/fixtures/cb-exports):
// - `responseMatches[].action` {name: "INTERACTION", value}: `value` is "next" (go to the
//   interaction's `nextMessageId`), another interaction's id (a jump, often to another dialog),
//   or "none" / "close_dialog" / "close_conversation" (no next interaction). The match's `name`
//   (e.g. "back") or its condition (patterns, options) says when it applies.
// - `nextMessageId`: the next interaction in the dialog; with no response matches it is followed.
// - Code: `botContext.setTriggerNextMessage('interaction name')` jumps by name.
// - A dialog starts at its DIALOG_STARTER interaction (or its first one).
import dagre from '@dagrejs/dagre';
import type { BotContent, Change, ChangeOp, JsonObject, JsonValue } from '@ferry/core';
import { readableInteraction } from '../server/readable';

export type FlowStatus = ChangeOp | 'unchanged';

export interface FlowNode {
  id: string;
  kind: 'dialog' | 'interaction';
  name: string;
  /** Dialogs: CB's dialog type; interactions: CB's interaction type (TEXT, QUICK_REPLY, ...). */
  type: string;
  /** Interactions: the start of their message text, if any. */
  text: string;
  /** Interactions: the dialog they are in. */
  dialogId?: string;
  /** In a diff view: how the node changed. */
  status: FlowStatus;
  /** Laid out: the node's top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export type FlowEdgeKind = 'start' | 'next' | 'match' | 'code';

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  kind: FlowEdgeKind;
  /** When the link is taken, e.g. a response match's name; blank for plain "next". */
  label: string;
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export const DIALOG_PREFIX = 'dialog:';
const SIZE = {
  dialog: { width: 240, height: 56 },
  interaction: { width: 240, height: 96 },
};
const TEXT_MAX = 80;
const END_ACTIONS = new Set(['none', 'close_dialog', 'close_conversation']);

const obj = (v: JsonValue | undefined): JsonObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
const arr = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
const str = (v: JsonValue | undefined): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;
const shorten = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > TEXT_MAX ? `${one.slice(0, TEXT_MAX - 1)}…` : one;
};

/** When a response match applies, as a short label: its name, else its patterns or options. */
function matchLabel(match: JsonObject): string {
  const name = str(match.name);
  if (name) return name;
  const words = arr(match.conditions).flatMap((c) => {
    const cond = obj(c);
    const patterns = arr(obj(cond.patternMatch).patterns).map(str);
    const option = str(obj(cond.evalOption).value) ?? str(cond.value);
    const list = [...patterns, option].filter((w): w is string => w !== undefined);
    if (list.length > 0) return list;
    return str(cond.matchType) === 'NO_MATCH' ? ['no match'] : [];
  });
  return shorten(words.join(', '));
}

const TRIGGER = /setTriggerNextMessage\(\s*(['"])((?:(?!\1)[^\\]|\\.)*)\1\s*\)/g;
const CODE_FIELDS = ['preProcessMessage', 'postProcessMessage', 'processUserResponse'];

interface Interaction {
  entity: JsonObject;
  dialogId: string;
}

/**
 * The graph of a content: a node per dialog (linked to where it starts) and per interaction,
 * edges for every link above. `changes` (a diff whose "after" side is `content`) marks nodes as
 * added/changed/moved and brings back removed interactions and dialogs from the "before" side.
 */
export function buildGraph(content: BotContent, changes: readonly Change[] = []): FlowGraph {
  const dialogs: { id: string; entity: JsonObject; interactions: Interaction[] }[] = [];
  const byDialog = new Map<string, (typeof dialogs)[number]>();
  const addDialog = (entity: JsonObject) => {
    const id = String(entity.id ?? '');
    let d = byDialog.get(id);
    if (!d) {
      d = { id, entity, interactions: [] };
      byDialog.set(id, d);
      dialogs.push(d);
    }
    return d;
  };
  for (const d of content.dialogs) {
    const dialog = addDialog(d.dialog);
    for (const i of d.interactions) dialog.interactions.push({ entity: i, dialogId: dialog.id });
  }

  const status = new Map<string, FlowStatus>();
  for (const c of changes) {
    if (c.id === null) continue;
    if (c.kind === 'dialog') {
      status.set(DIALOG_PREFIX + c.id, c.op);
      // A removed dialog is drawn from its "before" entity (replacing any placeholder).
      if (c.op === 'removed' && c.before !== undefined)
        addDialog(obj(c.before)).entity = obj(c.before);
    } else if (c.kind === 'interaction') {
      status.set(c.id, c.op);
      if (c.op === 'removed' && c.before !== undefined && c.dialogId !== undefined) {
        const dialog =
          byDialog.get(c.dialogId) ?? addDialog({ id: c.dialogId, name: `Dialog ${c.dialogId}` });
        dialog.interactions.push({ entity: obj(c.before), dialogId: c.dialogId });
      }
    }
  }

  const nodes: FlowNode[] = [];
  const ids = new Set<string>();
  const byName = new Map<string, string | null>();
  const all = dialogs.flatMap((d) => d.interactions);
  for (const d of dialogs) {
    const id = DIALOG_PREFIX + d.id;
    ids.add(id);
    nodes.push({
      id,
      kind: 'dialog',
      name: str(d.entity.name) ?? '(unnamed dialog)',
      type: str(d.entity.dialogType) ?? 'DIALOG',
      text: '',
      status: status.get(id) ?? 'unchanged',
      x: 0,
      y: 0,
      ...SIZE.dialog,
    });
    for (const { entity, dialogId } of d.interactions) {
      const readable = readableInteraction(entity);
      const iid = String(entity.id ?? '');
      if (iid === '' || ids.has(iid)) continue;
      ids.add(iid);
      // A name used twice cannot be jumped to by name unambiguously.
      byName.set(readable.name, byName.has(readable.name) ? null : iid);
      nodes.push({
        id: iid,
        kind: 'interaction',
        name: readable.name,
        type: str(entity.interactionType) ?? readable.kind,
        text: shorten(readable.texts[0] ?? ''),
        dialogId,
        status: status.get(iid) ?? 'unchanged',
        x: 0,
        y: 0,
        ...SIZE.interaction,
      });
    }
  }

  const edges = new Map<string, FlowEdge>();
  const link = (source: string, target: string | undefined, kind: FlowEdgeKind, label = '') => {
    if (target === undefined || !ids.has(target) || source === target) return;
    const id = `${source}->${target}`;
    const known = edges.get(id);
    if (!known) edges.set(id, { id, source, target, kind, label });
    else if (label !== '' && !known.label.split(' / ').includes(label))
      known.label = known.label === '' ? label : `${known.label} / ${label}`;
  };
  for (const d of dialogs) {
    const starter =
      d.interactions.find((i) => i.entity.interactionType === 'DIALOG_STARTER') ??
      d.interactions[0];
    if (starter) link(DIALOG_PREFIX + d.id, String(starter.entity.id ?? ''), 'start');
  }
  for (const { entity } of all) {
    const source = String(entity.id ?? '');
    const next = str(entity.nextMessageId);
    const matches = arr(entity.responseMatches).map(obj);
    if (matches.length === 0) link(source, next, 'next');
    for (const match of matches) {
      const action = obj(match.action);
      const value = str(action.value);
      if (str(action.name) !== 'INTERACTION' || value === undefined || END_ACTIONS.has(value))
        continue;
      const label = matchLabel(match);
      if (value === 'next') link(source, next, label === '' ? 'next' : 'match', label);
      else link(source, value, 'match', label);
    }
    for (const field of CODE_FIELDS) {
      const code = str(entity[field]);
      if (!code) continue;
      for (const m of code.matchAll(TRIGGER)) {
        const target = byName.get(m[2]!);
        if (target) link(source, target, 'code', 'code');
      }
    }
  }
  return layout({ nodes, edges: [...edges.values()] });
}

/** Top-to-bottom layout with dagre; node positions are their top-left corners. */
export function layout(graph: FlowGraph): FlowGraph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 60, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return {
    nodes: graph.nodes.map((n) => {
      const { x = 0, y = 0 } = g.node(n.id);
      return { ...n, x: x - n.width / 2, y: y - n.height / 2 };
    }),
    edges: graph.edges,
  };
}
