// An automation as a graph: dialogs and their interactions, linked the way Conversation Builder
// moves from one interaction to the next. It reads untrusted bot content and returns plain strings
// that pages only interpolate as text; laying it out (positions, sizes) is the page's business.
//
// How CB links interactions (see the exports in packages/fixtures/cb-exports):
// - `responseMatches[].action` {name: "INTERACTION", value}: `value` is "next" (go to the
//   interaction's `nextMessageId`), another interaction's id (a jump, often to another dialog),
//   or another of the LINK_KEYWORDS (no next interaction). The match's `name` (e.g. "back") or
//   its condition (patterns, options) says when it applies. An action whose name says DIALOG
//   jumps to the dialog whose id is its `value`.
// - `nextMessageId`: the next interaction in the dialog; with no response matches it is followed.
// - Code: `botContext.setTriggerNextMessage('interaction name')` jumps by name.
// - A dialog starts at its DIALOG_STARTER interaction (or its first one).
import { INTERACTION_CODE_FIELDS, asArray, asObject, nonBlank } from './cb-shape.js';
import { LINK_KEYWORDS, type BotContent } from './content.js';
import type { Change, ChangeOp } from './diff.js';
import type { JsonObject } from './json.js';
import { readableInteraction } from './readable.js';

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
  /** In one dialog's graph: a dialog it links to or from, not itself part of the graph. */
  external?: boolean;
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

export interface FlowGraph<Node extends FlowNode = FlowNode> {
  nodes: Node[];
  edges: FlowEdge[];
}

/** Dialog nodes' ids are the dialog's id after this prefix (interactions keep their own id). */
export const FLOW_DIALOG_PREFIX = 'dialog:';
const TEXT_MAX = 80;

export interface FlowGraphOptions {
  /**
   * Interaction names to ids for code's jumps by name (null: the name is used twice), when the
   * graph is part of a bigger bot (one dialog of it); by default the content's own names.
   */
  names?: ReadonlyMap<string, string | null>;
}

const shorten = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > TEXT_MAX ? `${one.slice(0, TEXT_MAX - 1)}…` : one;
};

/** When a response match applies, as a short label: its name, else its patterns or options. */
function matchLabel(match: JsonObject): string {
  const name = nonBlank(match.name);
  if (name) return name;
  const words = asArray(match.conditions).flatMap((c) => {
    const cond = asObject(c);
    const patterns = asArray(asObject(cond.patternMatch).patterns).map(nonBlank);
    const option = nonBlank(asObject(cond.evalOption).value) ?? nonBlank(cond.value);
    const list = [...patterns, option].filter((w): w is string => w !== undefined);
    if (list.length > 0) return list;
    return nonBlank(cond.matchType) === 'NO_MATCH' ? ['no match'] : [];
  });
  return shorten(words.join(', '));
}

