// Integrity of the content store: `verify` recomputes every node's hash and checks that every
// snapshot a pointer names is complete; `gc` removes the nodes no pointer reaches (mark and sweep).
import { MemoryNodeStore, MissingNodeError, hydrate, type AsyncNodeStore } from '@ferry/core';
import { SqlNodeStore, schema, type Db } from '@ferry/db';
import { sql } from 'drizzle-orm';
import { fail } from '../errors.js';
import { sha256 } from '../security.js';

/** Held (exclusively) by gc for its whole transaction. Content writers may take it shared. */
export const GC_LOCK_KEY = 7346127003;

const BATCH = 1000;

/** Shared with other content writers, exclusive for gc: a node reused now cannot be swept meanwhile. */
export async function holdOffGc(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${sql.raw(String(GC_LOCK_KEY))})`);
}

const HASH = /^[0-9a-f]{64}$/;

/** A tree node that names something other than a hash: its body is corrupt. */
class MalformedReferenceError extends Error {
  constructor(readonly reference: unknown) {
    super(`a tree node refers to ${JSON.stringify(reference) ?? 'nothing'}, which is not a hash`);
  }
}

/**
 * The SQL store, refusing to look up anything but hashes: a corrupt tree node can name
 * `undefined`, which must become a report, not a driver error.
 */
class CheckedNodeStore implements AsyncNodeStore {
  private readonly sql: SqlNodeStore;
  constructor(db: Db) {
    this.sql = new SqlNodeStore(db);
  }
  getMany(hashes: readonly string[]): Promise<Map<string, string>> {
    const bad = hashes.findIndex((h) => typeof h !== 'string' || !HASH.test(h));
    if (bad >= 0) throw new MalformedReferenceError(hashes[bad]);
    return this.sql.getMany(hashes);
  }
  putMany(): Promise<void> {
    throw new Error('read only');
  }
}

/** A row that points at a snapshot root. */
export interface RootPointer {
  kind: 'automation' | 'version' | 'release' | 'upgrade';
  id: string;
  root: string;
}

/** Every pointer to a root: automations (working copies), versions, releases and upgrades. */
export async function rootPointers(db: Db): Promise<RootPointer[]> {
  const [automations, versions, releases, upgrades] = [
    await db
      .select({ id: schema.automations.id, root: schema.automations.root })
      .from(schema.automations),
    await db.select({ id: schema.versions.id, root: schema.versions.root }).from(schema.versions),
    await db.select({ id: schema.releases.id, root: schema.releases.root }).from(schema.releases),
    await db.select({ id: schema.upgrades.id, root: schema.upgrades.root }).from(schema.upgrades),
  ];
  return [
    ...automations.map((r) => ({ kind: 'automation' as const, ...r })),
    ...versions.map((r) => ({ kind: 'version' as const, ...r })),
    ...releases.map((r) => ({ kind: 'release' as const, ...r })),
    ...upgrades.map((r) => ({ kind: 'upgrade' as const, ...r })),
  ];
}

export interface VerifyReport {
  /** Rows in `nodes`. */
  nodes: number;
  /** Nodes whose body does not hash to their key. */
  corrupt: string[];
  /** Nodes a snapshot needs that are not stored. */
  missing: string[];
  /** Distinct roots checked. */
  roots: number;
  /** Pointers whose snapshot is incomplete or unreadable. */
  damaged: (RootPointer & { problem: string })[];
  ok: boolean;
}

/**
 * Recompute every node's SHA-256 and load every pointed-at snapshot completely. Reachable nodes
 * are held in memory while checking, so memory follows the size of the reachable content.
 */
export async function verifyNodes(db: Db): Promise<VerifyReport> {
  let nodes = 0;
  const corrupt: string[] = [];
  for await (const batch of new SqlNodeStore(db).batches(true, BATCH)) {
    nodes += batch.length;
    for (const row of batch) if (sha256(row.body) !== row.hash) corrupt.push(row.hash);
  }
  const pointers = await rootPointers(db);
  const roots = [...new Set(pointers.map((p) => p.root))];
  const memory = new MemoryNodeStore();
  const source = new CheckedNodeStore(db);
  const missing = new Set<string>();
  const problems = new Map<string, string>();
  try {
    await hydrate(memory, source, roots);
  } catch {
    // Something is broken: check root by root (what loaded stays cached) to say which.
    for (const root of roots) {
      try {
        await hydrate(memory, source, root);
      } catch (e) {
        if (e instanceof MissingNodeError) {
          missing.add(e.hash);
          problems.set(root, `node ${e.hash} is missing`);
        } else problems.set(root, `unreadable: ${(e as Error).message}`);
      }
    }
  }
  const damaged = pointers.flatMap((p) => {
    const problem = problems.get(p.root);
    return problem === undefined ? [] : [{ ...p, problem }];
  });
  return {
    nodes,
    corrupt,
    missing: [...missing],
    roots: roots.length,
    damaged,
    ok: corrupt.length === 0 && missing.size === 0 && damaged.length === 0,
  };
}

/**
 * Mark every node reachable from a pointer, then delete the rest, in the caller's transaction
 * under the gc lock. Refused (nothing deleted) when a snapshot is incomplete: an unreadable tree
 * would hide what it reaches.
 */
export async function collectGarbage(tx: Db): Promise<{ kept: number; removed: number }> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(GC_LOCK_KEY))})`);
  const roots = [...new Set((await rootPointers(tx)).map((p) => p.root))];
  const memory = new MemoryNodeStore();
  try {
    await hydrate(memory, new CheckedNodeStore(tx), roots);
  } catch (e) {
    if (e instanceof MissingNodeError)
      fail(
        'PRECONDITION_FAILED',
        `Node ${e.hash} is missing, so gc cannot tell what is reachable; nothing was removed. Run verify.`,
        undefined,
        { missing: e.hash },
      );
    fail(
      'PRECONDITION_FAILED',
      `A snapshot is unreadable (${(e as Error).message}), so gc cannot tell what is reachable; nothing was removed. Run verify.`,
    );
  }
  const reachable = new Set(memory.nodes.keys());
  // A kept delta needs its base, and that base its own (chains are a few nodes long).
  const store = new SqlNodeStore(tx);
  const bases = await store.bases();
  const pending = [...reachable];
  for (let hash = pending.pop(); hash !== undefined; hash = pending.pop()) {
    const base = bases.get(hash);
    if (base !== undefined && !reachable.has(base)) {
      reachable.add(base);
      pending.push(base);
    }
  }
  let kept = 0;
  let removed = 0;
  const garbage: string[] = [];
  for await (const batch of store.batches(false, BATCH)) {
    const swept = batch.filter((r) => !reachable.has(r.hash)).map((r) => r.hash);
    kept += batch.length - swept.length;
    removed += swept.length;
    garbage.push(...swept);
  }
  // Deleted after the scan: the scan pages through the hashes in order.
  await store.deleteMany(garbage);
  return { kept, removed };
}
