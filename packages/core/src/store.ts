// Content-addressed node storage. Core works against the synchronous NodeStore; a database keeps
// the durable copy and fills a MemoryNodeStore (an always-valid cache: nodes never change) with hydrate().
import { must } from './must.js';
import { parseExact } from './lexical.js';
/** Canonical JSON text of a node or entity, keyed by its SHA-256. */
export interface NodeStore {
  get(hash: string): string | undefined;
  /** Store a node; storing an existing hash again is a no-op. */
  put(hash: string, text: string): void;
}

/** The asynchronous, durable side (e.g. the SQL table in @ferry/db). */
export interface AsyncNodeStore {
  getMany(hashes: readonly string[]): Promise<Map<string, string>>;
  putMany(nodes: ReadonlyMap<string, string>): Promise<void>;
}

/** An in-memory store that also remembers decoded nodes and records what was written. */
export class MemoryNodeStore implements NodeStore {
  readonly nodes = new Map<string, string>();
  private readonly decoded = new Map<string, unknown>();
  /** Derived, immutable structures keyed by the hash they were built from (e.g. loaded lists). */
  readonly memo = new Map<string, unknown>();
  /** Hashes put since the last `takeWritten()`, in order; new nodes only. */
  private written: string[] = [];

  get(hash: string): string | undefined {
    return this.nodes.get(hash);
  }

  put(hash: string, text: string): void {
    if (this.nodes.has(hash)) return;
    this.nodes.set(hash, text);
    this.written.push(hash);
  }

  /** Add a node read from a durable store: cached like any other, but not reported as written. */
  load(hash: string, text: string): void {
    if (!this.nodes.has(hash)) this.nodes.set(hash, text);
  }

  /** Parsed node, cached: nodes are immutable, so the cache never goes stale. */
  decode(hash: string): unknown {
    let value = this.decoded.get(hash);
    if (value === undefined) {
      const text = this.nodes.get(hash);
      if (text === undefined) throw new MissingNodeError(hash);
      value = deepFreeze(parseExact(text));
      this.decoded.set(hash, value);
    }
    return value;
  }

  /** The nodes written since the last call, to persist them elsewhere. */
  takeWritten(): Map<string, string> {
    const out = new Map<string, string>();
    for (const h of this.written) out.set(h, must(this.nodes.get(h), 'this.nodes.get(h)'));
    this.written = [];
    return out;
  }

  get size(): number {
    return this.nodes.size;
  }
}

/** A node a tree points to is not in the store: the store is incomplete or corrupt. */
export class MissingNodeError extends Error {
  constructor(readonly hash: string) {
    super(`node ${hash} is missing from the store`);
  }
}

// Decoded nodes are shared by every reader, so they are frozen: a mutation throws instead of
// silently corrupting other snapshots.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A node references something that is not a hash: the stored tree is damaged. */
export class CorruptNodeError extends Error {
  constructor(
    readonly hash: string,
    readonly reference: unknown,
  ) {
    super(
      `node ${hash} is corrupt: it references ${JSON.stringify(reference)}, which is not a hash`,
    );
  }
}
