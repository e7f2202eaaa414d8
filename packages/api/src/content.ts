// Content access for one request: the core's snapshotter over the request's nodes, read through the
// process-wide node cache (node-cache.ts) from the SQL node store, and flushed to it inside the
// request's transaction. Operations read only the nodes on the paths they touch (withNodes).
import {
  MissingNodeError,
  must,
  createSnapshotter,
  diffSnapshots,
  hydrate,
  ENV_WRAPPER_KEY,
  listEntries,
  referencedEnvNames,
  type BotContent,
  type Diff,
  type EditOp,
  type JsonValue,
  type MemoryNodeStore,
  type Snapshotter,
} from '@ferry/core';
import { SqlNodeStore, hintWritten, type Db, type EncodedNode } from '@ferry/db';
import {
  adjust,
  countContent,
  recordCounts,
  recordResolved,
  replacedEntities,
  storedCounts,
  storedResolved,
  type EnvCounts,
} from './env-index.js';
import { unwrap } from './errors.js';
import { ProbeStore, RequestNodeStore } from './node-cache.js';
import { holdOffGc } from './repositories/node-repository.js';
import { sha256 } from './security.js';

const HASH = /^[0-9a-f]{64}$/;

/**
 * The nodes an operation reading `node` opens next, whatever it is: the lower levels of a
 * multi-level list chunk (a list is loaded whole), a root's dialog list, a dialog's interactions.
 */
function nextNodes(node: unknown): string[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [];
  const n = node as Record<string, unknown>;
  if (typeof n.l === 'number' && n.l > 0 && Array.isArray(n.i))
    return n.i.filter((h): h is string => typeof h === 'string');
  if (n.v === 1 && typeof n.dialogs === 'string') return [n.dialogs];
  if (typeof n.dialog === 'string' && typeof n.interactions === 'string') return [n.interactions];
  return [];
}

/**
 * Fetch `hashes` from SQL into a request's store, with what reading them opens next (nextNodes):
 * one query per level. Returns how many of `hashes` were found.
 */
async function fetchInto(
  store: MemoryNodeStore,
  source: SqlNodeStore,
  hashes: readonly string[],
): Promise<number> {
  let found = 0;
  let wanted = [...new Set(hashes)].filter((h) => store.get(h) === undefined);
  let first = true;
  while (wanted.length > 0) {
    const rows = await source.getMany(wanted);
    const next: string[] = [];
    for (const [hash, body] of rows) {
      store.load(hash, body);
      if (first) found++;
      for (const child of nextNodes(store.decode(hash)))
        if (HASH.test(child) && store.get(child) === undefined) next.push(child);
    }
    first = false;
    wanted = [...new Set(next)];
  }
  return found;
}

/**
 * Fetch `hashes` (with what reading them opens next: a dialog node's interaction list, a list's
 * lower levels) into a request's store in one query per level, for reads that know which nodes
 * they need; nodes already at hand (request or process cache) are not fetched again.
 */
export async function fetchNodes(
  db: Db,
  store: MemoryNodeStore,
  hashes: readonly string[],
): Promise<void> {
  await fetchInto(store, new SqlNodeStore(db), hashes);
}

/** Probe rounds before falling back to loading the structure of the roots at once. */
const ROUNDS = 16;

/**
 * Run a synchronous core operation over the nodes it needs, reading only those: it runs against a
 * probe that notes the first node it lacks, that node (with its list's lower levels) is fetched in
 * one query, and it runs again, until nothing is missing. Nodes come from the request's store,
 * then the process cache, then SQL; the number of queries follows the depth of the paths touched,
 * not the size of the bot (`roots` and what opens from them are fetched first). An operation that wanders wide (a diff of many changes) stops after
 * ROUNDS: the structure of `roots` is loaded level by level, then one lenient run names every
 * entity still missing. The probe's own writes are discarded: run the operation for real after.
 */