const TRIGGER = /setTriggerNextMessage\(\s*(['"])((?:(?!\1)[^\\]|\\.)*)\1\s*\)/g;

/** One link out of an interaction, before it is resolved to a node. */
export interface InteractionLink {
  /** An interaction id, a dialog id, or (code) an interaction name. */
  target: string;
  by: 'interaction' | 'dialog' | 'name';
  kind: FlowEdgeKind;
  label: string;
}

/**
 * Every link out of one interaction, in CB's order: its `nextMessageId` (when it has no response
 * matches), each match's action (an interaction id, "next", or a dialog id when the action's name
 * says dialog; keywords are no links) and `setTriggerNextMessage('name')` in its code.
 */
export function interactionLinks(entity: JsonObject): InteractionLink[] {
  const links: InteractionLink[] = [];
  const next = nonBlank(entity.nextMessageId);
  const toInteraction = (target: string | undefined, kind: FlowEdgeKind, label: string) => {
    if (target !== undefined && !LINK_KEYWORDS.has(target))
      links.push({ target, by: 'interaction', kind, label });
  };
  const matches = asArray(entity.responseMatches).map(asObject);
  if (matches.length === 0) toInteraction(next, 'next', '');
  for (const match of matches) {
    const action = asObject(match.action);
    const value = nonBlank(action.value);
    const name = nonBlank(action.name);
    if (value === undefined || name === undefined) continue;
    const label = matchLabel(match);
    if (name === 'INTERACTION') {
      if (value === 'next') toInteraction(next, label === '' ? 'next' : 'match', label);
      else toInteraction(value, 'match', label);
    } else if (name.includes('DIALOG') && !LINK_KEYWORDS.has(value))
      links.push({ target: value, by: 'dialog', kind: 'match', label });
  }
  for (const { key } of INTERACTION_CODE_FIELDS) {
    const code = nonBlank(entity[key]);
    if (!code) continue;
    for (const m of code.matchAll(TRIGGER))
      links.push({ target: m[2] ?? '', by: 'name', kind: 'code', label: 'code' });
  }
  return links;
}

interface Interaction {
  entity: JsonObject;
  dialogId: string;
}

/**
 * The graph of a content: a node per dialog (linked to where it starts) and per interaction,
 * edges for every link above. `changes` (a diff whose "after" side is `content`) marks nodes as
 * added/changed/moved and brings back removed interactions and dialogs from the "before" side.
 */
export function flowGraph(
  content: BotContent,
  changes: readonly Change[] = [],
  options: FlowGraphOptions = {},
): FlowGraph {
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
      status.set(FLOW_DIALOG_PREFIX + c.id, c.op);
      // A removed dialog is drawn from its "before" entity (replacing any placeholder).
      if (c.op === 'removed' && c.before !== undefined)
        addDialog(asObject(c.before)).entity = asObject(c.before);
    } else if (c.kind === 'interaction') {
      status.set(c.id, c.op);
      if (c.op === 'removed' && c.before !== undefined && c.dialogId !== undefined) {
        const dialog =
          byDialog.get(c.dialogId) ?? addDialog({ id: c.dialogId, name: `Dialog ${c.dialogId}` });
        dialog.interactions.push({ entity: asObject(c.before), dialogId: c.dialogId });
      }
    }
  }

  const nodes: FlowNode[] = [];
  const ids = new Set<string>();
  const byName = new Map<string, string | null>();
  const all = dialogs.flatMap((d) => d.interactions);
  for (const d of dialogs) {
    const id = FLOW_DIALOG_PREFIX + d.id;
    ids.add(id);
    nodes.push({
      id,
      kind: 'dialog',
      name: nonBlank(d.entity.name) ?? '(unnamed dialog)',
      type: nonBlank(d.entity.dialogType) ?? 'DIALOG',
      text: '',
      status: status.get(id) ?? 'unchanged',
    });
    for (const { entity, dialogId } of d.interactions) {
      const readable = readableInteraction(entity);
      const iid = String(entity.id ?? '');
      if (iid === '' || ids.has(iid)) continue;
      ids.add(iid);
      // A name used twice cannot be jumped to by name unambiguously.
      if (nonBlank(entity.name) !== undefined)
        byName.set(readable.name, byName.has(readable.name) ? null : iid);
      nodes.push({
        id: iid,
        kind: 'interaction',
        name: readable.name,
        type: nonBlank(entity.interactionType) ?? readable.kind,
        text: shorten(readable.texts[0] ?? ''),
        dialogId,
        status: status.get(iid) ?? 'unchanged',
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
    if (starter) link(FLOW_DIALOG_PREFIX + d.id, String(starter.entity.id ?? ''), 'start');
  }
  const names = options.names ?? byName;
  for (const { entity } of all) {
    const source = String(entity.id ?? '');
    for (const l of interactionLinks(entity)) {
      const target =
        l.by === 'interaction'
          ? l.target
          : l.by === 'dialog'
            ? FLOW_DIALOG_PREFIX + l.target
            : (names.get(l.target) ?? undefined);
      link(source, target, l.kind, l.label);
    }
  }
  return { nodes, edges: [...edges.values()] };
}
