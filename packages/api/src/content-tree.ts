// The structure of a snapshot (dialog and interaction ids, list lengths) read without loading its
// entities, so that looking up one dialog or counting a bot costs a few small nodes at any bot size.
import {
  findById,
  hydrate,
  listEntries,
  listLength,
  MissingNodeError,
  type JsonObject,
  type Snapshotter,
} from '@ferry/core';
import { SqlNodeStore, type Db } from '@ferry/db';
import { fail } from './errors.js';

/** Load the tree of `root` (not its entities) into the request's snapshotter. */
export async function loadStructure(db: Db, snap: Snapshotter, root: string): Promise<void> {
  await hydrate(snap.store, new SqlNodeStore(db), root, { entities: false });
}

/** The dialog node of `dialogId` in a loaded structure; NOT_FOUND (at `field`) otherwise. */
function dialogNode(snap: Snapshotter, root: string, dialogId: string, field: string) {
  const found = findById(snap.lists.load(snap.root(root).dialogs), dialogId);
  if (found === null) return fail('NOT_FOUND', `There is no dialog with id "${dialogId}".`, field);
  return snap.dialogNode(found.entry.hash);
}

/** The ids of a dialog's interactions, in order. */
export async function interactionIdsOf(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<string[]> {
  await loadStructure(db, snap, root);
  const node = dialogNode(snap, root, dialogId, field);
  return listEntries(snap.lists.load(node.interactions)).map((e) => e.id ?? '');
}

/** Fetch single nodes into the request's snapshotter (as loaded, not as written). */
async function fetchNodes(db: Db, snap: Snapshotter, hashes: readonly string[]): Promise<void> {
  const wanted = hashes.filter((h) => snap.store.get(h) === undefined);
  if (wanted.length === 0) return;
  const found = await new SqlNodeStore(db).getMany(wanted);
  for (const h of wanted) {
    const body = found.get(h);
    if (body === undefined) throw new MissingNodeError(h);
    snap.store.load(h, body);
  }
}

/** One dialog entity (the CB `groups` entry), fetching only that entity. */
export async function readDialog(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<JsonObject> {
  await loadStructure(db, snap, root);
  const node = dialogNode(snap, root, dialogId, field);
  await fetchNodes(db, snap, [node.dialog]);
  return snap.store.decode(node.dialog) as JsonObject;
}

/** How many dialogs, interactions and integrations a snapshot holds. */
export async function countStructure(
  db: Db,
  snap: Snapshotter,
  root: string,
): Promise<{ dialogs: number; interactions: number; integrations: number }> {
  await loadStructure(db, snap, root);
  const r = snap.root(root);
  const dialogs = listEntries(snap.lists.load(r.dialogs));
  let interactions = 0;
  for (const d of dialogs)
    interactions += listLength(snap.lists.load(snap.dialogNode(d.hash).interactions));
  const responder = r.sections.responder;
  const integrations =
    responder !== undefined && 'list' in responder
      ? listLength(snap.lists.load(responder.list))
      : 0;
  return { dialogs: dialogs.length, interactions, integrations };
}

/** A dialog's interaction entities in order, fetching only those (for CB's link chain). */
export async function readInteractions(
  db: Db,
  snap: Snapshotter,
  root: string,
  dialogId: string,
  field = 'dialogId',
): Promise<JsonObject[]> {
  await loadStructure(db, snap, root);
  const entries = listEntries(
    snap.lists.load(dialogNode(snap, root, dialogId, field).interactions),
  );
  await fetchNodes(
    db,
    snap,
    entries.map((e) => e.hash),
  );
  return entries.map((e) => snap.store.decode(e.hash) as JsonObject);
}
