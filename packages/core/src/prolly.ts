// Chunked lists (as in prolly trees): a long list is cut into chunk nodes at content-defined
// boundaries, so inserting, removing or replacing one entry rewrites only the chunks around it and
// the few nodes above, at any list length.
import type { HashFn } from './hash.js';
import type { MemoryNodeStore } from './store.js';
import { must } from './must.js';

/** A list entry: the entity's id (when it has one) and the hash of its node. */
export interface Entry {
  id: string | null;
  hash: string;
}

interface Chunk {
  hash: string;
  items: readonly Entry[];
}

/** Level 0 holds the entries; each level above lists the chunk hashes of the one below. */
export interface ChunkedList {
  readonly hash: string;
  readonly levels: readonly (readonly Chunk[])[];
}

/** Lists up to this length are one node. */
export const SMALL_LIST = 64;
/** A cut is forced after this many entries without a content-defined boundary. */
export const MAX_CHUNK = 256;

// About one entry in 32 ends a chunk; each level reads other bits of the hash.
const isBoundary = (hash: string, level: number): boolean => {
  const at = 62 - 2 * (level % 31);
  return (parseInt(hash.slice(at, at + 2), 16) & 31) === 0;
};

function serialise(items: readonly Entry[], level: number): string {
  let out = '{"i":[';
  for (let i = 0; i < items.length; i++) {
    const e = must(items[i], 'items[i]');
    if (i > 0) out += ',';
    out += level === 0 ? `[${JSON.stringify(e.id)},"${e.hash}"]` : `"${e.hash}"`;
  }
  return out + `],"l":${level}}`;
}

export class ListBuilder {
  constructor(
    private readonly store: MemoryNodeStore,
    private readonly hashFn: HashFn,
  ) {}

  build(entries: readonly Entry[]): ChunkedList {
    const levels: Chunk[][] = [];
    let items = entries;
    for (let level = 0; ; level++) {
      const chunks = this.chunkLevel(items, level, items.length <= SMALL_LIST);
      levels.push(chunks);
      if (chunks.length === 1) break;
      items = chunks.map((c) => ({ id: null, hash: c.hash }));
    }
    return this.finish(levels);
  }

  /** Like Array.prototype.splice, returning a new list; the old one stays valid. */
  splice(
    list: ChunkedList,
    start: number,
    deleteCount: number,
    insert: readonly Entry[],
  ): ChunkedList {
    const levels = list.levels.map((l) => l) as Chunk[][];
    this.spliceLevel(levels, 0, start, deleteCount, insert);
    return this.finish(levels);
  }

  /** Read a list back from the store (cached: a list node never changes). */
  load(hash: string): ChunkedList {
    const cached = this.store.memo.get('list:' + hash) as ChunkedList | undefined;
    if (cached !== undefined) return cached;
    const top = this.decodeChunk(hash);
    const levels: Chunk[][] = [[top.chunk]];
    for (let level = top.level; level > 0; level--) {
      const below: Chunk[] = [];
      for (const chunk of must(levels[0], 'levels[0]'))
        for (const item of chunk.items) below.push(this.decodeChunk(item.hash).chunk);
      levels.unshift(below);
    }
    return this.finish(levels);
  }

  private finish(levels: Chunk[][]): ChunkedList {
    const list: ChunkedList = {
      hash: must(
        must(levels[levels.length - 1], 'levels[levels.length - 1]')[0],
        'levels[levels.length - 1]![0]',
      ).hash,
      levels,
    };
    this.store.memo.set('list:' + list.hash, list);
    return list;
  }

  private decodeChunk(hash: string): { level: number; chunk: Chunk } {
    const node = this.store.decode(hash) as { i: (string | [string | null, string])[]; l: number };
    const items: Entry[] = node.i.map((x) =>
      typeof x === 'string' ? { id: null, hash: x } : { id: x[0], hash: x[1] },
    );
    return { level: node.l, chunk: { hash, items } };
  }

  private makeChunk(items: readonly Entry[], level: number): Chunk {
    const text = serialise(items, level);
    const hash = this.hashFn(text);
    this.store.put(hash, text);
    return { hash, items };
  }

  private chunkLevel(items: readonly Entry[], level: number, whole: boolean): Chunk[] {
    if (whole) return [this.makeChunk(items, level)];
    const chunks: Chunk[] = [];
    let start = 0;
    for (let i = 0; i < items.length; i++) {
      if (isBoundary(must(items[i], 'items[i]').hash, level) || i + 1 - start >= MAX_CHUNK) {
        chunks.push(this.makeChunk(items.slice(start, i + 1), level));
        start = i + 1;
      }
    }
    if (start < items.length) chunks.push(this.makeChunk(items.slice(start), level));
    return chunks;
  }

