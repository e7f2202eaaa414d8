// Fill an in-memory store with the nodes of a snapshot from a durable (asynchronous) store, one
// batch per tree level, skipping what is already cached.
import type { RootNode, DialogNode } from './snapshot.js';
import type { AsyncNodeStore, MemoryNodeStore } from './store.js';
import { CorruptNodeError, MissingNodeError } from './store.js';

const HASH = /^[0-9a-f]{64}$/;

/** What a node is within a snapshot: its role says how to read the references it holds. */
export type NodeRole = 'root' | 'dialog' | 'entity' | 'order' | 'dialogList' | 'entityList';
type Role = NodeRole;

export interface HydrateOptions {
  /**
   * Also load the entities (default true). Edits need only the tree's structure: the changed
   * entity comes with the edit.
   */
  entities?: boolean;
}

/** Make every node of the snapshot `root` (or its structure only) available in `memory`. */
export async function hydrate(
  memory: MemoryNodeStore,
  source: AsyncNodeStore,
  roots: string | readonly string[],
  options: HydrateOptions = {},
): Promise<void> {
  const withEntities = options.entities ?? true;
  let frontier: [string, Role][] = (typeof roots === 'string' ? [roots] : roots).map((r) => [
    r,
    'root',
  ]);
  const seen = new Set<string>();
  while (frontier.length > 0) {
    const wanted = frontier.filter(([h]) => memory.get(h) === undefined).map(([h]) => h);
    if (wanted.length > 0) {
      const found = await source.getMany([...new Set(wanted)]);
      for (const h of wanted) {
        const body = found.get(h);
        if (body === undefined) throw new MissingNodeError(h);
        memory.load(h, body);
      }
    }
    const next: [string, Role][] = [];
    const push = (hash: string, role: Role) => {
      if (role === 'entity' && !withEntities) return;
      const key = role + hash;
      if (seen.has(key)) return;
      seen.add(key);
      next.push([hash, role]);
    };
    for (const [hash, role] of frontier)
      for (const [child, childRole] of nodeChildren(memory, hash, role)) push(child, childRole);
    frontier = next;
  }
}

/**
 * The nodes one node of a snapshot refers to, each with its role, in the node's own order. The
 * node must be in `memory`; a reference that is not a hash is a CorruptNodeError.
 */
export function nodeChildren(
  memory: MemoryNodeStore,
  hash: string,
  role: NodeRole,
): [string, NodeRole][] {
  const out: [string, NodeRole][] = [];
  const push = (ref: unknown, childRole: NodeRole, from: string) => {
    if (typeof ref !== 'string' || !HASH.test(ref)) throw new CorruptNodeError(from, ref);
    out.push([ref, childRole]);
  };
  switch (role) {
    case 'root': {
      const r = memory.decode(hash) as RootNode;
      push(r.settings, 'entity', hash);
      push(r.dialogs, 'dialogList', hash);
      // The export order is structure: edits that add or remove interactions rewrite it.
      if (r.order !== null) push(r.order, 'order', hash);
      if (r.format !== undefined) push(r.format, 'order', hash);
      if (r.orphans !== undefined) push(r.orphans, 'entityList', hash);
      for (const ref of Object.values(r.sections)) {
        if ('list' in ref) push(ref.list, 'entityList', hash);
        else push(ref.value, 'entity', hash);
      }
      break;
    }
    case 'dialog': {
      const d = memory.decode(hash) as DialogNode;
      push(d.dialog, 'entity', hash);
      push(d.interactions, 'entityList', hash);
      break;
    }
    case 'dialogList':
    case 'entityList': {
      const node = memory.decode(hash) as {
        l: number;
        i: (string | [string | null, string])[];
      };
      for (const item of node.i) {
        if (node.l > 0) push(item, role, hash);
        else
          push(
            (item as [string | null, string])[1],
            role === 'dialogList' ? 'dialog' : 'entity',
            hash,
          );
      }
      break;
    }
    case 'entity':
    case 'order':
      break;
  }
  return out;
}
