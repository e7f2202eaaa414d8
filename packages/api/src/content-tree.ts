// The structure of a snapshot (dialog and interaction ids, list lengths) read without loading its
// entities, so that looking up one dialog or counting a bot costs a few small nodes at any bot size.
// Each function reads only the nodes it walks (content.ts withNodes: request, process cache, SQL).
import {
  must,
  findById,
  listEntries,
  listLength,
  readableDialog,
  readableInteraction,
  type JsonObject,
  type Snapshotter,
} from '@ferry/core';
import { asObject, nonBlank } from '@ferry/core/cb-shape';
import type { Db } from '@ferry/db';
import { fetchNodes, withNodes } from './content.js';
import { fail } from './errors.js';

/** The dialog node of `dialogId` in a snapshot; NOT_FOUND (at `field`) otherwise. */
function dialogNode(snap: Snapshotter, root: string, dialogId: string, field: string) {
  const found = findById(snap.lists.load(snap.root(root).dialogs), dialogId);
  if (found === null) return fail('NOT_FOUND', `There is no dialog with id "${dialogId}".`, field);
  return snap.dialogNode(found.entry.hash);
}

/** The ids of a dialog's interactions, in order. */
export function interactionIdsOf(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<string[]> {
  return withNodes(db, snap.store, (s) => {
    const node = dialogNode(s, root, dialogId, field);
    return listEntries(s.lists.load(node.interactions)).map((e) => e.id ?? '');
  });
}

/** One dialog entity (the CB `groups` entry), fetching only that entity. */
export function readDialog(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<JsonObject> {
  return withNodes(
    db,
    snap.store,
    (s) => s.store.decode(dialogNode(s, root, dialogId, field).dialog) as JsonObject,
  );
}

/**
 * Interaction counts by dialog node hash, for the process: a dialog node names its interaction list
 * by content, so a count never goes stale, and after an edit only the changed dialog is counted.
 */
const interactionCounts = new Map<string, number>();
const COUNTS_MAX = 100_000;

/** How many dialogs, interactions and integrations a snapshot holds. */
export async function countStructure(
  db: Db,
  snap: Snapshotter,
  root: string,
): Promise<{ dialogs: number; interactions: number; integrations: number }> {
  const structure = (s: Snapshotter) => {
    const r = s.root(root);
    const responder = r.sections.responder;
    return {
      dialogs: listEntries(s.lists.load(r.dialogs)).map((e) => e.hash),
      integrations:
        responder !== undefined && 'list' in responder
          ? listLength(s.lists.load(responder.list))
          : 0,
    };
  };
  const { dialogs, integrations } = await withNodes(db, snap.store, structure, [root]);
  const uncounted = dialogs.filter((h) => !interactionCounts.has(h));
  if (uncounted.length > 0) {
    // The dialog nodes with their interaction lists, in a query per level.
    await fetchNodes(db, snap.store, uncounted);
    const counted = await withNodes(db, snap.store, (s) =>
      uncounted.map((h) => listLength(s.lists.load(s.dialogNode(h).interactions))),
    );
    for (const [n, hash] of uncounted.entries()) {
      if (interactionCounts.size >= COUNTS_MAX)
        interactionCounts.delete(must(interactionCounts.keys().next().value, 'the oldest count'));
      interactionCounts.set(hash, must(counted[n], 'a count'));
    }
  }
  let interactions = 0;
  for (const h of dialogs) interactions += must(interactionCounts.get(h), 'a counted dialog');
  return { dialogs: dialogs.length, interactions, integrations };
}

/**
 * One dialog's entity and its interaction entities in order: the dialog's subtree and nothing else
 * (the path to its node, then its entity and interactions in one query).
 */
export async function readDialogSubtree(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<{ dialog: JsonObject; interactions: JsonObject[] }> {
  const read = (s: Snapshotter) => {
    const node = dialogNode(s, root, dialogId, field);
    const entries = listEntries(s.lists.load(node.interactions));
    return { node, entries };
  };
  const { node, entries } = await withNodes(db, snap.store, read, [root]);
  // The entities in one query; withNodes below only fetches what the cache dropped meanwhile.
  await fetchNodes(db, snap.store, [node.dialog, ...entries.map((e) => e.hash)]);
  return withNodes(db, snap.store, (s) => {
    const again = read(s);
    return {
      dialog: s.store.decode(again.node.dialog) as JsonObject,
      interactions: again.entries.map((e) => s.store.decode(e.hash) as JsonObject),
    };
  });
}

/**
 * The integrations (CB `responder` entries) of a snapshot, by id and name: the responder section
 * alone, never the dialogs.
 */
export async function integrationsOf(
  db: Db,
  snap: Snapshotter,
  root: string,
): Promise<{ id: string; name: string }[]> {
  const ref = (s: Snapshotter) => s.root(root).sections.responder;
  const section = await withNodes(db, snap.store, ref, [root]);
  if (section === undefined) return [];
  if ('list' in section) {
    const hashes = await withNodes(db, snap.store, (s) =>
      listEntries(s.lists.load(section.list)).map((e) => e.hash),
    );
    await fetchNodes(db, snap.store, hashes);
  }
  const entries = await withNodes(db, snap.store, (s) => {
    const value = s.readSection(section);
    return Array.isArray(value) ? value : [];
  });
  return entries.flatMap((entry) => {
    const e = asObject(entry);
    const id = typeof e.id === 'string' ? e.id : '';
    const name = nonBlank(e.name);
    return name === undefined ? [] : [{ id, name }];
  });
}

/** A dialog's interaction entities in order, fetching only those (for CB's link chain). */
export async function readInteractions(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<JsonObject[]> {
  return (await readDialogSubtree(db, snap, root, dialogId, field)).interactions;
}

/** Where a dialog search looks: everywhere, or only dialog names, interaction names or texts. */
export const SEARCH_FIELDS = ['all', 'dialog', 'interaction', 'text'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export interface DialogSummary {
  id: string;
  name: string;
  kind: string;
  /** Its place among all the dialogs (0-based). */
  position: number;
  interactions: number;
  /** With a search: how many of its interactions match (its name alone may match too). */
  matches?: number;
}

/** What a search looks in, of one dialog node (lower-cased), with the dialog's summary. */
interface IndexEntry {
  summary: Omit<DialogSummary, 'position' | 'matches'>;
  name: string;
  interactionNames: string[];
  /** Each interaction's texts and button titles. */
  texts: string[][];
}

/**
 * Search entries by dialog node hash, for the process. A dialog node names its entity and its
 * interactions by content, so an entry never goes stale: after an edit only the changed dialog is
 * read again. Bounded; the oldest entries go first.
 */
const searchEntries = new Map<string, IndexEntry>();
const SEARCH_ENTRIES_MAX = 50_000;

/** The search entries of `dialogs` (dialog node hashes), reading only the dialogs not yet indexed. */
async function searchIndex(
  db: Db,
  snap: Snapshotter,
  dialogs: readonly { hash: string }[],
): Promise<IndexEntry[]> {
  const missing = [...new Set(dialogs.map((d) => d.hash).filter((h) => !searchEntries.has(h)))];
  if (missing.length > 0) {
    await fetchNodes(db, snap.store, missing);
    const parts = await withNodes(db, snap.store, (s) =>
      missing.map((h) => {
        const node = s.dialogNode(h);
        return { entity: node.dialog, interactions: listEntries(s.lists.load(node.interactions)) };
      }),
    );
    await fetchNodes(db, snap.store, [
      ...parts.map((p) => p.entity),
      ...parts.flatMap((p) => p.interactions.map((e) => e.hash)),
    ]);
    const built = await withNodes(db, snap.store, (s) =>
      parts.map(({ entity, interactions }) => {
        const dialog = readableDialog(s.store.decode(entity) as JsonObject);
        const readable = interactions.map((e) =>
          readableInteraction(s.store.decode(e.hash) as JsonObject),
        );
        const lower = (text: string) => text.toLocaleLowerCase();
        return {
          summary: { ...dialog, interactions: interactions.length },
          name: lower(dialog.name),
          interactionNames: readable.map((i) => lower(i.name)),
          texts: readable.map((i) => [...i.texts, ...i.buttons].map(lower)),
        };
      }),
    );
    for (const [n, hash] of missing.entries()) {
      if (searchEntries.size >= SEARCH_ENTRIES_MAX)
        searchEntries.delete(must(searchEntries.keys().next().value, 'the oldest entry'));
      searchEntries.set(hash, must(built[n], 'a built entry'));
    }
  }
  return dialogs.map((d) => must(searchEntries.get(d.hash), 'an indexed dialog'));
}

/**
 * A page of a snapshot's dialogs (heading and interaction count), optionally only those matching
 * `search` (case-insensitive, in dialog names, interaction names or the interactions' texts and
 * buttons). Without a search only the page's dialogs are read; a search reads what it looks in.
 */
export async function dialogPage(
  db: Db,
  snap: Snapshotter,
  root: string,
  page: { offset: number; limit: number; search?: string; in?: SearchField },
): Promise<{ total: number; matching: number; dialogs: DialogSummary[] }> {
  const entries = await withNodes(
    db,
    snap.store,
    (s) => listEntries(s.lists.load(s.root(root).dialogs)),
    [root],
  );
  const all = entries.map((e, position) => ({ hash: e.hash, position }));
  const needle = page.search?.trim().toLocaleLowerCase() ?? '';
  if (needle === '') {
    // The page's dialogs only: their nodes, then their entities, one query each; the read runs
    // under withNodes, which fetches anything the process cache dropped in between.
    const chosen = all.slice(page.offset, page.offset + page.limit);
    const hashes = chosen.map((c) => c.hash);
    await fetchNodes(db, snap.store, hashes);
    const entities = await withNodes(db, snap.store, (s) =>
      hashes.map((h) => s.dialogNode(h).dialog),
    );
    await fetchNodes(db, snap.store, entities);
    const dialogs = await withNodes(db, snap.store, (s) =>
      chosen.map(({ hash, position }) => {
        const node = s.dialogNode(hash);
        return {
          ...readableDialog(s.store.decode(node.dialog) as JsonObject),
          position,
          interactions: listLength(s.lists.load(node.interactions)),
        };
      }),
    );
    return { total: all.length, matching: all.length, dialogs };
  }
  // A search: every dialog's entry of the search index (only dialogs changed since are read).
  const where = page.in ?? 'all';
  const has = (text: string) => text.includes(needle);
  const index = await searchIndex(db, snap, all);
  const found: DialogSummary[] = [];
  for (const [n, entry] of index.entries()) {
    const named = where !== 'interaction' && where !== 'text' && has(entry.name);
    let matches = 0;
    if (where !== 'dialog')
      for (const [i, name] of entry.interactionNames.entries()) {
        const byName = where !== 'text' && has(name);
        const byText = where !== 'interaction' && (entry.texts[i] ?? []).some(has);
        if (byName || byText) matches++;
      }
    if (named || matches > 0)
      found.push({ ...entry.summary, position: must(all[n], 'a dialog').position, matches });
  }
  return {
    total: all.length,
    matching: found.length,
    dialogs: found.slice(page.offset, page.offset + page.limit),
  };
}
