// Content access for one request: the core's snapshotter over an in-memory node cache, filled from
// and flushed to the SQL node store inside the request's transaction.
import {
  MemoryNodeStore,
  createSnapshotter,
  hydrate,
  type BotContent,
  type EditOp,
  type Snapshotter,
} from '@ferry/core';
import { SqlNodeStore, type Db } from '@ferry/db';
import { sql } from 'drizzle-orm';
import { unwrap } from './errors.js';
import { GC_LOCK_KEY } from './repositories/node-maintenance.js';
import { sha256 } from './security.js';

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

  /** Make snapshots fully available for diffs. */
  async load(...roots: string[]): Promise<void> {
    await hydrate(this.snap.store, this.sql, roots);
  }

  async write(content: BotContent): Promise<string> {
    const root = this.snap.write(content);
    await this.flush();
    return root;
  }

  /** Apply edits in order; only the tree structure is loaded, and only new nodes are written. */
  async edit(root: string, ops: readonly EditOp[]): Promise<string> {
    await hydrate(this.snap.store, this.sql, root, { entities: false });
    let next = root;
    for (const op of ops) next = unwrap(this.snap.edit(next, op));
    await this.flush();
    return next;
  }

  private async flush(): Promise<void> {
    const written = this.snap.store.takeWritten();
    if (written.size === 0) return;
    // Shared with other writers, exclusive for gc: a node reused here cannot be swept meanwhile.
    await this.db.execute(sql`select pg_advisory_xact_lock_shared(${GC_LOCK_KEY})`);
    await this.sql.putMany(written);
  }
}
