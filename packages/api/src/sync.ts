// Content-addressed sync, the server's half (the client's is `pushTree` in @ferry/core): uploaded
// nodes are checked one by one (hash, canonical JSON), and a root is accepted only when its tree is
// exactly what a plain import of its export would store (core `checkTree`), reading entities only
// where the tree differs from the working copy it replaces.
import { gunzipSync } from 'node:zlib';
import {
  MemoryNodeStore,
  checkTree,
  nodeTextProblem,
  plural,
  type JsonValue,
  type KnownTree,
  type StructureCache,
  type TreeCounts,
} from '@ferry/core';
import { SqlNodeStore, type Db } from '@ferry/db';
import { ContentStore } from './content.js';
import { adjust } from './env-index.js';
import { fail } from './errors.js';
import { CachedNodeSource, nodeCache } from './node-cache.js';
import { sha256 } from './security.js';

/**
 * The structures of trees checked lately (core `checkTree`'s StructureCache), for the process: a
 * commit whose base is one of them reads and checks only what differs from it. A tree's structure
 * follows from its root hash, so it never goes stale.
 */
class CheckedTrees implements StructureCache {
  private readonly trees = new Map<string, KnownTree>();
  constructor(private readonly max: number) {}
  get(root: string): KnownTree | undefined {
    const tree = this.trees.get(root);
    if (tree !== undefined) {
      this.trees.delete(root);
      this.trees.set(root, tree);
    }
    return tree;
  }
  set(root: string, tree: KnownTree): void {
    this.trees.delete(root);
    this.trees.set(root, tree);
    for (const oldest of this.trees.keys()) {
      if (this.trees.size <= this.max) break;
      this.trees.delete(oldest);
    }
  }
}

/** A structure holds a tree's lists' entries: about 1 MB for a 10,000-interaction bot. */
export const checkedTrees = new CheckedTrees(32);

/** Most node text one upload may unpack to (a zip bomb stops here). */
export const MAX_UPLOAD_UNPACKED = 64 * 1024 * 1024;

/**
 * The nodes of one upload: `data` is the nodes' texts joined by newlines (canonical JSON never
 * holds a raw newline), gzip-compressed unless `encoding` is `identity`, in base64. Each must hash
 * to the hash sent at its position and be canonical JSON; otherwise nothing is stored.
 */
export function unpackNodes(
  hashes: readonly string[],
  data: string,
  encoding: 'gzip' | 'identity',
): Map<string, string> {
  const raw = Buffer.from(data, 'base64');
  let text: string;
  try {
    text = (
      encoding === 'gzip' ? gunzipSync(raw, { maxOutputLength: MAX_UPLOAD_UNPACKED }) : raw
    ).toString('utf8');
  } catch (e) {
    return fail(
      'VALIDATION',
      (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
        ? `The upload unpacks to more than ${MAX_UPLOAD_UNPACKED / (1024 * 1024)} MB; send smaller batches.`
        : 'The upload is not valid gzip data in base64.',
      'data',
    );
  }
  const texts = text === '' ? [] : text.split('\n');
  if (texts.length !== hashes.length)
    fail(
      'VALIDATION',
      `The upload holds ${plural(texts.length, 'node')} but names ${plural(hashes.length, 'hash', 'hashes')}.`,
      'hashes',
    );
  const nodes = new Map<string, string>();
  texts.forEach((body, i) => {
    const claimed = hashes[i];
    const actual = sha256(body);
    if (actual !== claimed)
      fail(
        'VALIDATION',
        `Node ${i} of the upload hashes to ${actual}, not to ${String(claimed)}.`,
        `hashes.${i}`,
      );
    const problem = nodeTextProblem(body);
    if (problem !== null) fail('VALIDATION', `Node ${actual} ${problem}.`, `hashes.${i}`);
    nodes.set(actual, body);
  });
  return nodes;
}

/**
 * Check the tree `root` against `base` (the working copy it replaces, or null). Throws VALIDATION
 * with the path of what is wrong. `record` writes the tree's environment-variable counts (the
 * caller sends it with its other writes).
 */
export async function acceptTree(
  db: Db,
  root: string,
  base: string | null,
  /** Nodes this transaction stored (checked by unpackNodes): not read back from the database. */
  stored?: ReadonlyMap<string, string>,
): Promise<{ counts: TreeCounts; checkedEntities: number; record: () => Promise<void> }> {
  const memory = new MemoryNodeStore();
  for (const [hash, text] of stored ?? []) {
    memory.load(hash, text);
    nodeCache.put(hash, text);
  }
  // The base is the locked working copy's tree: its nodes may come from the process cache. The
  // tree's own nodes are read from the database (that is what shows they were uploaded), and
  // cached for the next commit, whose base this tree will be.
  const sql = new SqlNodeStore(db);
  const checked = await checkTree(memory, new CachedNodeSource(sql, false), sha256, root, base, {
    baseSource: new CachedNodeSource(sql),
    structures: checkedTrees,
  });
  if (!checked.ok) {
    const { message, path, details } = checked.error;
    return fail('VALIDATION', message, path === 'root' ? 'root' : `document${path ?? ''}`, details);
  }
  const { counts, entityDelta, checkedEntities } = checked.value;
  // The references follow the change: the base's counts, minus what left, plus what came.
  const content = new ContentStore(db);
  const env = base === null ? {} : await content.envCounts(base);
  for (const [hash, n] of entityDelta) {
    const value = memory.decode(hash) as JsonValue;
    for (let k = 0; k < Math.abs(n); k++) adjust(env, value, n > 0 ? 1 : -1);
  }
  return { counts, checkedEntities, record: () => content.recordEnvCounts(root, env) };
}