  private spliceLevel(
    levels: Chunk[][],
    level: number,
    start: number,
    del: number,
    insert: readonly Entry[],
  ): void {
    const chunks = must(levels[level], 'levels[level]');
    let total = 0;
    for (const c of chunks) total += c.items.length;
    const after = total - del + insert.length;
    let c0 = 0;
    let c1 = chunks.length - 1;
    let replacement: Chunk[];
    if (total <= SMALL_LIST || after <= SMALL_LIST) {
      // Small levels are rebuilt whole: that is cheap, and it keeps "one node up to SMALL_LIST".
      const items = chunks.flatMap((c) => c.items);
      items.splice(start, del, ...insert);
      replacement = this.chunkLevel(items, level, after <= SMALL_LIST);
    } else {
      let offset = 0;
      c0 = 0;
      while (
        c0 < chunks.length - 1 &&
        offset + must(chunks[c0], 'chunks[c0]').items.length <= start
      )
        offset += must(chunks[c0++], 'chunks[c0++]').items.length;
      c1 = c0;
      let end = offset + must(chunks[c0], 'chunks[c0]').items.length;
      while (c1 < chunks.length - 1 && end < start + del)
        end += must(chunks[++c1], 'chunks[++c1]').items.length;
      const region: Entry[] = [];
      for (let c = c0; c <= c1; c++) region.push(...must(chunks[c], 'chunks[c]').items);
      region.splice(start - offset, del, ...insert);
      // Pull in following chunks until the region ends on a content-defined boundary: from there
      // on the old chunks are exactly what a rebuild would make.
      while (
        c1 < chunks.length - 1 &&
        (region.length === 0 ||
          !isBoundary(must(region[region.length - 1], 'region[region.length - 1]').hash, level))
      )
        region.push(...must(chunks[++c1], 'chunks[++c1]').items);
      replacement = this.chunkLevel(region, level, false);
    }
    levels[level] = [...chunks.slice(0, c0), ...replacement, ...chunks.slice(c1 + 1)];
    if (must(levels[level], 'levels[level]').length === 1) {
      levels.length = level + 1;
      return;
    }
    const up = replacement.map((c) => ({ id: null, hash: c.hash }));
    if (levels.length > level + 1) {
      this.spliceLevel(levels, level + 1, c0, c1 - c0 + 1, up);
    } else {
      let items: Entry[] = must(levels[level], 'levels[level]').map((c) => ({
        id: null,
        hash: c.hash,
      }));
      for (let l = level + 1; ; l++) {
        const built = this.chunkLevel(items, l, items.length <= SMALL_LIST);
        levels[l] = built;
        if (built.length === 1) break;
        items = built.map((c) => ({ id: null, hash: c.hash }));
      }
    }
  }
}

/** All entries of a list, in order. */
export const listEntries = (list: ChunkedList): Entry[] =>
  must(list.levels[0], 'list.levels[0]').flatMap((c) => c.items);

export const listLength = (list: ChunkedList): number => {
  let n = 0;
  for (const c of must(list.levels[0], 'list.levels[0]')) n += c.items.length;
  return n;
};

// Id → offset inside one chunk. Chunks are immutable and shared by every list version that still
// contains them, so after an edit only the rewritten chunks are indexed again.
const chunkIndexes = new WeakMap<Chunk, Map<string, number>>();

/** Position and entry of the entry with `id`, or null; costs one lookup per chunk, not per entry. */
export function findById(list: ChunkedList, id: string): { index: number; entry: Entry } | null {
  let offset = 0;
  for (const chunk of must(list.levels[0], 'list.levels[0]')) {
    let index = chunkIndexes.get(chunk);
    if (index === undefined) {
      index = new Map();
      for (let i = 0; i < chunk.items.length; i++) {
        const itemId = must(chunk.items[i], 'chunk.items[i]').id;
        if (itemId !== null && !index.has(itemId)) index.set(itemId, i);
      }
      chunkIndexes.set(chunk, index);
    }
    const at = index.get(id);
    if (at !== undefined)
      return { index: offset + at, entry: must(chunk.items[at], 'chunk.items[at]') };
    offset += chunk.items.length;
  }
  return null;
}
