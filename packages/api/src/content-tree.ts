// The structure of a snapshot (dialog and interaction ids, list lengths) read without loading its
// entities, so that looking up one dialog or counting a bot costs a few small nodes at any bot size.
// Each function reads only the nodes it walks (content.ts withNodes: request, process cache, SQL).
import {
  findById,
  listEntries,
  listLength,
  readableDialog,
  readableInteraction,
  type JsonObject,
  type Snapshotter,
} from '@ferry/core';
import type { Db } from '@ferry/db';
import { fetchNodes, loadDialogs, withNodes } from './content.js';
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

/** How many dialogs, interactions and integrations a snapshot holds. */
export async function countStructure(
  db: Db,
  snap: Snapshotter,
  root: string,
): Promise<{ dialogs: number; interactions: number; integrations: number }> {
  await loadDialogs(db, snap.store, root);
  return withNodes(db, snap.store, (s) => {
    const r = s.root(root);
    const dialogs = listEntries(s.lists.load(r.dialogs));
    let interactions = 0;
    for (const d of dialogs)
      interactions += listLength(s.lists.load(s.dialogNode(d.hash).interactions));
    const responder = r.sections.responder;
    const integrations =
      responder !== undefined && 'list' in responder ? listLength(s.lists.load(responder.list)) : 0;
    return { dialogs: dialogs.length, interactions, integrations };
  });
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
  // Each step fetches a level in one query; the reads run under withNodes, which fetches anything
  // the process cache dropped in between.
  const summarize = async (
    chosen: readonly { hash: string; position: number }[],
  ): Promise<(DialogSummary & { interactionHashes: string[] })[]> => {
    const hashes = chosen.map((c) => c.hash);
    await fetchNodes(db, snap.store, hashes);
    const entities = await withNodes(db, snap.store, (s) =>
      hashes.map((h) => s.dialogNode(h).dialog),
    );
    await fetchNodes(db, snap.store, entities);
    return withNodes(db, snap.store, (s) =>
      chosen.map(({ hash, position }) => {
        const node = s.dialogNode(hash);
        const interactions = s.lists.load(node.interactions);
        return {
          ...readableDialog(s.store.decode(node.dialog) as JsonObject),
          position,
          interactions: listLength(interactions),
          interactionHashes: listEntries(interactions).map((e) => e.hash),
        };
      }),
    );
  };
  const strip = ({
    interactionHashes: _,
    ...summary
  }: DialogSummary & { interactionHashes: string[] }) => summary;
  const all = entries.map((e, position) => ({ hash: e.hash, position }));
  const needle = page.search?.trim().toLocaleLowerCase() ?? '';
  if (needle === '') {
    const chosen = await summarize(all.slice(page.offset, page.offset + page.limit));
    return { total: all.length, matching: all.length, dialogs: chosen.map(strip) };
  }
  const where = page.in ?? 'all';
  const has = (text: string) => text.toLocaleLowerCase().includes(needle);
  const summaries = await summarize(all);
  if (where !== 'dialog')
    await fetchNodes(
      db,
      snap.store,
      summaries.flatMap((d) => d.interactionHashes),
    );
  const found = await withNodes(db, snap.store, (s) => {
    const out: DialogSummary[] = [];
    for (const d of summaries) {
      const named = where !== 'interaction' && where !== 'text' && has(d.name);
      let matches = 0;
      if (where !== 'dialog')
        for (const hash of d.interactionHashes) {
          const i = readableInteraction(s.store.decode(hash) as JsonObject);
          const byName = where !== 'text' && has(i.name);
          const byText = where !== 'interaction' && [...i.texts, ...i.buttons].some(has);
          if (byName || byText) matches++;
        }
      if (named || matches > 0) out.push({ ...strip(d), matches });
    }
    return out;
  });
  return {
    total: all.length,
    matching: found.length,
    dialogs: found.slice(page.offset, page.offset + page.limit),
  };
}
