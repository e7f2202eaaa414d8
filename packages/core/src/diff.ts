// Diff of two snapshots. It walks both trees and skips every subtree whose hash is equal, so its
// cost follows the size of the change, not the size of the bot.
import { CB_KEY_ORDER, entityName, type OrderRun } from './content.js';
import { isJsonObject, jsonEqual, pointer, type JsonObject, type JsonValue } from './json.js';
import { listEntries, type Entry } from './prolly.js';
import type { DialogNode, RootNode, SectionRef, Snapshotter } from './snapshot.js';
import { must } from './must.js';
import { plural } from './rules.js';

export type ChangeKind =
  'settings' | 'dialog' | 'interaction' | 'integration' | 'section' | 'order';
export type ChangeOp = 'added' | 'removed' | 'changed' | 'moved';

/** One changed field, as a JSON pointer into the entity; `before`/`after` absent = field absent. */
export interface FieldChange {
  path: string;
  before?: JsonValue;
  after?: JsonValue;
}

export interface Change {
  kind: ChangeKind;
  op: ChangeOp;
  id: string | null;
  name: string | null;
  /** Interactions: the dialog they are in (after the change; before it, for removals). */
  dialogId?: string;
  /** Interactions: that dialog's name (null when it has none), so no reader shows a raw id. */
  dialogName?: string | null;
  /** Interactions moved to another dialog: the dialog they came from. */
  fromDialogId?: string;
  /** Interactions moved to another dialog: the name of the dialog they came from. */
  fromDialogName?: string | null;
  /** Integrations and other sections: the export key they live under. */
  section?: string;
  /** Field-level changes for `changed` and `moved` entities. */
  fields: FieldChange[];
  before?: JsonValue;
  after?: JsonValue;
}

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  moved: number;
  /** One sentence, e.g. "2 interactions changed, 1 dialog added." */
  text: string;
}

export interface Diff {
  summary: DiffSummary;
  changes: Change[];
}

const EMPTY_LIST: Entry[] = [];

/**
 * Top-level export keys that are stored and exported as they came but are never a change: `hash`
 * is the checksum CB writes into every export, recomputed by CB on each download, so it differs
 * between two exports of the same bot and says nothing about what the bot does.
 */
export const DIFF_HIDDEN_SECTIONS: ReadonlySet<string> = new Set(['hash']);

/** Diff snapshot `a` (before) against `b` (after); both must be in the snapshotter's store. */
export function diffSnapshots(snap: Snapshotter, a: string, b: string): Diff {
  const changes: Change[] = [];
  if (a !== b) {
    const ra = snap.root(a);
    const rb = snap.root(b);
    // Hashes are of the exact text; "changed" means the values differ (key order and number
    // lexemes alone, e.g. after re-importing an export CB wrote differently, are no change).
    const settingsBefore = snap.store.decode(ra.settings) as JsonObject;
    const settingsAfter = snap.store.decode(rb.settings) as JsonObject;
    if (ra.settings !== rb.settings && !jsonEqual(settingsBefore, settingsAfter)) {
      const before = settingsBefore;
      const after = settingsAfter;
      changes.push({
        kind: 'settings',
        op: 'changed',
        id: null,
        name: 'Settings',
        fields: diffFields(before, after),
        before,
        after,
      });
    }
    diffDialogs(snap, ra.dialogs, rb.dialogs, changes);
    const keys = [
      ...new Set([...CB_KEY_ORDER, ...Object.keys(ra.sections), ...Object.keys(rb.sections)]),
    ];
    // Own keys only: a section named "constructor" must not find Object.prototype's.
    const section = (r: typeof ra, key: string) =>
      Object.hasOwn(r.sections, key) ? r.sections[key] : undefined;
    for (const key of keys)
      if (!DIFF_HIDDEN_SECTIONS.has(key))
        diffSection(snap, key, section(ra, key), section(rb, key), changes);
    if (ra.order !== rb.order && exportOrderChanged(snap, ra, rb))
      changes.push({
        kind: 'order',
        op: 'changed',
        id: null,
        name: 'Export order of interactions',
        fields: [],
      });
  }
  return { summary: summarise(changes), changes };
}

