// The flow view's reads at any bot size: the overview of a snapshot's dialogs (or of a diff's
// "after" side with the removed dialogs brought back), one dialog's own graph, and a search of
// dialog and interaction names. Each dialog's part (core `dialogFlowPart`) is computed once per
// dialog node hash, which names its content forever, so after an edit only the changed dialog is
// read again; a view (the parts resolved into the overview, and a diff's changes) is kept per root,
// or pair of roots, for the next request about the same content.
import {
  FLOW_DIALOG_PREFIX,
  dialogFlowGraph,
  dialogFlowPart,
  dialogMarks,
  flowIndex,
  flowOverview,
  listEntries,
  must,
  type Change,
  type DialogFlowGraph,
  type DialogFlowPart,
  type DialogMark,
  type Diff,
  type FlowIndex,
  type FlowOverview,
  type Snapshotter,
} from '@ferry/core';
import type { Db } from '@ferry/db';
import { ContentStore, withNodes } from './content.js';
import { readDialogNodes, readDialogSubtree } from './content-tree.js';
import { fail } from './errors.js';

/** Parts by dialog node hash, for the process; bounded, the oldest go first. */
const parts = new Map<string, DialogFlowPart>();
const PARTS_MAX = 50_000;

/** The parts of `hashes` (dialog node hashes), reading only the dialogs not yet known. */
async function partsOf(db: Db, snap: Snapshotter, hashes: readonly string[]) {
  const missing = [...new Set(hashes.filter((h) => !parts.has(h)))];
  const read = await readDialogNodes(db, snap, missing);
  for (const [n, hash] of missing.entries()) {
    const { dialog, interactions } = must(read[n], 'a read dialog');
    if (parts.size >= PARTS_MAX) parts.delete(must(parts.keys().next().value, 'the oldest part'));
    parts.set(hash, dialogFlowPart(dialog, interactions));
  }
  return hashes.map((h) => must(parts.get(h), 'a dialog part'));
}

/** What a flow view shows: a snapshot, or the changes from one snapshot to another. */
export type FlowSide = { root: string } | { before: string; after: string };

export interface FlowView {
  index: FlowIndex;
  overview: FlowOverview;
  /** The root each dialog is read from (a removed dialog: the "before" side). */
  rootOf: Map<string, string>;
  /** In a diff: the changes and the dialogs they touch. */
  diff: { summary: Diff['summary']; changes: Change[]; marks: Map<string, DialogMark> } | null;
}

/** Views by root or pair of roots: a few, the least recently used go first. */
const views = new Map<string, Promise<FlowView>>();
const VIEWS_MAX = 8;

/** The dialog node entries (id, hash) of a snapshot, in order. */
const dialogEntries = (db: Db, snap: Snapshotter, root: string) =>
  withNodes(db, snap.store, (s) => listEntries(s.lists.load(s.root(root).dialogs)), [root]);

async function buildView(db: Db, side: FlowSide): Promise<FlowView> {
  const store = new ContentStore(db);
  const root = 'root' in side ? side.root : side.after;
  const entries = await dialogEntries(db, store.snap, root);
  const rootOf = new Map<string, string>();
  for (const e of entries) if (e.id !== null && !rootOf.has(e.id)) rootOf.set(e.id, root);
  const hashes = entries.map((e) => e.hash);
  let diff: FlowView['diff'] = null;
  if ('before' in side) {
    const { summary, changes } = await store.diff(side.before, side.after);
    const marks = dialogMarks(changes);
    diff = { summary, changes, marks };
    // Removed dialogs, from the "before" side, after the others.
    const removed = new Set(
      [...marks].filter(([id, m]) => m.status === 'removed' && !rootOf.has(id)).map(([id]) => id),
    );
    if (removed.size > 0)
      for (const e of await dialogEntries(db, store.snap, side.before))
        if (e.id !== null && removed.has(e.id) && !rootOf.has(e.id)) {
          rootOf.set(e.id, side.before);
          hashes.push(e.hash);
        }
  }
  const index = flowIndex(await partsOf(db, store.snap, hashes));
  return { index, overview: flowOverview(index, diff?.marks), rootOf, diff };
}

/** The view of `side`, built once and kept for the requests that follow. */
export async function flowView(db: Db, side: FlowSide): Promise<FlowView> {
  const key = 'root' in side ? side.root : `${side.before}..${side.after}`;
  let view = views.get(key);
  if (view) views.delete(key);
  else {
    view = buildView(db, side);
    // A failed build is not kept.
    view.catch(() => views.delete(key));
  }
  views.set(key, view);
  if (views.size > VIEWS_MAX) views.delete(must(views.keys().next().value, 'the oldest view'));
  return view;
}

/** One dialog's own graph in a view; NOT_FOUND (at `dialogId`) when the view has no such dialog. */
export async function dialogGraph(
  db: Db,
  view: FlowView,
  dialogId: string,
): Promise<DialogFlowGraph> {
  const root = view.rootOf.get(dialogId);
  if (root === undefined)
    return fail('NOT_FOUND', `There is no dialog with id "${dialogId}".`, 'dialogId');
  const dialog = await readDialogSubtree(db, new ContentStore(db).snap, root, dialogId);
  if (!view.diff) return dialogFlowGraph(dialog, view.index);
  const changes = view.diff.changes.filter((c) =>
    c.kind === 'dialog' ? c.id === dialogId : c.kind === 'interaction' && c.dialogId === dialogId,
  );
  return dialogFlowGraph(dialog, view.index, { changes, marks: view.diff.marks });
}

export interface FlowMatch {
  /** The node to move to: a dialog's (FLOW_DIALOG_PREFIX + id) or an interaction's id. */
  node: string;
  dialogId: string;
  dialogName: string;
  /** Null when the dialog's own name matched. */
  interactionName: string | null;
}

/** Dialogs and interactions whose name holds `query` (case-insensitive), in the overview's order. */
export function searchView(
  view: FlowView,
  query: string,
  limit: number,
): { total: number; matches: FlowMatch[] } {
  const needle = query.trim().toLocaleLowerCase();
  const matches: FlowMatch[] = [];
  let total = 0;
  const found = (m: FlowMatch) => {
    if (total++ < limit) matches.push(m);
  };
  for (const part of view.index.parts) {
    const dialog = { dialogId: part.id, dialogName: part.name };
    if (part.name.toLocaleLowerCase().includes(needle))
      found({ node: FLOW_DIALOG_PREFIX + part.id, ...dialog, interactionName: null });
    for (const { id, name } of part.interactions)
      if (name !== null && id !== '' && name.toLocaleLowerCase().includes(needle))
        found({ node: id, ...dialog, interactionName: name });
  }
  return { total, matches };
}

/** How many dialog parts and views the process keeps (for tests and diagnostics). */
export function flowCacheStats(): { parts: number; views: number } {
  return { parts: parts.size, views: views.size };
}