export async function withNodes<T>(
  db: Db,
  store: MemoryNodeStore,
  run: (snap: Snapshotter) => T,
  roots: readonly string[] = [],
): Promise<T> {
  const source = new SqlNodeStore(db);
  await fetchInto(store, source, roots);
  for (let round = 0; ; round++) {
    if (round === ROUNDS && roots.length > 0) {
      await hydrate(store, source, roots, { entities: false });
      for (let pass = 0; pass < ROUNDS; pass++) {
        const lenient = new ProbeStore(store, true);
        try {
          run(createSnapshotter(sha256, lenient));
        } catch {
          // Answers of `{}` may break the operation: what it noted is still what it needs.
        }
        if (lenient.missing.size === 0) break;
        if ((await fetchInto(store, source, [...lenient.missing])) === 0) break;
      }
    }
    const probe = new ProbeStore(store);
    try {
      return run(createSnapshotter(sha256, probe));
    } catch (e) {
      if (!(e instanceof MissingNodeError) || probe.missing.size === 0) throw e;
      if ((await fetchInto(store, source, [...probe.missing])) === 0) throw e;
    }
  }
}

/**
 * Load the dialog nodes and interaction lists of `root` (not the entities) in a few queries: what
 * an operation over every dialog (counting, checking an interaction id is unused) reads.
 */
export async function loadDialogs(db: Db, store: MemoryNodeStore, root: string): Promise<void> {
  const source = new SqlNodeStore(db);
  const dialogs = await withNodes(db, store, (snap) =>
    listEntries(snap.lists.load(snap.root(root).dialogs)).map((e) => e.hash),
  );
  await fetchInto(store, source, dialogs);
  const snap = createSnapshotter(sha256, store);
  await fetchInto(
    store,
    source,
    dialogs.map((h) => snap.dialogNode(h).interactions),
  );
}

/**
 * The environment-variable counts of recent roots, for the process: a root's counts are a function
 * of its content, which never changes, so they never go stale (the row stays the durable copy).
 */
const knownCounts = new Map<string, EnvCounts>();
const KNOWN_COUNTS = 4096;
function rememberCounts(root: string, counts: EnvCounts): void {
  knownCounts.delete(root);
  knownCounts.set(root, { ...counts });
  if (knownCounts.size > KNOWN_COUNTS)
    knownCounts.delete(must(knownCounts.keys().next().value, 'the oldest root'));
}

export class ContentStore {
  readonly snap: Snapshotter;
  private readonly sql: SqlNodeStore;