function diffDialogs(snap: Snapshotter, a: string, b: string, changes: Change[]): void {
  const pairs = matchEntries(snap, a, b);
  const removedInteractions = new Map<string, Change>();
  const addedInteractions: Change[] = [];
  const interactionChanges: Change[] = [];
  const dialogChanges: Change[] = [];
  for (const p of pairs) {
    if (p.left && p.right && p.left.hash === p.right.hash && !p.moved) continue;
    const na = p.left && snap.dialogNode(p.left.hash);
    const nb = p.right && snap.dialogNode(p.right.hash);
    const da = na && (snap.store.decode(na.dialog) as JsonObject);
    const db = nb && (snap.store.decode(nb.dialog) as JsonObject);
    const id = must(p.left ?? p.right, '(p.left ?? p.right)').id;
    if (!na) dialogChanges.push(entityChange('dialog', 'added', id, undefined, db));
    else if (!nb) dialogChanges.push(entityChange('dialog', 'removed', id, da, undefined));
    else if (na.dialog !== nb.dialog && !jsonEqual(must(da, 'da'), must(db, 'db')))
      dialogChanges.push({
        ...entityChange('dialog', 'changed', id, da, db),
        fields: diffFields(must(da, 'da'), must(db, 'db')),
      });
    else if (p.moved) dialogChanges.push({ ...entityChange('dialog', 'moved', id, da, db) });
    if (na?.interactions === nb?.interactions) continue;
    const dialogName = entityName(db ?? da ?? null);
    for (const q of matchEntries(snap, na?.interactions ?? null, nb?.interactions ?? null)) {
      if (q.left && q.right && q.left.hash === q.right.hash && !q.moved) continue;
      const ia = q.left && (snap.store.decode(q.left.hash) as JsonObject);
      const ib = q.right && (snap.store.decode(q.right.hash) as JsonObject);
      const iid = must(q.left ?? q.right, '(q.left ?? q.right)').id;
      if (!ia)
        addedInteractions.push({
          ...entityChange('interaction', 'added', iid, undefined, ib),
          dialogId: must(id, 'id'),
          dialogName,
        });
      else if (!ib)
        removedInteractions.set(String(iid), {
          ...entityChange('interaction', 'removed', iid, ia, undefined),
          dialogId: must(id, 'id'),
          dialogName,
        });
      else if (must(q.left, 'q.left').hash !== must(q.right, 'q.right').hash && !jsonEqual(ia, ib))
        interactionChanges.push({
          ...entityChange('interaction', 'changed', iid, ia, ib),
          dialogId: must(id, 'id'),
          dialogName,
          fields: diffFields(ia, ib),
        });
      else if (q.moved)
        interactionChanges.push({
          ...entityChange('interaction', 'moved', iid, ia, ib),
          dialogId: must(id, 'id'),
          dialogName,
        });
    }
  }
  // An interaction removed from one dialog and added to another has moved between them.
  for (const added of addedInteractions) {
    const removed = removedInteractions.get(String(added.id));
    if (removed === undefined) {
      interactionChanges.push(added);
      continue;
    }
    removedInteractions.delete(String(added.id));
    interactionChanges.push({
      ...added,
      op: 'moved',
      fromDialogId: must(removed.dialogId, 'removed.dialogId'),
      fromDialogName: removed.dialogName ?? null,
      before: must(removed.before, 'removed.before'),
      fields: diffFields(removed.before as JsonObject, added.after as JsonObject),
    });
  }
  changes.push(...dialogChanges, ...interactionChanges, ...removedInteractions.values());
}

/**
 * Whether the export order of the interactions both sides have changed. Adding or removing
 * interactions changes the stored order runs too, but that alone is not a change of order; nor is
 * an interaction moving inside its dialog (reported as moved): only a change in how the dialogs'
 * interactions interleave is. Runs only when the order nodes differ.
 */
function exportOrderChanged(snap: Snapshotter, ra: RootNode, rb: RootNode): boolean {
  const a = exportSequence(snap, ra);
  const b = exportSequence(snap, rb);
  const inA = new Set(a.map(([key]) => key));
  const inB = new Set(b.map(([key]) => key));
  const common = (seq: [string, string][], other: Set<string>) =>
    seq.filter(([key]) => other.has(key)).map(([, dialog]) => dialog);
  const ca = common(a, inB);
  const cb = common(b, inA);
  return ca.length !== cb.length || ca.some((d, i) => d !== cb[i]);
}

