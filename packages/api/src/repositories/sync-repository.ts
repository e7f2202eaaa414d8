// Content-addressed sync: which nodes the server holds, and storing uploaded ones.
import { SqlNodeStore, type Db } from '@ferry/db';

/** The hashes among `hashes` that no node row holds. */
export async function missingNodes(db: Db, hashes: readonly string[]): Promise<string[]> {
  const unique = [...new Set(hashes)];
  const held = await new SqlNodeStore(db).hasMany(unique);
  return unique.filter((h) => !held.has(h));
}

/**
 * Store checked nodes, in a transaction holding off gc (holdOffGc): nodes written or reused here
 * are not swept while it runs.
 */
export async function storeNodes(tx: Db, nodes: ReadonlyMap<string, string>): Promise<void> {
  await new SqlNodeStore(tx).putMany(nodes);
}
