// Content access for one request: the core's snapshotter over an in-memory node cache, filled from
// and flushed to the SQL node store inside the request's transaction.
import {
  MemoryNodeStore,
  createSnapshotter,
  diffSnapshots,
  hydrate,
  type BotContent,
  type Diff,
  type EditOp,
  type JsonValue,
  type Snapshotter,
} from '@ferry/core';
import { SqlNodeStore, type Db } from '@ferry/db';
import { sql } from 'drizzle-orm';
import {
  adjust,
  countContent,
  recordCounts,
  replacedEntities,
  storedCounts,
  type EnvCounts,
} from './env-index.js';
import { unwrap } from './errors.js';
import { GC_LOCK_KEY } from './repositories/node-repository.js';
import { sha256 } from './security.js';

/** Reads through to a store, answering `{}` for absent nodes and remembering which were asked for. */
class ProbeStore extends MemoryNodeStore {
  readonly missing = new Set<string>();

  constructor(private readonly inner: MemoryNodeStore) {
    super();
  }

  override get(hash: string): string | undefined {
    return this.inner.get(hash);
  }

  override decode(hash: string): unknown {
    if (this.inner.get(hash) !== undefined) return this.inner.decode(hash);
    this.missing.add(hash);
    return {};
  }
}

export class ContentStore {
  readonly snap: Snapshotter;
  private readonly sql: SqlNodeStore;

  constructor(private readonly db: Db) {
    this.snap = createSnapshotter(sha256, new MemoryNodeStore());
    this.sql = new SqlNodeStore(db);
  }

  async read(root: string): Promise<BotContent> {
    await hydrate(this.snap.store, this.sql, root);
    return this.snap.read(root);
  }

  /** Make snapshots fully available. */
  async load(...roots: string[]): Promise<void> {
    await hydrate(this.snap.store, this.sql, roots);
  }

  /**
   * Diff two snapshots, reading only their structure and the entities the diff opens: a first
   * pass over the structure names the changed entities (which ones is decided by hashes alone),
   * one query fetches them, and the second pass produces the diff.
   */
  async diff(before: string, after: string): Promise<Diff> {
    await hydrate(this.snap.store, this.sql, [before, after], { entities: false });
    const probe = new ProbeStore(this.snap.store);
    diffSnapshots(createSnapshotter(sha256, probe), before, after);
    await this.fetch([...probe.missing]);
    return diffSnapshots(this.snap, before, after);
  }

  async write(content: BotContent): Promise<string> {
    const root = this.snap.write(content);
    await this.flush();
    await recordCounts(this.db, root, countContent(content));
    return root;
  }

  /**
   * Apply edits in order; only the tree structure (and the entities the edits replace) is loaded,
   * and only new nodes are written. The environment-variable counts follow the change.
   */
  async edit(root: string, ops: readonly EditOp[]): Promise<string> {
    await hydrate(this.snap.store, this.sql, root, { entities: false });
    const counts = await this.envCounts(root);
    let next = root;
    for (const op of ops) {
      const { hashes, added } = replacedEntities(this.snap, next, op);
      await this.fetch(hashes);
      next = unwrap(this.snap.edit(next, op));
      for (const h of hashes) adjust(counts, this.snap.store.decode(h) as JsonValue, -1);
      for (const value of added) adjust(counts, value, 1);
    }
    await this.flush();
    await recordCounts(this.db, next, counts);
    return next;
  }

  /** How often the snapshot references each environment variable, without reading it (once counted). */
  async envCounts(root: string): Promise<EnvCounts> {
    const stored = await storedCounts(this.db, root);
    if (stored !== null) return stored;
    // Roots written before the counts existed: count once, remember.
    const counts = countContent(await this.read(root));
    await recordCounts(this.db, root, counts);
    return { ...counts };
  }

  private async fetch(hashes: readonly string[]): Promise<void> {
    const missing = hashes.filter((h) => this.snap.store.get(h) === undefined);
    if (missing.length === 0) return;
    const found = await this.sql.getMany(missing);
    for (const [hash, body] of found) this.snap.store.load(hash, body);
  }

  private async flush(): Promise<void> {
    const written = this.snap.store.takeWritten();
    if (written.size === 0) return;
    // Shared with other writers, exclusive for gc: a node reused here cannot be swept meanwhile.
    await this.db.execute(sql`select pg_advisory_xact_lock_shared(${GC_LOCK_KEY})`);
    await this.sql.putMany(written);
  }
}