/** Every interaction in export order as [a key naming it, its dialog's id]. */
function exportSequence(snap: Snapshotter, r: RootNode): [string, string][] {
  const lists = new Map<string, string[]>();
  for (const d of listEntries(snap.lists.load(r.dialogs))) {
    const dialogId = String(d.id);
    const seen = new Map<string, number>();
    const keys = listEntries(snap.lists.load(snap.dialogNode(d.hash).interactions)).map((e) => {
      // Interactions without an id are told apart by their content and occurrence.
      const base = e.id === null ? `h:${e.hash}` : `i:${e.id}`;
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      return `${dialogId}\u0000${base}\u0000${n}`;
    });
    lists.set(dialogId, keys);
  }
  const out: [string, string][] = [];
  const taken = new Map<string, number>();
  const runs = r.order === null ? [] : (snap.store.decode(r.order) as OrderRun[]);
  for (const [dialogId, count] of runs) {
    const keys = lists.get(dialogId);
    if (keys === undefined) continue;
    const from = taken.get(dialogId) ?? 0;
    const to = Math.min(from + count, keys.length);
    for (let i = from; i < to; i++) out.push([must(keys[i], 'keys[i]'), dialogId]);
    taken.set(dialogId, to);
  }
  for (const [dialogId, keys] of lists)
    for (let i = taken.get(dialogId) ?? 0; i < keys.length; i++)
      out.push([must(keys[i], 'keys[i]'), dialogId]);
  return out;
}

function diffSection(
  snap: Snapshotter,
  key: string,
  a: SectionRef | undefined,
  b: SectionRef | undefined,
  changes: Change[],
): void {
  if (a === undefined && b === undefined) return;
  if (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)) return;
  const kind: ChangeKind = key === 'responder' ? 'integration' : 'section';
  if (a !== undefined && b !== undefined && 'list' in a && 'list' in b) {
    for (const q of matchEntries(snap, a.list, b.list)) {
      if (q.left && q.right && q.left.hash === q.right.hash && !q.moved) continue;
      const ea = q.left && (snap.store.decode(q.left.hash) as JsonValue);
      const eb = q.right && (snap.store.decode(q.right.hash) as JsonValue);
      const id = must(q.left ?? q.right, '(q.left ?? q.right)').id;
      const base = { section: key };
      if (q.left === undefined)
        changes.push({ ...entityChange(kind, 'added', id, undefined, eb), ...base });
      else if (q.right === undefined)
        changes.push({ ...entityChange(kind, 'removed', id, ea, undefined), ...base });
      else if (q.left.hash !== q.right.hash && !jsonEqual(must(ea, 'ea'), must(eb, 'eb')))
        changes.push({
          ...entityChange(kind, 'changed', id, ea, eb),
          ...base,
          fields: diffFields(must(ea, 'ea'), must(eb, 'eb')),
        });
      else if (q.moved) changes.push({ ...entityChange(kind, 'moved', id, ea, eb), ...base });
    }
    return;
  }
  const before = a && snap.readSection(a);
  const after = b && snap.readSection(b);
  if (before !== undefined && after !== undefined && jsonEqual(before, after)) return;
  const op: ChangeOp = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
  changes.push({
    kind: 'section',
    op,
    id: null,
    name: key,
    section: key,
    fields: op === 'changed' ? diffFields(must(before, 'before'), must(after, 'after')) : [],
    ...(before !== undefined && { before }),
    ...(after !== undefined && { after }),
  });
}

function entityChange(
  kind: ChangeKind,
  op: ChangeOp,
  id: string | null,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
): Change {
  return {
    kind,
    op,
    id,
    name: entityName(after ?? before ?? null),
    fields: [],
    ...(before !== undefined && { before }),
    ...(after !== undefined && { after }),
  };
}

interface Pair {
  left?: Entry;
  right?: Entry;
  /** Same entity in both, but its place among its neighbours changed. */
  moved: boolean;
}

/** Pair up the entries of two lists that differ, by id (by hash for entries without one). */
function matchEntries(snap: Snapshotter, a: string | null, b: string | null): Pair[] {
  const { left, right } = differingEntries(snap, a, b);
  const pairs: Pair[] = [];
  const rightById = new Map<string, number>();
  const rightByHash = new Map<string, number[]>();
  right.forEach((e, i) => {
    if (e.id !== null) rightById.set(e.id, i);
    else rightByHash.set(e.hash, [...(rightByHash.get(e.hash) ?? []), i]);
  });
  const matched = new Set<number>();
  // For move detection: positions in `right` of the common entries, in `left` order.
  const common: { pair: Pair; at: number }[] = [];
  for (const e of left) {
    let at: number | undefined;
    if (e.id !== null) at = rightById.get(e.id);
    else at = rightByHash.get(e.hash)?.find((i) => !matched.has(i));
    if (at === undefined) {
      pairs.push({ left: e, moved: false });
      continue;
    }
    matched.add(at);
    const pair: Pair = { left: e, right: must(right[at], 'right[at]'), moved: false };
    pairs.push(pair);
    common.push({ pair, at });
  }
  const staying = longestIncreasing(common.map((c) => c.at));
  common.forEach((c, i) => {
    if (!staying.has(i)) c.pair.moved = true;
  });
  right.forEach((e, i) => {
    if (!matched.has(i)) pairs.push({ right: e, moved: false });
  });
  // Equal anonymous entries are not changes at all.
  return pairs.filter((p) => !(p.left && p.right && p.left.id === null && !p.moved));
}

