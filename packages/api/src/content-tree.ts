// The structure of a snapshot (dialog and interaction ids, list lengths) read without loading its
// entities, so that looking up one dialog or counting a bot costs a few small nodes at any bot size.
// Each function reads only the nodes it walks (content.ts withNodes: request, process cache, SQL).
import { findById, listEntries, listLength, type JsonObject, type Snapshotter } from '@ferry/core';
import type { Db } from '@ferry/db';
import { loadDialogs, withNodes } from './content.js';
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

/** A dialog's interaction entities in order, fetching only those (for CB's link chain). */
export function readInteractions(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<JsonObject[]> {
  return withNodes(db, snap.store, (s) =>
    listEntries(s.lists.load(dialogNode(s, root, dialogId, field).interactions)).map(
      (e) => s.store.decode(e.hash) as JsonObject,
    ),
  );
}