  constructor(private readonly db: Db) {
    this.snap = createSnapshotter(sha256, new RequestNodeStore());
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

  /** Diff two snapshots, reading only the nodes where they differ (and the path to them). */
  async diff(before: string, after: string): Promise<Diff> {
    return withNodes(this.db, this.snap.store, (snap) => diffSnapshots(snap, before, after), [
      before,
      after,
    ]);
  }

  async write(content: BotContent): Promise<string> {
    const root = this.snap.write(content);
    await this.flush();
    await recordCounts(this.db, root, countContent(content));
    return root;
  }

  /**
   * Apply edits in order; only the nodes on the edited paths (and the entities the edits replace)
   * are loaded, and only new nodes are written. The environment-variable counts follow the change.
   */
  async edit(root: string, ops: readonly EditOp[]): Promise<string> {
    const { next, counts } = await this.apply(root, ops);
    await this.flush();
    await recordCounts(this.db, next, counts);
    rememberCounts(next, counts);
    return next;
  }

  /**
   * The root `ops` make of `root` and its environment-variable counts, without writing anything:
   * the new nodes wait in the request's store (`encodeWritten`), for one statement that stores them
   * with the change (editing.ts); `committed` then tells the process what that statement wrote.
   */
  async apply(root: string, ops: readonly EditOp[]): Promise<{ next: string; counts: EnvCounts }> {
    const counts = await this.envCounts(root);
    const apply = (
      snap: Snapshotter,
      onReplaced?: (values: JsonValue[], added: JsonValue[]) => void,
    ) => {
      let next = root;
      for (const op of ops) {
        const { hashes, added } = replacedEntities(snap, next, op);
        const replaced = hashes.map((h) => snap.store.decode(h) as JsonValue);
        const edited = snap.edit(next, op);
        if (!edited.ok) return edited;
        next = edited.value;
        onReplaced?.(replaced, added);
      }
      return { ok: true as const, value: next };
    };
    // Adding an interaction checks its id against every dialog: load their lists at once.
    if (ops.some((op) => op.op === 'addInteraction'))
      await loadDialogs(this.db, this.snap.store, root);
    // A dry run fetches what the edits read; the real one, over the request's store, writes.
    await withNodes(this.db, this.snap.store, (snap) => apply(snap), [root]);
    const next = unwrap(
      apply(this.snap, (replaced, added) => {
        for (const value of replaced) adjust(counts, value, -1);
        for (const value of added) adjust(counts, value, 1);
      }),
    );
    return { next, counts };
  }

  /**
   * The nodes written since the last flush, encoded for nodeInsertCtes (with what this request
   * read offered as delta bases, as flush does). Taken: a later flush does not write them again.
   */
  async encodeWritten(): Promise<EncodedNode[]> {
    const written = this.snap.store.takeWritten();
    return written.size === 0 ? [] : this.sql.encodeMany(written, this.readNodes(written));
  }

  /** After a statement stored `root` (apply's `next`): its counts and the depths of what it wrote. */
  committed(root: string, counts: EnvCounts, written: readonly (readonly [string, number])[]) {
    rememberCounts(root, counts);
    hintWritten(written);
  }

  /** What this request read (not wrote): the delta bases offered for what it writes. */
  private readNodes(written: ReadonlyMap<string, string>): Map<string, string> {
    const read = new Map<string, string>();
    for (const [hash, text] of this.snap.store.nodes) if (!written.has(hash)) read.set(hash, text);
    return read;
  }

  /** Record a new root's counts (and remember them for the next change, which starts from it). */
  async recordEnvCounts(root: string, counts: EnvCounts): Promise<void> {
    await recordCounts(this.db, root, counts);
    rememberCounts(root, counts);
  }

  /** How often the snapshot references each environment variable, without reading it (once counted). */
  async envCounts(root: string): Promise<EnvCounts> {
    const known = knownCounts.get(root);
    if (known !== undefined) return { ...known };
    const stored = await storedCounts(this.db, root);
    if (stored !== null) {
      rememberCounts(root, stored);
      return stored;
    }
    // Roots written before the counts existed: count once, remember.
    const counts = countContent(await this.read(root));
    await recordCounts(this.db, root, counts);
    return { ...counts };
  }

  /**
   * Every environment-variable name the snapshot references, wrappers followed. Without wrappers
   * the counts say it; with them the whole content is analysed once (or `content` given, already
   * read) and the answer kept with the counts.
   */
  async referencedNames(root: string, content?: BotContent): Promise<string[]> {
    const counts = await this.envCounts(root);
    if (!Object.hasOwn(counts, ENV_WRAPPER_KEY)) return Object.keys(counts);
    const stored = await storedResolved(this.db, root);
    if (stored !== null) return stored;
    const names = referencedEnvNames(content ?? (await this.read(root)));
    await recordResolved(this.db, root, names);
    return names;
  }

  private async flush(): Promise<void> {
    const written = this.snap.store.takeWritten();
    if (written.size === 0) return;
    // Shared with other writers, exclusive for gc: a node reused here cannot be swept meanwhile.
    await holdOffGc(this.db);
    // What this request read is offered as delta bases for what it writes (an edited path).
    await this.sql.putMany(written, this.readNodes(written));
  }
}
