// Integrity of the content store: `verify` recomputes every node's hash and checks that every
// snapshot a pointer names is complete; `gc` removes the nodes no pointer reaches (mark and sweep).
import {
  MemoryNodeStore,
  MissingNodeError,
  hydrate,
  nodeChildren,
  type AsyncNodeStore,
  type NodeRole,
} from '@ferry/core';
import { SqlNodeStore, schema, type Db } from '@ferry/db';
import { inArray, sql } from 'drizzle-orm';
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

/** At most this many damaged pointers are listed (all are counted). */
export const DAMAGED_LISTED = 100;

/** A pointer whose snapshot is damaged, with what is wrong and a name a person recognises. */
export type DamagedPointer = RootPointer & { problem: string; label: string };

export interface VerifyReport {
  /** Rows in `nodes`. */
  nodes: number;
  /** Nodes whose body does not hash to their key. */
  corrupt: string[];
  /** Nodes a snapshot needs that are not stored. */
  missing: string[];
  /** Distinct roots checked. */
  roots: number;
  /**
   * Pointers whose snapshot is incomplete, unreadable or contains a corrupt node: the first
   * DAMAGED_LISTED, working copies first, then versions, releases and upgrades.
   */
  damaged: DamagedPointer[];
  /** Every damaged pointer, counted (`damaged` lists at most DAMAGED_LISTED of them). */
  damagedCount: number;
  /** The same count by kind of pointer. */
  damagedByKind: Record<RootPointer['kind'], number>;
  ok: boolean;
}

/**
 * Recompute every node's SHA-256 and load every pointed-at snapshot completely; then every pointer
 * whose snapshot needs a missing node, cannot be read, or contains a corrupt node (at any depth) is
 * damaged. Reachable nodes are held in memory while checking, so memory follows the size of the
 * reachable content.
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
  // A snapshot that loaded completely is still damaged when any node of its tree is corrupt.
  if (corrupt.length > 0) {
    const corruptSet = new Set(corrupt);
    const memo = new Map<string, string | null>();
    for (const root of roots) {
      if (problems.has(root)) continue;
      const found = corruptIn(memory, corruptSet, root, memo);
      if (found !== null) problems.set(root, `contains the corrupt node ${found}`);
    }
  }
  const all = pointers.flatMap((p) => {
    const problem = problems.get(p.root);
    return problem === undefined ? [] : [{ ...p, problem }];
  });
  const byKind: Record<RootPointer['kind'], number> = {
    automation: 0,
    version: 0,
    release: 0,
    upgrade: 0,
  };
  for (const d of all) byKind[d.kind] += 1;
  const listed = all.slice(0, DAMAGED_LISTED);
  const labels = await pointerLabels(db, listed);
  return {
    nodes,
    corrupt,
    missing: [...missing],
    roots: roots.length,
    damaged: listed.map((d) => ({ ...d, label: labels.get(d.kind + d.id) ?? `${d.kind} ${d.id}` })),
    damagedCount: all.length,
    damagedByKind: byKind,
    ok: corrupt.length === 0 && missing.size === 0 && all.length === 0,
  };
}

/**
 * The first corrupt node in the tree of `root` (fully loaded in `memory`), or null. `memo` is
 * shared across roots, so each node is looked at once and the walk is linear in the reachable
 * nodes; a node met again while its own walk is under way counts as clean (a corrupt body could
 * name an ancestor, and the walk must end).
 */
function corruptIn(
  memory: MemoryNodeStore,
  corrupt: ReadonlySet<string>,
  root: string,
  memo: Map<string, string | null>,
): string | null {
  const walk = (hash: string, role: NodeRole): string | null => {
    const key = role + hash;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, null);
    let found: string | null = corrupt.has(hash) ? hash : null;
    if (found === null)
      for (const [child, childRole] of nodeChildren(memory, hash, role)) {
        found = walk(child, childRole);
        if (found !== null) break;
      }
    memo.set(key, found);
    return found;
  };
  return walk(root, 'root');
}

/** Names for pointers as a person knows them ("version #3 of "Support (Dev)""), in a few queries. */
async function pointerLabels(
  db: Db,
  pointers: readonly RootPointer[],
): Promise<Map<string, string>> {
  const ids = (kind: RootPointer['kind']) =>
    pointers.filter((p) => p.kind === kind).map((p) => p.id);
  const labels = new Map<string, string>();
  const automationIds = new Set(ids('automation'));
  const versions = ids('version').length
    ? await db
        .select({
          id: schema.versions.id,
          number: schema.versions.number,
          name: schema.versions.name,
          automationId: schema.versions.automationId,
        })
        .from(schema.versions)
        .where(inArray(schema.versions.id, ids('version')))
    : [];
  const releases = ids('release').length
    ? await db
        .select({
          id: schema.releases.id,
          version: schema.releases.version,
          targetId: schema.releases.targetId,
        })
        .from(schema.releases)
        .where(inArray(schema.releases.id, ids('release')))
    : [];
  const upgrades = ids('upgrade').length
    ? await db
        .select({
          id: schema.upgrades.id,
          releaseVersion: schema.upgrades.releaseVersion,
          targetId: schema.upgrades.targetId,
        })
        .from(schema.upgrades)
        .where(inArray(schema.upgrades.id, ids('upgrade')))
    : [];
  for (const v of versions) automationIds.add(v.automationId);
  for (const r of releases) automationIds.add(r.targetId);
  for (const u of upgrades) automationIds.add(u.targetId);
  const names = new Map(
    automationIds.size
      ? (
          await db
            .select({ id: schema.automations.id, name: schema.automations.name })
            .from(schema.automations)
            .where(inArray(schema.automations.id, [...automationIds]))
        ).map((a) => [a.id, a.name])
      : [],
  );
  const of = (id: string) => {
    const name = names.get(id);
    return name === undefined ? 'a deleted automation' : JSON.stringify(name);
  };
  for (const id of ids('automation'))
    labels.set('automation' + id, `the working copy of ${of(id)}`);
  for (const v of versions)
    labels.set(
      'version' + v.id,
      `version #${v.number}${v.name ? ` ${JSON.stringify(v.name)}` : ''} of ${of(v.automationId)}`,
    );
  for (const r of releases)
    labels.set('release' + r.id, `release ${r.version} to ${of(r.targetId)}`);
  for (const u of upgrades)
    labels.set('upgrade' + u.id, `the upgrade of ${of(u.targetId)} to ${u.releaseVersion}`);
  return labels;
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