/** Entries of the leaf chunks that differ between two lists; shared subtrees are never opened. */
function differingEntries(
  snap: Snapshotter,
  a: string | null,
  b: string | null,
): { left: Entry[]; right: Entry[] } {
  if (a === b) return { left: EMPTY_LIST, right: EMPTY_LIST };
  const level = (h: string) => (snap.store.decode(h) as { l: number }).l;
  let fa = a === null ? [] : [a];
  let fb = b === null ? [] : [b];
  let la = a === null ? 0 : level(a);
  let lb = b === null ? 0 : level(b);
  for (;;) {
    if (la === lb) {
      const inA = new Set(fa);
      const inB = new Set(fb);
      fa = fa.filter((h) => !inB.has(h));
      fb = fb.filter((h) => !inA.has(h));
    }
    if (la === 0 && lb === 0) break;
    const descendA = la >= lb && la > 0;
    const descendB = lb >= la && lb > 0;
    if (descendA) {
      fa = fa.flatMap((h) => (snap.store.decode(h) as { i: string[] }).i);
      la--;
    }
    if (descendB) {
      fb = fb.flatMap((h) => (snap.store.decode(h) as { i: string[] }).i);
      lb--;
    }
  }
  const entries = (hashes: string[]) =>
    hashes.flatMap((h) =>
      (snap.store.decode(h) as { i: [string | null, string][] }).i.map(([id, hash]) => ({
        id,
        hash,
      })),
    );
  return { left: entries(fa), right: entries(fb) };
}

/** Indexes of one longest strictly increasing subsequence (patience sorting, O(n log n)). */
function longestIncreasing(values: number[]): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (
        must(values[must(tails[mid], 'tails[mid]')], 'values[tails[mid]!]') <
        must(values[i], 'values[i]')
      )
        lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = must(tails[lo - 1], 'tails[lo - 1]');
    tails[lo] = i;
  }
  const out = new Set<number>();
  for (
    let i = tails.length > 0 ? must(tails[tails.length - 1], 'tails[tails.length - 1]') : -1;
    i >= 0;
    i = must(prev[i], 'prev[i]')
  )
    out.add(i);
  return out;
}

/**
 * Field-level changes between two JSON values as JSON pointers. Objects are compared key by key,
 * arrays of equal length element by element; an array that changed length is one change.
 */
export function diffFields(a: JsonValue, b: JsonValue, path = ''): FieldChange[] {
  if (jsonEqual(a, b)) return [];
  if (isJsonObject(a) && isJsonObject(b)) {
    const out: FieldChange[] = [];
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key))
        out.push({ path: path + pointer(key), before: must(a[key], 'a[key]') });
      else
        out.push(
          ...diffFields(must(a[key], 'a[key]'), must(b[key], 'b[key]'), path + pointer(key)),
        );
    }
    for (const key of Object.keys(b))
      if (!Object.hasOwn(a, key))
        out.push({ path: path + pointer(key), after: must(b[key], 'b[key]') });
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length)
    return a.flatMap((x, i) => diffFields(x, must(b[i], 'b[i]'), path + pointer(i)));
  return [{ path, before: a, after: b }];
}

const NOUNS: Record<ChangeKind, [string, string]> = {
  dialog: ['dialog', 'dialogs'],
  interaction: ['interaction', 'interactions'],
  integration: ['integration', 'integrations'],
  settings: ['settings', 'settings'],
  section: ['other entry', 'other entries'],
  order: ['export order', 'export order'],
};

function summarise(changes: Change[]): DiffSummary {
  const counts = { added: 0, removed: 0, changed: 0, moved: 0 };
  const groups = new Map<string, number>();
  for (const c of changes) {
    if (c.kind === 'order') continue;
    counts[c.op]++;
    const key = `${c.kind}:${c.op}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const parts = [...groups.entries()].map(([key, n]) => {
    const [kind, op] = key.split(':') as [ChangeKind, ChangeOp];
    if (kind === 'settings') return `settings ${op}`;
    return `${plural(n, ...NOUNS[kind])} ${op}`;
  });
  if (parts.length === 0 && changes.length > 0)
    parts.push('only the export order of interactions changed');
  const text = parts.length === 0 ? 'No changes.' : capitalise(parts.join(', ')) + '.';
  return { ...counts, text };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export type { DialogNode };
