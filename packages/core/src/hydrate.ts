// Fill an in-memory store with the nodes of a snapshot from a durable (asynchronous) store, one
// batch per tree level, skipping what is already cached.
import type { RootNode, DialogNode } from './snapshot.js';
import type { AsyncNodeStore, MemoryNodeStore } from './store.js';
import { MissingNodeError } from './store.js';

type Role = 'root' | 'dialog' | 'entity' | 'dialogList' | 'entityList';

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
        memory.put(h, body);
      }
      memory.takeWritten(); // loaded, not newly written
    }
    const next: [string, Role][] = [];
    const push = (hash: string, role: Role) => {
      if (role === 'entity' && !withEntities) return;
      const key = role + hash;
      if (seen.has(key)) return;
      seen.add(key);
      next.push([hash, role]);
    };
    for (const [hash, role] of frontier) {
      switch (role) {
        case 'root': {
          const r = memory.decode(hash) as RootNode;
          push(r.settings, 'entity');
          push(r.dialogs, 'dialogList');
          if (r.order !== null) push(r.order, 'entity');
          for (const ref of Object.values(r.sections)) {
            if ('list' in ref) push(ref.list, 'entityList');
            else push(ref.value, 'entity');
          }
          break;
        }
        case 'dialog': {
          const d = memory.decode(hash) as DialogNode;
          push(d.dialog, 'entity');
          push(d.interactions, 'entityList');
          break;
        }
        case 'dialogList':
        case 'entityList': {
          const node = memory.decode(hash) as {
            l: number;
            i: (string | [string | null, string])[];
          };
          for (const item of node.i) {
            if (node.l > 0) push(item as string, role);
            else
              push(
                (item as [string | null, string])[1],
                role === 'dialogList' ? 'dialog' : 'entity',
              );
          }
          break;
        }
        case 'entity':
          break;
      }
    }
    frontier = next;
  }
}
