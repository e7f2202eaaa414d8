// Content-addressed sync, the client's half: offer a snapshot tree to a server that already holds
// many of its nodes, and send only the nodes it lacks (like git's have/want negotiation). Stored
// trees are always complete, so an entity under a node the server has needs no offer: the client
// offers every structure node, then the entities under the structure nodes the server lacks — two
// rounds of questions. Transport and compression are the caller's (this module is pure).
import type { MemoryNodeStore } from './store.js';
import type { RootNode, DialogNode } from './snapshot.js';

/** What a node is in a snapshot tree; an entity has no children. */
export type TreeRole = 'root' | 'list' | 'dialogList' | 'dialog' | 'entity';

/** The hashes a node refers to, with their roles (entities: none). */
export function treeChildren(
  store: MemoryNodeStore,
  hash: string,
  role: TreeRole,
): [string, TreeRole][] {
  switch (role) {
    case 'root': {
      const r = store.decode(hash) as RootNode;
      const out: [string, TreeRole][] = [
        [r.settings, 'entity'],
        [r.dialogs, 'dialogList'],
      ];
      if (r.order !== null) out.push([r.order, 'entity']);
      if (r.format !== undefined) out.push([r.format, 'entity']);
      if (r.orphans !== undefined) out.push([r.orphans, 'list']);
      for (const ref of Object.values(r.sections))
        out.push('list' in ref ? [ref.list, 'list'] : [ref.value, 'entity']);
      return out;
    }
    case 'dialog': {
      const d = store.decode(hash) as DialogNode;
      return [
        [d.dialog, 'entity'],
        [d.interactions, 'list'],
      ];
    }
    case 'list':
    case 'dialogList': {
      const node = store.decode(hash) as { l: number; i: (string | [string | null, string])[] };
      if (node.l > 0) return node.i.map((h) => [h as string, role]);
      const leaf: TreeRole = role === 'dialogList' ? 'dialog' : 'entity';
      return node.i.map((e) => [(e as [string | null, string])[1], leaf]);
    }
    case 'entity':
      return [];
  }
}

/** The server's side of the negotiation, as the client sees it. */
export interface SyncRemote {
  /** Which of `hashes` the server does not hold. */
  missing(hashes: readonly string[]): Promise<readonly string[]>;
  /** Store these nodes (hash and canonical text) on the server. */
  upload(nodes: readonly { hash: string; text: string }[]): Promise<void>;
}

export interface SyncOptions {
  /** Most hashes offered in one `missing` call (default 10,000). */
  offerBatch?: number;
  /** Most node text (UTF-16 units) in one `upload` call (default 4,000,000). */
  uploadBatch?: number;
}

export interface SyncStats {
  /** `missing` calls made (about one per tree level). */
  rounds: number;
  /** Hashes offered in all. */
  offered: number;
  /** Nodes sent, and their text length (before any compression the transport applies). */
  uploadedNodes: number;
  uploadedChars: number;
}

/**
 * Send the nodes of the tree `root` (all in `store`) that the server lacks, in two rounds of
 * questions whatever the depth of the tree: first every structure node (the root, list chunks,
 * dialog nodes: about one for every 12 entities), then the entities below the structure nodes it
 * lacks. An entity under a structure node the server holds is not offered (stored trees are
 * complete); a structure node is, even below one the server holds, which costs a few hashes and
 * saves a round per level.
 */
export async function pushTree(
  store: MemoryNodeStore,
  root: string,
  remote: SyncRemote,
  options: SyncOptions = {},
): Promise<SyncStats> {
  const offerBatch = options.offerBatch ?? 10_000;
  const uploadBatch = options.uploadBatch ?? 4_000_000;
  const stats: SyncStats = { rounds: 0, offered: 0, uploadedNodes: 0, uploadedChars: 0 };
  const ask = async (hashes: readonly string[]): Promise<Set<string>> => {
    const missing = new Set<string>();
    for (let i = 0; i < hashes.length; i += offerBatch) {
      const offer = hashes.slice(i, i + offerBatch);
      stats.rounds++;
      stats.offered += offer.length;
      for (const h of await remote.missing(offer)) missing.add(h);
    }
    return missing;
  };
  // The structure, parents before children, each node once with its entity children.
  const structure: string[] = [];
  const entitiesOf = new Map<string, string[]>();
  // A node can sit in several places (an empty list, a shared entity) and roles: walk it once per role.
  const seen = new Set<string>(['root' + root]);
  const walk: [string, TreeRole][] = [[root, 'root']];
  for (let k = 0; k < walk.length; k++) {
    const [hash, role] = walk[k] as [string, TreeRole];
    let entities = entitiesOf.get(hash);
    if (entities === undefined) {
      structure.push(hash);
      entitiesOf.set(hash, (entities = []));
    }
    for (const child of treeChildren(store, hash, role)) {
      const key = child[1] + child[0];
      if (seen.has(key)) continue;
      seen.add(key);
      if (child[1] === 'entity') entities.push(child[0]);
      else walk.push(child);
    }
  }
  const lackingStructure = await ask(structure);
  const entities = new Set<string>();
  for (const hash of structure)
    if (lackingStructure.has(hash)) for (const e of entitiesOf.get(hash) ?? []) entities.add(e);
  const lackingEntities = entities.size === 0 ? new Set<string>() : await ask([...entities]);
  const lacking = [
    ...structure.filter((h) => lackingStructure.has(h)),
    ...[...entities].filter((h) => lackingEntities.has(h) && !lackingStructure.has(h)),
  ];
  // Children first: a server that stores a batch before the next arrives never holds a parent
  // without its children for long (the commit checks completeness anyway).
  lacking.reverse();
  let batch: { hash: string; text: string }[] = [];
  let size = 0;
  const send = async () => {
    if (batch.length === 0) return;
    await remote.upload(batch);
    stats.uploadedNodes += batch.length;
    stats.uploadedChars += size;
    batch = [];
    size = 0;
  };
  for (const hash of lacking) {
    const text = store.get(hash);
    if (text === undefined) throw new Error(`node ${hash} is not in the local store`);
    if (size > 0 && size + text.length > uploadBatch) await send();
    batch.push({ hash, text });
    size += text.length;
  }
  await send();
  return stats;
}
