// Content nodes read by requests, kept for the process and shared by every request. Nodes are
// immutable and content addressed (a hash names one body forever), so a cached node never goes
// stale, on this server or beside other replicas. What the cache does NOT say is that the database
// still holds a node: gc may have swept it since. Writers therefore never skip a write because a
// node is cached (see RequestNodeStore.put).
import {
  MemoryNodeStore,
  MissingNodeError,
  must,
  parseExact,
  type AsyncNodeStore,
} from '@ferry/core';

interface Cached {
  text: string;
  /** Parsed and frozen on first use (shared: decoded nodes are deep-frozen by the core). */
  decoded: unknown;
  bytes: number;
}

/** Bytes a cached node is charged: its text (UTF-16) and about as much again once decoded. */
const cost = (text: string): number => 4 * text.length + 160;

/** A byte-bounded LRU of node bodies (and their decoded values). */
export class NodeCache {
  private readonly entries = new Map<string, Cached>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.used;
  }

  /** The entry, moved to the most recently used end. */
  private touch(hash: string): Cached | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry;
  }

  get(hash: string): string | undefined {
    return this.touch(hash)?.text;
  }

  decode(hash: string): unknown {
    const entry = this.touch(hash);
    if (entry === undefined) return undefined;
    if (entry.decoded === undefined) entry.decoded = deepFreeze(parseExact(entry.text));
    return entry.decoded;
  }

  put(hash: string, text: string): void {
    if (this.entries.has(hash)) return;
    const bytes = cost(text);
    if (bytes > this.maxBytes) return;
    this.entries.set(hash, { text, decoded: undefined, bytes });
    this.used += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.used -= entry.bytes;
    }
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The process-wide cache: 64 MB, about 16 MB of node text. */
export const nodeCache = new NodeCache(64 * 1024 * 1024);

/**
 * One request's nodes: what it loaded (from the process cache or the database) and what it wrote,
 * held for the whole request so that eviction from the shared cache never loses a node midway.
 *
 * Only nodes this request loaded or wrote count as present for `put`: a node that is merely in the
 * process cache is written again (`on conflict do nothing`), because gc may have removed it from
 * the database. Nodes loaded by walking from a root that a row points at are safe to reuse: gc keeps
 * everything reachable from a pointer, and the new root's writers hold the gc lock shared.
 */
export class RequestNodeStore extends MemoryNodeStore {
  /** Decoded nodes of this request (the process cache's shared values where it had them). */
  private readonly values = new Map<string, unknown>();

  constructor(readonly cache: NodeCache = nodeCache) {
    super();
  }

  override get(hash: string): string | undefined {
    const own = super.get(hash);
    if (own !== undefined) return own;
    const text = this.cache.get(hash);
    if (text !== undefined) super.load(hash, text);
    return text;
  }

  override decode(hash: string): unknown {
    let value = this.values.get(hash);
    if (value !== undefined) return value;
    const own = super.get(hash);
    if (own === undefined) {
      value = this.cache.decode(hash);
      if (value === undefined) throw new MissingNodeError(hash);
      super.load(hash, must(this.cache.get(hash), 'a node just found in the cache'));
    } else value = this.cache.decode(hash) ?? deepFreeze(parseExact(own));
    this.values.set(hash, value);
    return value;
  }

  /** A node read from the database: kept for this request and offered to the process cache. */
  override load(hash: string, text: string): void {
    super.load(hash, text);
    this.cache.put(hash, text);
  }

  /**
   * A node this request writes: offered to the process cache too, so that the next request on the
   * new root (the next edit) reads its path from memory. Should the transaction roll back, the
   * cached node is still that hash's body, and requests read only nodes reachable from a root a
   * row points at, which are stored: no request takes it for a stored node it is not.
   */
  override put(hash: string, text: string): void {
    super.put(hash, text);
    this.cache.put(hash, text);
  }
}

/**
 * Reads through to a request's store; a node that is in neither is recorded in `missing` and
 * thrown as MissingNodeError, or (`lenient`) answered as `{}` so that one run notes every missing
 * entity of an operation whose structure is loaded. What it writes stays here: a probe run is
 * thrown away.
 */
export class ProbeStore extends MemoryNodeStore {
  readonly missing = new Set<string>();

  constructor(
    private readonly inner: MemoryNodeStore,
    private readonly lenient = false,
  ) {
    super();
  }

  override get(hash: string): string | undefined {
    return super.get(hash) ?? this.inner.get(hash);
  }

  override decode(hash: string): unknown {
    if (super.get(hash) !== undefined) return super.decode(hash);
    if (this.inner.get(hash) !== undefined) return this.inner.decode(hash);
    this.missing.add(hash);
    if (this.lenient) return {};
    throw new MissingNodeError(hash);
  }
}

/**
 * A durable store read through the process cache, filling it. Only for nodes that a row points at
 * (through the tree of a locked working copy, say): gc keeps those, so a cached node is a stored
 * one. What `read` is given (`cached: false`) is read from the database (which shows it is stored)
 * and offered to the cache all the same.
 */
export class CachedNodeSource implements AsyncNodeStore {
  constructor(
    private readonly durable: AsyncNodeStore,
    private readonly cached = true,
    private readonly cache: NodeCache = nodeCache,
  ) {}

  async getMany(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const rest: string[] = [];
    for (const h of hashes) {
      const text = this.cached ? this.cache.get(h) : undefined;
      if (text === undefined) rest.push(h);
      else out.set(h, text);
    }
    if (rest.length > 0)
      for (const [h, text] of await this.durable.getMany(rest)) {
        out.set(h, text);
        this.cache.put(h, text);
      }
    return out;
  }

  putMany(nodes: ReadonlyMap<string, string>): Promise<void> {
    return this.durable.putMany(nodes);
  }
}
