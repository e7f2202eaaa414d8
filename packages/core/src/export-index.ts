// An index of the last imported CB export, as git's index is of a working tree: for every
// top-level element of the export (the bot, each dialog, each interaction, each entry of the other
// sections) its byte span and what importing it gave (its node's hash, id, dialog, identity place),
// with the tree built from them. The next export is then imported by reading only the bytes that
// changed: elements before and after the changed bytes keep their records, the ones in between are
// parsed again, and the tree is rebuilt from hashes, hashing again only the dialogs and lists that
// changed. The whole-export checks (duplicate ids, interactions naming their dialog, the export
// order, the identity format) run over the records: a few array reads per element.
//
// The result is exactly the tree importCbExport + Snapshotter.write store for the same export
// (property-tested in export-index.test.ts). Whatever this importer meets that it does not handle
// as importCbExport does — a malformed export, duplicate ids, an interaction whose dialog is
// missing, a duplicate or integer-like top-level key, a change of `bot.id` or of whether the
// export holds text JSON.parse cannot keep exactly — gives null: the caller then imports the whole
// export with importCbExport, which accepts it or says what is wrong.
//
// Records are kept as columns (typed arrays, one string of hashes), which a cache file stores as
// they are: loading and saving the index of a 10,000-interaction export costs milliseconds.
import {
  exactRaw,
  identityFormat,
  identityOfCounts,
  importEntity,
  isPlainJson,
  takeOut,
  type ImportLimits,
} from './cb-export.js';
import { entityId, orderOfRuns, type ExportFormat, type IdentityPlace } from './content.js';
import type { HashFn } from './hash.js';
import { MAX_DEPTH, isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { attachRaw, mayNotRoundTrip, skipString, skipValue, skipWs } from './lexical.js';
import type { Entry } from './prolly.js';
import { createSnapshotter, type SectionParts } from './snapshot.js';
import type { MemoryNodeStore } from './store.js';

/** The bytes of an export, read through two views. */
export interface ExportSource {
  /** Length in bytes. */
  readonly length: number;
  /** Bytes [start, end) as a latin1 string, one character per byte: what the scanner reads. */
  view(start: number, end: number): string;
  /** Bytes [start, end) decoded as UTF-8. */
  text(start: number, end: number): string;
}

/** A top-level member of the export: its key, and whether its value is an array of elements. */
export interface IndexedMember {
  key: string;
  array: boolean;
  /** Whether the key's text may not survive JSON.parse + JSON.stringify (an escape). */
  risky: boolean;
}

/** What was built for a dialog: its entity, its node and its interaction list's nodes. */
export interface BuiltDialog {
  dialog: string;
  node: string;
  chunks: string[];
}

export interface ExportIndex {
  /** Byte length of the export. */
  size: number;
  root: string;
  /** Distinct nodes in the tree. */
  treeNodes: number;
  members: IndexedMember[];
  /** Where `bot.id` and `bot.name` stood, as JSON text (an IdentityPlace), with their values. */
  bot: { id: string | null; name: string | null; idPlace: string; namePlace: string };
  /**
   * The elements, in export order, one entry per element in each column: an element is an array
   * entry of a member, or the value of a member that is no array (`bot`: its settings).
   */
  elements: {
    /** Index of its member in `members` (elements of a member are contiguous). */
    member: Uint32Array;
    /** Byte span in the export. */
    start: Uint32Array;
    end: Uint32Array;
    /** The hash of the node its import stored, 64 hex digits each, run together. */
    hashes: string;
    /** The id its import read (groups, conversationMessage, responder), else its entityId. */
    ids: (string | null)[];
    /** Each interaction's `group` (null for other elements), as runs. */
    groups: Run<string | null>[];
    /** Where each element's identity field stood, as JSON text ('' when nothing was noted), as runs. */
    places: Run<string>[];
    /** 1 when its text may not survive JSON.parse + JSON.stringify (lexical.ts mayNotRoundTrip). */
    risky: Uint8Array;
  };
  /**
   * Distinct element nodes, and (at most) how many elements' node texts have the shape of a tree
   * node: when none do, the tree's distinct nodes are these plus its structure's.
   */
  distinct: { elements: number; shaped: number; dupes: [hash: string, count: number][] };
  dialogs: Map<string, BuiltDialog>;
  /** Each array section's list nodes (the top one last). */
  lists: Map<string, string[]>;
  /** The nodes of the dialog list, and the root's order and format nodes (when it has them). */
  nodes: string[];
}

export interface IndexedImport {
  index: ExportIndex;
  root: string;
  /** The export's `bot.name`. */
  botName: string | null;
  /** The nodes written: all of the tree's for a whole import, the changed ones for a change. */
  store: MemoryNodeStore;
  /**
   * After a change: the nodes written that the last tree does not have (what a server holding
   * that tree lacks). Null for a whole import.
   */
  fresh: Map<string, string> | null;
}

/** Where the export changed: bytes equal at its start (`prefix`) and at its end (`suffix`). */
export interface ExportChange {
  prefix: number;
  suffix: number;
}

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
/** A key JavaScript lists first in an object (an array index): importCbExport's key order differs. */
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/** Import a whole export, building its index. Null: see the top of this file. */
export function importIndexed(
  source: ExportSource,
  hashFn: HashFn,
  limits: ImportLimits = {},
): IndexedImport | null {
  if (source.length > (limits.maxBytes ?? DEFAULT_MAX_BYTES)) return null;
  const scanned = scan(source, 0, source.length, { kind: 'start' }, null);
  if (scanned === null || scanned === MORE) return null;
  return build(source, hashFn, limits, scanned, null);
}

/**
 * Import an export that differs from the one `index` describes only inside `change` (the caller
 * compared the bytes), reading only the elements there. Null: see the top of this file.
 */
export function reimportIndexed(
  index: ExportIndex,
  source: ExportSource,
  change: ExportChange,
  hashFn: HashFn,
  limits: ImportLimits = {},
): IndexedImport | null {
  if (source.length > (limits.maxBytes ?? DEFAULT_MAX_BYTES)) return null;
  const { prefix, suffix } = change;
  if (prefix + suffix > Math.min(index.size, source.length)) return null;
  const { member, start, end } = index.elements;
  const n = member.length;
  const delta = source.length - index.size;
  // The elements before the change, and the byte after each (a number's end depends on it).
  const kept = firstAtLeast(end, prefix);
  // The first element after the change: where scanning can stop.
  const after = Math.max(kept, firstAtLeast(start, index.size - suffix));
  const from: ScanState =
    kept === 0
      ? { kind: 'start' }
      : {
          kind: (index.members[member[kept - 1] as number] as IndexedMember).array
            ? 'element'
            : 'member',
          members: index.members.slice(0, (member[kept - 1] as number) + 1),
        };
  const at = kept === 0 ? 0 : (end[kept - 1] as number);
  // Read as little as it takes: to the end of the first element after the change, then more.
  let until = after < n ? (end[after] as number) + delta + 1 : source.length;
  for (;;) {
    until = Math.min(source.length, until);
    const scanned = scan(source, at, until, from, { index, delta, next: after });
    if (scanned === null) return null;
    if (scanned !== MORE) return build(source, hashFn, limits, scanned, { index, kept });
    until = at + 2 * (until - at) + 65_536;
  }
}

/** The first i with `sorted[i] >= value` (sorted.length when none). */
function firstAtLeast(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Scanning the top level of the export: members and elements, with their byte spans
// ---------------------------------------------------------------------------------------------

type ScanState =
  | { kind: 'start' }
  /** After an element of the last member's array. */
  | { kind: 'element'; members: IndexedMember[] }
  /** After the last member's value. */
  | { kind: 'member'; members: IndexedMember[] };

/** An element read, not yet imported. */
interface Scanned {
  member: number;
  start: number;
  end: number;
  text: string;
}

interface Scan {
  /** The members: the state's, then the ones read. */
  members: IndexedMember[];
  elements: Scanned[];
  /** The old element scanning stopped at (its bytes and all after are as they were), or null. */
  resumedAt: number | null;
}

interface Resume {
  index: ExportIndex;
  delta: number;
  /** The first old element after the change. */
  next: number;
}

/** The scan needs bytes past the window it was given. */
const MORE = Symbol('more');

/**
 * Read the top level from byte `at` to `until` in state `state`: each member's key and each
 * element's span and text. With `resume`, stop at the first element that starts where an old
 * element after the change now starts, in a member of the same key and kind. Null when the text is
 * not a JSON object of members (importCbExport says what is wrong); MORE when the window ended first.
 */
function scan(
  source: ExportSource,
  at: number,
  until: number,
  state: ScanState,
  resume: Resume | null,
): Scan | null | typeof MORE {
  const v = source.view(at, until);
  const partial = until < source.length;
  const members = state.kind === 'start' ? [] : [...state.members];
  const elements: Scanned[] = [];
  let next = resume?.next ?? 0;
  let i = 0;
  /** Past the window: more bytes are needed, or the text ended too soon. */
  const out = () => (partial ? MORE : null);
  /** At a value starting at `i`: the old element it is, if scanning can stop here. */
  const resumes = (array: boolean): number | null => {
    if (resume === null) return null;
    const { index, delta } = resume;
    const { start, member } = index.elements;
    const here = at + i - delta;
    while (next < start.length && (start[next] as number) < here) next++;
    if (next >= start.length || start[next] !== here) return null;
    const was = index.members[member[next] as number] as IndexedMember;
    const current = members[members.length - 1] as IndexedMember;
    return was.key === current.key && was.array === array ? next : null;
  };
  /** One element at `i`: false when malformed, else the old element it resumes, or null. */
  const element = (array: boolean): number | null | false | typeof MORE => {
    const hit = resumes(array);
    if (hit !== null) return hit;
    if (i >= v.length) return out() ?? false;
    const end = skipValue(v, i);
    if (end >= v.length && partial) return MORE;
    if (end <= i) return false;
    elements.push({
      member: members.length - 1,
      start: at + i,
      end: at + end,
      text: source.text(at + i, at + end),
    });
    i = end;
    return null;
  };
  /** After an element of an array: the next ones, to the array's end. */
  const restOfArray = (): number | null | false | typeof MORE => {
    for (;;) {
      i = skipWs(v, i);
      if (i >= v.length) return out() ?? false;
      const c = v.charCodeAt(i);
      if (c === 0x5d) {
        i++;
        return null;
      }
      if (c !== 0x2c) return false;
      i = skipWs(v, i + 1);
      const r = element(true);
      if (r !== null) return r;
    }
  };
  const done = (r: number | null | false | typeof MORE) =>
    r === false ? null : r === MORE ? MORE : { members, elements, resumedAt: r };
  let afterMember = false;
  if (state.kind === 'start') {
    i = skipWs(v, 0);
    if (v.charCodeAt(i) !== 0x7b) return i >= v.length ? out() : null;
    i = skipWs(v, i + 1);
  } else if (state.kind === 'element') {
    const r = restOfArray();
    if (r !== null) return done(r);
    afterMember = true;
  } else afterMember = true;
  for (;;) {
    if (afterMember) {
      i = skipWs(v, i);
      if (i >= v.length) return out();
      const c = v.charCodeAt(i);
      if (c === 0x7d) {
        if (partial) return MORE; // only the end of the export may follow
        return skipWs(v, i + 1) === v.length ? { members, elements, resumedAt: null } : null;
      }
      if (c !== 0x2c) return null;
      i = skipWs(v, i + 1);
    }
    afterMember = true;
    // A key, then its value.
    if (i >= v.length) return out();
    if (v.charCodeAt(i) !== 0x22) return null;
    const keyEnd = skipString(v, i);
    if (keyEnd >= v.length) return out();
    let key: unknown;
    try {
      key = JSON.parse(source.text(at + i, at + keyEnd));
    } catch {
      return null;
    }
    if (typeof key !== 'string') return null;
    const keyText = v.slice(i, keyEnd);
    const risky = keyText.includes('\\u') || keyText.includes('\\/');
    i = skipWs(v, keyEnd);
    if (i >= v.length) return out();
    if (v.charCodeAt(i) !== 0x3a) return null;
    i = skipWs(v, i + 1);
    if (i >= v.length) return out();
    if (v.charCodeAt(i) === 0x5b) {
      members.push({ key, array: true, risky });
      i = skipWs(v, i + 1);
      if (i >= v.length) return out();
      if (v.charCodeAt(i) === 0x5d) i++;
      else {
        const first = element(true);
        if (first !== null) return done(first);
        const r = restOfArray();
        if (r !== null) return done(r);
      }
    } else {
      members.push({ key, array: false, risky });
      const r = element(false);
      if (r !== null) return done(r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Importing elements, checking the whole, building the tree
// ---------------------------------------------------------------------------------------------

/** Runs of equal values over the elements: [value, count] pairs. */
export type Run<T> = [value: T, count: number];

function pushRun<T>(runs: Run<T>[], value: T, count = 1): void {
  const last = runs[runs.length - 1];
  if (last !== undefined && last[0] === value) last[1] += count;
  else if (count > 0) runs.push([value, count]);
}

/** The runs covering elements [from, to). */
function cutRuns<T>(runs: readonly Run<T>[], from: number, to: number): Run<T>[] {
  const out: Run<T>[] = [];
  let at = 0;
  for (const [value, count] of runs) {
    const lo = Math.max(at, from);
    const hi = Math.min(at + count, to);
    if (hi > lo) pushRun(out, value, hi - lo);
    at += count;
    if (at >= to) break;
  }
  return out;
}

/** The value at element `i`. */
function runValue<T>(runs: readonly Run<T>[], i: number): T | undefined {
  let at = 0;
  for (const [value, count] of runs) {
    if (i < at + count) return value;
    at += count;
  }
  return undefined;
}

/** What an element's import gave. */
interface Imported {
  hash: string;
  id: string | null;
  group: string | null;
  place: string;
  /** Its node's text could be a tree node's (export-index counts distinct nodes by that). */
  shaped: boolean;
}

/** Node texts a tree node can have (canonical JSON): list chunks, dialog nodes, roots, order, format. */
const STRUCTURE_SHAPE = /^(?:\{"i":\[|\{"dialog|\{"botId":|\[\[)/;

interface Previous {
  index: ExportIndex;
  /** Old elements before the change: kept as they were. */
  kept: number;
}

function build(
  source: ExportSource,
  hashFn: HashFn,
  limits: ImportLimits,
  scanned: Scan,
  previous: Previous | null,
): IndexedImport | null {
  const maxDepth = limits.maxDepth ?? MAX_DEPTH;
  const { members } = scanned;
  const old = previous?.index ?? null;
  const o = old?.elements;
  // Old member m after the one scanning stopped in is new member `m + shift`.
  let resumed = 0;
  let shift = 0;
  if (old !== null && scanned.resumedAt !== null) {
    resumed = scanned.resumedAt;
    // The member scanning stopped in is the old member of the element it stopped at.
    const syncMember = old.elements.member[resumed] as number;
    shift = members.length - 1 - syncMember;
    for (let m = syncMember + 1; m < old.members.length; m++)
      members.push(old.members[m] as IndexedMember);
  } else if (old !== null) resumed = old.elements.member.length;

  // The members: unique keys, none JavaScript would reorder, bot / groups / conversationMessage.
  const byKey = new Map<string, number>();
  for (let m = 0; m < members.length; m++) {
    const key = (members[m] as IndexedMember).key;
    if (byKey.has(key) || INDEX_KEY.test(key)) return null;
    byKey.set(key, m);
  }
  const botMember = byKey.get('bot');
  const groupsMember = byKey.get('groups');
  const messagesMember = byKey.get('conversationMessage');
  const responderMember = byKey.get('responder');
  const isArray = (m: number | undefined) => m !== undefined && (members[m] as IndexedMember).array;
  if (
    botMember === undefined ||
    isArray(botMember) ||
    !isArray(groupsMember) ||
    !isArray(messagesMember) ||
    (responderMember !== undefined && !isArray(responderMember))
  )
    return null;
  const keysRisky = members.some((m) => m.risky);

  // Parse what is new (every element, or the changed ones).
  const added = scanned.elements;
  const parsed: JsonValue[] = [];
  const riskyNew = new Uint8Array(added.length);
  for (let k = 0; k < added.length; k++) {
    const e = added[k] as Scanned;
    let value: JsonValue;
    try {
      value = JSON.parse(e.text) as JsonValue;
    } catch {
      return null;
    }
    if (!isPlainJson(value, (members[e.member] as IndexedMember).array ? 2 : 1, maxDepth))
      return null;
    riskyNew[k] = mayNotRoundTrip(e.text) ? 1 : 0;
    parsed.push(value);
  }
  // The columns: what was kept before the change, the new elements, what was kept after it.
  const kept = previous?.kept ?? 0;
  const tail = o === undefined ? 0 : o.member.length - resumed;
  const n = kept + added.length + tail;
  const member = new Uint32Array(n);
  const start = new Uint32Array(n);
  const end = new Uint32Array(n);
  const risky = new Uint8Array(n);
  if (o !== undefined && old !== null) {
    const delta = source.length - old.size;
    const at = kept + added.length;
    member.set(o.member.subarray(0, kept));
    start.set(o.start.subarray(0, kept));
    end.set(o.end.subarray(0, kept));
    risky.set(o.risky.subarray(0, kept));
    member.set(o.member.subarray(resumed), at);
    start.set(o.start.subarray(resumed), at);
    end.set(o.end.subarray(resumed), at);
    risky.set(o.risky.subarray(resumed), at);
    if (shift !== 0) for (let i = at; i < n; i++) member[i] = (member[i] as number) + shift;
    if (delta !== 0)
      for (let i = at; i < n; i++) {
        start[i] = (start[i] as number) + delta;
        end[i] = (end[i] as number) + delta;
      }
  }
  for (let k = 0; k < added.length; k++) {
    const e = added[k] as Scanned;
    member[kept + k] = e.member;
    start[kept + k] = e.start;
    end[kept + k] = e.end;
  }
  risky.set(riskyNew, kept);
  // Exact texts are kept only when something in the export may not round-trip (importCbExport's
  // layout): a change of that changes every element's node, which the whole import does.
  const isRisky = keysRisky || risky.includes(1);
  if (
    old !== null &&
    (old.members.some((m) => m.risky) || old.elements.risky.includes(1)) !== isRisky
  )
    return null;

  const snap = createSnapshotter(hashFn);
  const rawOf = (k: number) =>
    isRisky ? exactRaw((added[k] as Scanned).text, parsed[k] as JsonValue) : undefined;
  // The bot first: its id is what identity fields are compared with.
  let bot = old?.bot ?? null;
  const fresh: Imported[] = new Array<Imported>(added.length);
  const shaped = (text: string | undefined) => text !== undefined && STRUCTURE_SHAPE.test(text);
  for (let k = 0; k < added.length; k++) {
    if ((added[k] as Scanned).member !== botMember) continue;
    const b = parsed[k];
    if (!isJsonObject(b)) return null;
    for (const key of ['id', 'name'] as const)
      if (b[key] !== undefined && typeof b[key] !== 'string') return null;
    if (typeof b.name === 'string' && (b.name.includes('\u0000') || /\p{Cs}/u.test(b.name)))
      return null;
    const id = typeof b.id === 'string' ? b.id : null;
    if (old !== null && id !== old.bot.id) return null;
    const taken = takeOut(b, rawOf(k), ['id', 'name']);
    const settings =
      taken.strippedRaw === undefined
        ? taken.stripped
        : attachRaw(taken.stripped, taken.strippedRaw);
    const hash = snap.putValue(settings);
    fresh[k] = { hash, id: null, group: null, place: '', shaped: shaped(snap.store.get(hash)) };
    bot = {
      id,
      name: typeof b.name === 'string' ? b.name : null,
      idPlace: JSON.stringify(taken.place[0] ?? null),
      namePlace: JSON.stringify(taken.place[1] ?? null),
    };
  }
  if (bot === null) return null;
  // Then every other new element: its id, its content value stored, its identity place.
  for (let k = 0; k < added.length; k++) {
    const e = added[k] as Scanned;
    if (e.member === botMember) continue;
    const key = (members[e.member] as IndexedMember).key;
    const v = parsed[k] as JsonValue;
    const needsId =
      e.member === groupsMember || e.member === messagesMember || e.member === responderMember;
    if (needsId && (!isJsonObject(v) || typeof v.id !== 'string' || v.id === '')) return null;
    let group: string | null = null;
    if (e.member === messagesMember) {
      const g = (v as JsonObject).group;
      if (typeof g !== 'string') return null;
      group = g;
    }
    let hash: string;
    let place = '';
    if (isJsonObject(v)) {
      const imported = importEntity(v, rawOf(k), key, bot.id);
      if (imported.place !== undefined) place = JSON.stringify(imported.place);
      hash = snap.putValue(imported.value);
    } else hash = snap.putValue(v);
    fresh[k] = { hash, id: entityId(v), group, place, shaped: shaped(snap.store.get(hash)) };
  }
  const hashes =
    (o === undefined ? '' : o.hashes.slice(0, 64 * kept)) +
    fresh.map((f) => f.hash).join('') +
    (o === undefined ? '' : o.hashes.slice(64 * resumed));
  const ids = (o === undefined ? [] : o.ids.slice(0, kept)).concat(
    fresh.map((f) => f.id),
    o === undefined ? [] : o.ids.slice(resumed),
  );
  const spliceRuns = <T>(runs: readonly Run<T>[] | undefined, get: (f: Imported) => T) => {
    const out = runs === undefined ? [] : cutRuns(runs, 0, kept);
    for (const f of fresh) pushRun(out, get(f));
    if (runs !== undefined)
      for (const [value, count] of cutRuns(runs, resumed, Infinity)) pushRun(out, value, count);
    return out;
  };
  const groups = spliceRuns(o?.groups, (f) => f.group);
  const places = spliceRuns(o?.places, (f) => f.place);
  const hashAt = (i: number) => hashes.slice(64 * i, 64 * i + 64);
  // The range of each member's elements.
  const rangeOf = (m: number): [number, number] => [
    firstAtLeast(member, m),
    firstAtLeast(member, m + 1),
  ];

  // What changed: dialogs and sections whose nodes are built again.
  const all = old === null;
  const dirty = new Set<string>();
  const dirtyMembers = new Set<string>();
  if (old !== null && o !== undefined) {
    for (let j = kept; j < resumed; j++) {
      const key = (old.members[o.member[j] as number] as IndexedMember).key;
      if (key === 'groups') dirty.add(o.ids[j] as string);
      else if (key === 'conversationMessage') dirty.add(runValue(o.groups, j) as string);
      else dirtyMembers.add(key);
    }
    for (let k = 0; k < added.length; k++) {
      const m = (added[k] as Scanned).member;
      const f = fresh[k] as Imported;
      if (m === groupsMember) dirty.add(f.id as string);
      else if (m === messagesMember) dirty.add(f.group as string);
      else dirtyMembers.add((members[m] as IndexedMember).key);
    }
  }

  // Dialogs: unique ids.
  const [groupsFrom, groupsTo] = rangeOf(groupsMember as number);
  const dialogIds = ids.slice(groupsFrom, groupsTo) as string[];
  const dialogHash = new Map<string, string>();
  for (let i = groupsFrom; i < groupsTo; i++) {
    const id = ids[i] as string;
    if (dialogHash.has(id)) return null;
    dialogHash.set(id, hashAt(i));
  }
  // Interactions: unique ids (the changed ones checked against the rest), each in its dialog.
  const [messagesFrom, messagesTo] = rangeOf(messagesMember as number);
  if (all) {
    const seen = new Set<string>();
    for (let i = messagesFrom; i < messagesTo; i++) {
      if (seen.has(ids[i] as string)) return null;
      seen.add(ids[i] as string);
    }
  } else
    for (let k = 0; k < added.length; k++) {
      if ((added[k] as Scanned).member !== messagesMember) continue;
      const id = (fresh[k] as Imported).id;
      const first = ids.indexOf(id, messagesFrom);
      if (first !== kept + k || ids.lastIndexOf(id, messagesTo - 1) !== kept + k) return null;
    }
  const messageRuns = cutRuns(groups, messagesFrom, messagesTo) as Run<string>[];
  for (const [group] of messageRuns) if (!dialogHash.has(group)) return null;
  // A dialog is built again when it is new or changed, or its interactions are.
  const interactionsOf = new Map<string, number[]>();
  for (const [id, hash] of dialogHash)
    if (all || dirty.has(id) || old?.dialogs.get(id)?.dialog !== hash) interactionsOf.set(id, []);
  if (interactionsOf.size > 0) {
    let at = messagesFrom;
    for (const [group, count] of messageRuns) {
      const list = interactionsOf.get(group);
      if (list !== undefined) for (let i = at; i < at + count; i++) list.push(i);
      at += count;
    }
  }

  // Sections: integrations with unique ids, and each section's identity places.
  if (responderMember !== undefined) {
    const [from, to] = rangeOf(responderMember);
    if (new Set(ids.slice(from, to)).size !== to - from) return null;
  }
  const identity: ExportFormat['identity'] = {};
  for (let m = 0; m < members.length; m++) {
    if (m === botMember) continue;
    const { key, array } = members[m] as IndexedMember;
    const [from, to] = rangeOf(m);
    const sectionPlaces = cutRuns(places, from, to);
    if (sectionPlaces.every(([place]) => place === '')) continue;
    if (m === groupsMember || m === messagesMember || m === responderMember) {
      // Ids are unique here: each element is its own reference.
      const counts = new Map<string, number>();
      for (const [place, count] of sectionPlaces)
        if (place !== '') counts.set(place, (counts.get(place) ?? 0) + count);
      identity[key] = identityOfCounts(counts, (usual) => {
        const others: [string, string][] = [];
        let at = from;
        for (const [place, count] of sectionPlaces) {
          if (place !== '' && place !== usual)
            for (let i = at; i < at + count; i++) others.push([ids[i] as string, place]);
          at += count;
        }
        return others;
      });
    } else {
      // References may repeat: the last place noted for one counts, as importCbExport notes them.
      const byRef = new Map<string, string>();
      for (let i = from; i < to; i++) {
        const place = runValue(sectionPlaces, i - from) as string;
        if (place !== '') byRef.set(array ? (ids[i] ?? `#${i - from}`) : '#', place);
      }
      identity[key] = identityFormat(byRef);
    }
  }
  const format: ExportFormat = {
    keys: members.map((m) => m.key),
    botId: JSON.parse(bot.idPlace) as IdentityPlace,
    botName: JSON.parse(bot.namePlace) as IdentityPlace,
    identity,
  };

  // The tree: dialogs and lists built again only where something changed.
  const entriesOf = (from: number, to: number, only?: readonly number[]): Entry[] => {
    const out: Entry[] = [];
    if (only !== undefined) for (const i of only) out.push({ id: ids[i] ?? null, hash: hashAt(i) });
    else for (let i = from; i < to; i++) out.push({ id: ids[i] ?? null, hash: hashAt(i) });
    return out;
  };
  const dialogs = new Map<string, BuiltDialog>();
  const dialogParts: { id: string; node: string }[] = [];
  for (const id of dialogIds) {
    const interactions = interactionsOf.get(id);
    let built = old?.dialogs.get(id);
    if (interactions !== undefined || built === undefined) {
      const { node, list } = snap.putDialog(
        dialogHash.get(id) as string,
        entriesOf(0, 0, interactions ?? []),
      );
      built = {
        dialog: dialogHash.get(id) as string,
        node,
        chunks: list.levels.flatMap((l) => l.map((c) => c.hash)),
      };
    }
    dialogs.set(id, built);
    dialogParts.push({ id, node: built.node });
  }
  const lists = new Map<string, string[]>();
  const sections: [string, SectionParts][] = [];
  let settings = '';
  for (let m = 0; m < members.length; m++) {
    const [from, to] = rangeOf(m);
    if (m === botMember) settings = hashAt(from);
    if (m === botMember || m === groupsMember || m === messagesMember) continue;
    const { key, array } = members[m] as IndexedMember;
    if (!array) {
      if (to - from !== 1) return null;
      sections.push([key, { value: hashAt(from) }]);
      continue;
    }
    const before = old?.lists.get(key);
    let chunks: string[];
    if (before !== undefined && !all && !dirtyMembers.has(key)) chunks = before;
    else {
      const list = snap.lists.build(entriesOf(from, to));
      chunks = list.levels.flatMap((l) => l.map((c) => c.hash));
    }
    lists.set(key, chunks);
    sections.push([key, { list: chunks[chunks.length - 1] as string }]);
  }
  const root = snap.writeParts({
    settings,
    dialogs: dialogParts,
    sections,
    order: orderOfRuns(
      dialogIds,
      messageRuns.map(([g, c]) => [g, c]),
    ),
    format,
  });

  // Distinct nodes: the elements' (counted again only where they changed), and the tree's own,
  // which no element's can be unless its text has a tree node's shape (then all are counted).
  const distinct = distinctElements(old, hashes, kept, resumed, fresh, n);
  const structure = new Set<string>();
  for (const d of dialogs.values()) {
    structure.add(d.node);
    for (const c of d.chunks) structure.add(c);
  }
  for (const chunks of lists.values()) for (const c of chunks) structure.add(c);
  const rootNode = snap.root(root);
  for (const h of [root, rootNode.order, rootNode.format]) if (h) structure.add(h);
  const dialogList = snap.lists.load(rootNode.dialogs).levels.flatMap((l) => l.map((c) => c.hash));
  for (const c of dialogList) structure.add(c);
  let treeNodes = distinct.elements + structure.size;
  if (distinct.shaped > 0) {
    const both = new Set<string>();
    for (let i = 0; i < n; i++) if (structure.has(hashAt(i))) both.add(hashAt(i));
    treeNodes -= both.size;
  }

  const index: ExportIndex = {
    size: source.length,
    root,
    treeNodes,
    members,
    bot,
    elements: { member, start, end, hashes, ids, groups, places, risky },
    distinct,
    dialogs,
    lists,
    nodes: [
      ...dialogList,
      ...[rootNode.order, rootNode.format].filter((h): h is string => typeof h === 'string'),
    ],
  };
  return {
    index,
    root,
    botName: bot.name,
    store: snap.store,
    fresh:
      old === null
        ? null
        : freshNodes(old, new Set(hashesOf(old.elements.hashes, kept, resumed)), snap.store),
  };
}

/**
 * The nodes in `store` that the tree `old` describes does not have: what a change wrote, but the
 * structure nodes and elements (`removed`) the old tree had. An element the old tree has elsewhere
 * (an entry made equal to another) is counted as fresh: sending it again does no harm.
 */
function freshNodes(
  old: ExportIndex,
  removed: ReadonlySet<string>,
  store: MemoryNodeStore,
): Map<string, string> {
  const had = new Set<string>([old.root, ...old.nodes]);
  for (const d of old.dialogs.values()) {
    had.add(d.node);
    for (const c of d.chunks) had.add(c);
  }
  for (const chunks of old.lists.values()) for (const c of chunks) had.add(c);
  const out = new Map<string, string>();
  for (const [hash, text] of store.nodes)
    if (!had.has(hash) && !removed.has(hash)) out.set(hash, text);
  return out;
}

/**
 * Distinct element nodes (hashes), the hashes more than one element has (with how many), and how
 * many elements' texts have a tree node's shape: counted whole for a whole import, else from the
 * last counts by what the change removed and added (an added hash found in no removed element is
 * looked for among the others: one string search).
 */
function distinctElements(
  old: ExportIndex | null,
  hashes: string,
  kept: number,
  resumed: number,
  fresh: readonly Imported[],
  n: number,
): ExportIndex['distinct'] {
  let shaped = fresh.filter((f) => f.shaped).length;
  const hashAt = (all: string, i: number) => all.slice(64 * i, 64 * i + 64);
  if (old === null) {
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const h = hashAt(hashes, i);
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
    return { elements: counts.size, shaped, dupes: [...counts].filter(([, c]) => c > 1) };
  }
  const was = old.elements.hashes;
  const removed = new Map<string, number>();
  for (let j = kept; j < resumed; j++) {
    const h = hashAt(was, j);
    removed.set(h, (removed.get(h) ?? 0) + 1);
  }
  const added = new Map<string, number>();
  for (const f of fresh) added.set(f.hash, (added.get(f.hash) ?? 0) + 1);
  // Shaped elements removed: only an upper bound is kept (a count of 0 is what saves the work).
  shaped += old.distinct.shaped;
  const dupes = new Map(old.distinct.dupes);
  let elements = old.distinct.elements;
  for (const h of new Set([...removed.keys(), ...added.keys()])) {
    const before = dupes.get(h) ?? (removed.has(h) || occurs(was, h) ? 1 : 0);
    const after = before - (removed.get(h) ?? 0) + (added.get(h) ?? 0);
    elements += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
    if (after > 1) dupes.set(h, after);
    else dupes.delete(h);
  }
  return { elements, shaped, dupes: [...dupes] };
}

/** The hashes of elements [from, to). */
function hashesOf(hashes: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(hashes.slice(64 * i, 64 * i + 64));
  return out;
}

/** Whether `hash` is one of the 64-digit hashes run together in `hashes`. */
function occurs(hashes: string, hash: string): boolean {
  for (let at = hashes.indexOf(hash); at >= 0; at = hashes.indexOf(hash, at + 1))
    if (at % 64 === 0) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// The index in parts a cache file can hold: a JSON header and the columns as they are
// ---------------------------------------------------------------------------------------------

const HEX = /^[0-9a-f]*$/;
const HASH = /^[0-9a-f]{64}$/;

/** An index as a JSON header (small) and its columns (typed arrays and the hashes). */
export interface ExportIndexParts {
  header: unknown;
  member: Uint32Array;
  start: Uint32Array;
  end: Uint32Array;
  risky: Uint8Array;
  hashes: string;
}

/** The index in parts, for a cache file. */
export function exportIndexParts(index: ExportIndex): ExportIndexParts {
  const e = index.elements;
  return {
    header: {
      size: index.size,
      root: index.root,
      treeNodes: index.treeNodes,
      bot: index.bot,
      members: index.members.map((m) => [m.key, m.array, m.risky]),
      ids: e.ids,
      groups: e.groups,
      places: e.places,
      distinct: index.distinct,
      dialogs: [...index.dialogs].map(([id, d]) => [id, d.dialog, d.node, d.chunks.join('')]),
      lists: [...index.lists].map(([key, chunks]) => [key, chunks.join('')]),
      nodes: index.nodes.join(''),
    },
    member: e.member,
    start: e.start,
    end: e.end,
    risky: e.risky,
    hashes: e.hashes,
  };
}

/**
 * An index from its parts; null when they are not one (the cache is then ignored). `checked`: the
 * caller knows the parts are what exportIndexParts gave (a checksum matched), so that only their
 * shape is looked at, not each element's.
 */
export function indexFromParts(
  parts: ExportIndexParts,
  options: { checked?: boolean } = {},
): ExportIndex | null {
  try {
    return fromParts(parts, options.checked === true);
  } catch {
    return null;
  }
}

function fromParts(parts: ExportIndexParts, checked: boolean): ExportIndex | null {
  const h = parts.header;
  if (!isJsonObject(h)) return null;
  const { size, root, treeNodes, bot } = h;
  const { member, start, end, risky, hashes } = parts;
  const n = member.length;
  if (!isCount(size) || !isCount(treeNodes) || !isHash(root) || !isJsonObject(bot)) return null;
  if (
    !(bot.id === null || typeof bot.id === 'string') ||
    !(bot.name === null || typeof bot.name === 'string') ||
    !isPlaceText(bot.idPlace) ||
    !isPlaceText(bot.namePlace)
  )
    return null;
  const members: IndexedMember[] = [];
  for (const m of arrayOf(h.members)) {
    if (!Array.isArray(m) || typeof m[0] !== 'string' || typeof m[1] !== 'boolean') return null;
    if (typeof m[2] !== 'boolean') return null;
    members.push({ key: m[0], array: m[1], risky: m[2] });
  }
  const ids = arrayOf(h.ids);
  if (ids.length !== n || !ids.every((x) => x === null || typeof x === 'string')) return null;
  const groups = runsOf(h.groups, n, (x) => x === null || typeof x === 'string');
  const places = runsOf(h.places, n, (x) => x === '' || isPlaceText(x));
  const distinct = h.distinct;
  if (groups === null || places === null || !isJsonObject(distinct)) return null;
  if (!isCount(distinct.elements) || !isCount(distinct.shaped)) return null;
  const dupes = arrayOf(distinct.dupes);
  if (!dupes.every((d) => Array.isArray(d) && isHash(d[0]) && isCount(d[1]) && d[1] > 1))
    return null;
  if (start.length !== n || end.length !== n || risky.length !== n) return null;
  if (hashes.length !== 64 * n) return null;
  if (n > 0 && ((end[n - 1] as number) > size || (member[n - 1] as number) >= members.length))
    return null;
  for (let i = 0; i < (checked ? 0 : n); i++) {
    // Members in order, spans in order and within the export.
    const m = member[i] as number;
    const s = start[i] as number;
    const e = end[i] as number;
    if (m >= members.length || e > size || s >= e) return null;
    if (i > 0 && (m < (member[i - 1] as number) || s < (end[i - 1] as number))) return null;
    if ((risky[i] as number) > 1) return null;
  }
  if (!checked && !HEX.test(hashes)) return null;
  const dialogs = new Map<string, BuiltDialog>();
  for (const d of arrayOf(h.dialogs)) {
    if (!Array.isArray(d) || typeof d[0] !== 'string' || !isHash(d[1]) || !isHash(d[2]))
      return null;
    const chunks = splitHashes(d[3]);
    if (chunks === null) return null;
    dialogs.set(d[0], { dialog: d[1], node: d[2], chunks });
  }
  const lists = new Map<string, string[]>();
  for (const l of arrayOf(h.lists)) {
    if (!Array.isArray(l) || typeof l[0] !== 'string') return null;
    const chunks = splitHashes(l[1]);
    if (chunks === null) return null;
    lists.set(l[0], chunks);
  }
  const nodes = h.nodes === '' ? [] : splitHashes(h.nodes);
  if (nodes === null) return null;
  return {
    size,
    root,
    treeNodes,
    nodes,
    members,
    bot: { id: bot.id, name: bot.name, idPlace: bot.idPlace, namePlace: bot.namePlace },
    elements: {
      member,
      start,
      end,
      hashes,
      ids: ids as (string | null)[],
      groups: groups as Run<string | null>[],
      places: places as Run<string>[],
      risky,
    },
    distinct: {
      elements: distinct.elements,
      shaped: distinct.shaped,
      dupes: dupes as [string, number][],
    },
    dialogs,
    lists,
  };
}

const arrayOf = (v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw new Error('not a list');
  return v;
};

/** Runs over `n` elements, each value passing `ok`; null when they are not. */
function runsOf(v: unknown, n: number, ok: (x: unknown) => boolean): Run<unknown>[] | null {
  const out: Run<unknown>[] = [];
  let total = 0;
  for (const r of arrayOf(v)) {
    if (!Array.isArray(r) || r.length !== 2 || !ok(r[0]) || !isCount(r[1]) || r[1] === 0)
      return null;
    total += r[1];
    out.push([r[0], r[1]]);
  }
  return total === n ? out : null;
}

const placeTexts = new Set(['null', '0']);
/** JSON text of an IdentityPlace: null, 0 or [key]. */
function isPlaceText(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  if (placeTexts.has(v)) return true;
  try {
    const p: unknown = JSON.parse(v);
    return Array.isArray(p) && p.length === 1 && typeof p[0] === 'string';
  } catch {
    return false;
  }
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHash = (v: unknown): v is string => typeof v === 'string' && HASH.test(v);

function splitHashes(joined: unknown): string[] | null {
  if (typeof joined !== 'string' || joined === '' || joined.length % 64 !== 0 || !HEX.test(joined))
    return null;
  const out: string[] = [];
  for (let i = 0; i < joined.length; i += 64) out.push(joined.slice(i, i + 64));
  return out;
}
