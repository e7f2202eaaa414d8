// The SQL side of the core's node store: content-addressed rows, written once, shared by every
// automation, version and release.
//
// Stored form (migration 0004): `hash` is the 32 bytes of the SHA-256, `body` one format byte then
// the data, `base` the hash of the node a delta was made against (else null; a base may itself be
// a delta, at most MAX_DEPTH deep, and a read fetches the whole chain in one recursive query):
//   0  the canonical JSON text, UTF-8 (rows from before 0004, and bodies deflate does not shrink)
//   1  that text, raw deflate
//   2  that text, raw deflate with the base node's text as the dictionary: a node that differs a
//      little from one the writer read (an edited interaction, the list chunk it sits in, the
//      nodes above it) costs tens of bytes instead of kilobytes
//   3  a patch of the base node's text (UTF-8): how many bytes of its start and of its end stay
//      (two varints), then the bytes between, as they are (mode 0) or, when they are lower-case
//      hex digits, packed two to a byte (mode 1; mode 2: with one digit left over, in the low
//      half of the last byte). A node whose one change is a hash (a list chunk, a dialog node, a
//      root, after an edit) costs about 40 bytes; deflate needs about 70 for the same.
// gc keeps the bases of every node it keeps (node-repository.ts).
// The TypeScript interface stays hex strings and text, as the core sees nodes.
import type { AsyncNodeStore } from '@ferry/core';
import { sql, type SQL } from 'drizzle-orm';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Db } from './database.js';
import { rawRows as rows } from './raw-rows.js';

const BATCH = 500;
/** Hashes one existence query names (one parameter; the answer is hashes only). */
const LOOKUP_BATCH = 5000;
const PLAIN = 0;
const DEFLATE = 1;
const DELTA = 2;
const PATCH = 3;
/** A delta may be based on a delta, this many deep at most (a read fetches the chain at once). */
const MAX_DEPTH = 8;
/** Base candidates tried per written node (same kind of node, closest in length). */
const CANDIDATES = 4;
/** A patch this small is taken without deflating against the base to compare. */
const TINY_PATCH = 48;

const bytes = (value: unknown): Buffer => {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  if (typeof value === 'string' && value.startsWith('\\x'))
    return Buffer.from(value.slice(2), 'hex');
  throw new Error(`not a bytea value: ${typeof value}`);
};

const HASH = /^[0-9a-f]{64}$/;

/**
 * Hashes as a subquery of byteas, sent as one text-array parameter: the query's text is the same
 * whatever the number of hashes, so the driver prepares it once per connection (one round trip a
 * query). Anything but a hash (which no row can have) is left out.
 */
const hexList = (hashes: readonly string[]): SQL => {
  const valid = hashes.filter((h) => HASH.test(h));
  return sql`select decode(h, 'hex') from unnest(${'{' + valid.join(',') + '}'}::text[]) as h`;
};

/** A stored body as its text; `base` is the base node's text for a delta. */
export function decodeBody(body: Uint8Array, base?: string): string {
  const data = Buffer.from(body.buffer, body.byteOffset + 1, body.length - 1);
  switch (body[0]) {
    case PLAIN:
      return data.toString('utf8');
    case DEFLATE:
      return inflateRawSync(data).toString('utf8');
    case DELTA:
      if (base === undefined) throw new Error('a delta node needs its base');
      return inflateRawSync(data, { dictionary: Buffer.from(base, 'utf8') }).toString('utf8');
    case PATCH:
      if (base === undefined) throw new Error('a patch node needs its base');
      return applyPatch(data, Buffer.from(base, 'utf8')).toString('utf8');
    default:
      throw new Error(`unknown node body format ${String(body[0])}`);
  }
}

/** The smallest stored form of `text`: plain, deflated, or (given a base text) a delta or patch. */
export function encodeBody(text: string, base?: string): { body: Buffer; delta: boolean } {
  const best = encodeAgainst(text, base === undefined ? [] : [{ hash: '', text: base }]);
  return { body: best.body, delta: best.base !== null };
}

/**
 * The smallest stored form of `text`, with the base it is a delta against (null: none) and the
 * smallest form that needs no base (`whole`, the same buffer when there is no delta). The text
 * is deflated once, and once more per candidate base whose patch (format 3) is not already tiny.
 *
 * `quick`: a delta at most an eighth of the text's size is taken without deflating the text alone
 * to compare (deflate seldom shrinks a node's JSON that much, and when it does the delta is still
 * that small), and `whole` is then the plain text: it is stored only if the base turns out to be
 * unusable (nodeInsertCtes). That is a third of the deflating of an edit (one-statement writes).
 */
function encodeAgainst(
  text: string,
  candidates: readonly { hash: string; text: string }[],
  quick = false,
): { body: Buffer; base: string | null; whole: Buffer } {
  const utf8 = Buffer.from(text, 'utf8');
  // Per candidate base: the patch of its text. When one of them is tiny (what an edit's changed
  // node and the nodes above it get against their previous versions) it is taken; else each
  // candidate is also deflated with its text as the dictionary, and the smallest body wins.
  const tried = candidates.map((candidate) => {
    const base = Buffer.from(candidate.text, 'utf8');
    return {
      base,
      hash: candidate.hash,
      body: Buffer.concat([Buffer.of(PATCH), patchOf(utf8, base)]),
    };
  });
  const smallest = (bodies: readonly { body: Buffer; hash: string }[]) =>
    bodies.reduce<{ body: Buffer; hash: string } | null>(
      (best, b) => (best === null || b.body.length < best.body.length ? b : best),
      null,
    );
  let delta = smallest(tried);
  if (delta !== null && delta.body.length > TINY_PATCH)
    delta = smallest(
      tried.map(({ base, hash, body }) => {
        const d = deflateRawSync(utf8, { level: 9, dictionary: base });
        return {
          hash,
          body: d.length + 1 < body.length ? Buffer.concat([Buffer.of(DELTA), d]) : body,
        };
      }),
    );
  // The base's hash costs 33 bytes in the row. A delta (with it) a third of the text or less is
  // taken without deflating the whole text to compare: a node's JSON seldom deflates further,
  // and a small node (an edit's dialog list, root) would pay a deflate for nothing.
  if (quick && delta !== null && (delta.body.length + 33) * 3 <= utf8.length)
    return { body: delta.body, base: delta.hash, whole: Buffer.concat([Buffer.of(PLAIN), utf8]) };
  let whole = Buffer.concat([Buffer.of(PLAIN), utf8]);
  const deflated = deflateRawSync(utf8, { level: 9 });
  if (deflated.length + 1 < whole.length) whole = Buffer.concat([Buffer.of(DEFLATE), deflated]);
  if (delta !== null && delta.body.length + 33 < whole.length)
    return { body: delta.body, base: delta.hash, whole };
  return { body: whole, base: null, whole };
}

/**
 * What this process has seen of stored delta chains: a node's depth (0: stored whole, n: a delta
 * whose base has depth n - 1), learned from reads and from writes. A hint for picking delta bases
 * without asking the database, never trusted: the statement that writes a delta against a hinted
 * base checks that base's chain itself (nodeInsertCtes). Bounded; the oldest hints go first.
 */
const depthHints = new Map<string, number>();
const DEPTH_HINTS = 50_000;

function hintDepth(hash: string, depth: number): void {
  depthHints.delete(hash);
  depthHints.set(hash, depth);
  if (depthHints.size > DEPTH_HINTS) depthHints.delete(depthHints.keys().next().value as string);
}

/** Learn the depth of every row of `chains` whose chain is all there. */
function hintChains(chains: ReadonlyMap<string, ChainRow>): void {
  const depths = new Map<string, number | null>();
  const depthOf = (hash: string, seen: number): number | null => {
    const known = depths.get(hash);
    if (known !== undefined) return known;
    const row = chains.get(hash);
    let depth: number | null = null;
    if (row !== undefined && seen <= MAX_DEPTH + 1)
      if (row.base === null) depth = 0;
      else {
        const below = depthOf(row.base, seen + 1);
        depth = below === null ? null : below + 1;
      }
    depths.set(hash, depth);
    return depth;
  };
  for (const hash of chains.keys()) {
    const depth = depthOf(hash, 0);
    if (depth !== null) hintDepth(hash, depth);
  }
}

/** Learn the depths of written nodes (as `nodeInsertCtes` reports them: hash and depth). */
export function hintWritten(written: readonly (readonly [string, number])[]): void {
  for (const [hash, depth] of written) hintDepth(hash, depth);
}

/**
 * A node encoded for nodeInsertCtes: `body` (base64) is a delta against `base` when that is not
 * null, and `whole` (base64) is then what to store instead should `base` not be usable when the
 * statement runs (gone, or its chain already MAX_DEPTH long).
 */
export interface EncodedNode {
  hash: string;
  body: string;
  base: string | null;
  whole: string | null;
}

/** An array parameter of hex, base64 or NULL items (nothing to escape in them). */
const textArray = (items: readonly (string | null)[]): string =>
  '{' + items.map((v) => (v === null ? 'NULL' : `"${v}"`)).join(',') + '}';

/**
 * Common table expressions (for a statement's `with recursive`) that store `nodes` when `when` is
 * true, checking each delta's base in the same statement: it must be stored, with a chain shorter
 * than MAX_DEPTH, else the node is stored whole. The last one, `written_nodes`, gives the hash (hex)
 * and depth of each node the statement inserted (existing hashes are left as they are). Four
 * array parameters whatever the number of nodes: the statement text stays the same. `when` must
 * hold the gc lock shared (see SqlNodeStore.putMany) before any row is inserted. Bases are looked up
 * by hash (lateral subqueries the planner cannot flatten), never by scanning `nodes`.
 */
export function nodeInsertCtes(nodes: readonly EncodedNode[], when: SQL): SQL {
  return sql`new_nodes(h, b, x, w) as (
      select decode(h, 'hex'), decode(b, 'base64'), decode(x, 'hex'), decode(w, 'base64')
      from unnest(${textArray(nodes.map((n) => n.hash))}::text[], ${textArray(nodes.map((n) => n.body))}::text[],
                  ${textArray(nodes.map((n) => n.base))}::text[], ${textArray(nodes.map((n) => n.whole))}::text[])
        as t(h, b, x, w)
    ),
    base_chain(start, base, depth) as (
      select b.x, n.base, 0 from (select distinct x from new_nodes where x is not null) b
      cross join lateral (select base from nodes where hash = b.x limit 1) n
      union all
      select c.start, n.base, c.depth + 1 from base_chain c
      cross join lateral (select base from nodes where hash = c.base limit 1) n
      where c.depth < ${sql.raw(String(MAX_DEPTH))}
    ),
    base_depth(hash, depth) as (
      select start, min(depth) filter (where base is null) from base_chain group by start
    ),
    inserted_nodes(hash, base) as (
      insert into nodes (hash, body, base)
      select n.h,
             case when n.x is null or d.depth < ${sql.raw(String(MAX_DEPTH))} then n.b else n.w end,
             case when d.depth < ${sql.raw(String(MAX_DEPTH))} then n.x end
      from new_nodes n left join base_depth d on d.hash = n.x
      where ${when}
      on conflict (hash) do nothing
      returning hash, base
    ),
    written_nodes(hash, depth) as (
      select encode(i.hash, 'hex'), coalesce(d.depth + 1, 0)
      from inserted_nodes i left join base_depth d on d.hash = i.base
    )`;
}

/** `text` as a patch of `base`: kept start and end (varints), then the bytes between. */
function patchOf(text: Buffer, base: Buffer): Buffer {
  const most = Math.min(text.length, base.length);
  let start = 0;
  while (start < most && text[start] === base[start]) start++;
  let end = 0;
  while (end < most - start && text[text.length - 1 - end] === base[base.length - 1 - end]) end++;
  const middle = text.subarray(start, text.length - end);
  const head = [...varint(start), ...varint(end)];
  if (!middle.every(isHexDigit)) return Buffer.concat([Buffer.from([...head, 0]), middle]);
  const packed = Buffer.alloc(Math.ceil(middle.length / 2));
  for (let i = 0; i < middle.length; i++)
    packed[i >> 1] = ((packed[i >> 1] as number) << 4) | hexValue(middle[i] as number);
  return Buffer.concat([Buffer.from([...head, middle.length % 2 === 0 ? 1 : 2]), packed]);
}

/** The text a patch makes of `base` (throws when the patch does not fit it). */
function applyPatch(data: Buffer, base: Buffer): Buffer {
  const [start, at] = readVarint(data, 0);
  const [end, from] = readVarint(data, at);
  if (start + end > base.length) throw new Error('a patch longer than its base');
  const mode = data[from];
  const rest = data.subarray(from + 1);
  let middle: Buffer;
  if (mode === 0) middle = rest;
  else if (mode === 1 || mode === 2) {
    const digits = rest.length * 2 - (mode === 2 ? 1 : 0);
    middle = Buffer.alloc(digits);
    for (let i = 0; i < digits; i++) {
      const byte = rest[i >> 1] as number;
      const nibble =
        mode === 2 && i === digits - 1 ? byte & 15 : i % 2 === 0 ? byte >> 4 : byte & 15;
      middle[i] = HEX_DIGITS.charCodeAt(nibble);
    }
  } else throw new Error(`unknown patch mode ${String(mode)}`);
  return Buffer.concat([base.subarray(0, start), middle, base.subarray(base.length - end)]);
}

const HEX_DIGITS = '0123456789abcdef';
const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
const hexValue = (c: number) => (c <= 0x39 ? c - 0x30 : c - 0x61 + 10);

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function readVarint(data: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < data.length && i < at + 8; i++) {
    const byte = data[i] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new Error('a patch cut short');
}

interface ChainRow {
  base: string | null;
  body: Buffer;
  depth: number;
}

/** The text of `hash` from its chain of rows, memoised in `texts`; undefined if unreadable. */
function chainText(
  hash: string,
  chains: ReadonlyMap<string, ChainRow>,
  texts: Map<string, string | undefined>,
  seen = 0,
): string | undefined {
  if (texts.has(hash)) return texts.get(hash);
  const row = chains.get(hash);
  let text: string | undefined;
  if (row !== undefined && seen <= MAX_DEPTH + 1) {
    const base = row.base === null ? undefined : chainText(row.base, chains, texts, seen + 1);
    if (row.base === null || base !== undefined)
      try {
        text = decodeBody(row.body, base);
      } catch {
        text = undefined;
      }
  }
  texts.set(hash, text);
  return text;
}

/** A row's text (joined with its base's body), or undefined when it cannot be decoded. */
function readRow(row: { body: unknown; base_body: unknown }): string | undefined {
  try {
    return decodeBody(
      bytes(row.body),
      row.base_body === null ? undefined : decodeBody(bytes(row.base_body)),
    );
  } catch {
    return undefined;
  }
}

/** Nodes of the same kind start alike (`{"i":[[`, `{"dialo`, an entity's first key). */
const kind = (text: string): string => text.slice(0, 7);

/**
 * For each node of `batch`, up to CANDIDATES nodes of `similar` (not in the batch) of the same kind,
 * closest in length: the bases worth trying.
 */
function pickCandidates(
  batch: ReadonlyMap<string, string>,
  similar: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const picked = new Map<string, string[]>();
  if (similar.size === 0) return picked;
  const byKind = new Map<string, [string, string][]>();
  for (const entry of similar) {
    if (batch.has(entry[0])) continue;
    const k = kind(entry[1]);
    const list = byKind.get(k);
    if (list === undefined) byKind.set(k, [entry]);
    else list.push(entry);
  }
  for (const [hash, text] of batch) {
    const near = (byKind.get(kind(text)) ?? [])
      .map(([h, t]) => ({ h, d: Math.abs(t.length - text.length) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, CANDIDATES)
      .map((c) => c.h);
    if (near.length > 0) picked.set(hash, near);
  }
  return picked;
}

/** The usable bases among a node's picked candidates, in the order picked. */
const candidatesOf = (
  near: readonly string[] | undefined,
  stored: ReadonlyMap<string, { hash: string; text: string }>,
): { hash: string; text: string }[] =>
  (near ?? []).flatMap((h) => {
    const s = stored.get(h);
    return s === undefined || s.text === '' ? [] : [s];
  });

/**
 * The rows of `hashes` and of every base they are deltas against, with each row's least depth
 * below a wanted node. Every row is looked up by its hash (a lateral subquery the planner cannot
 * flatten into a join): a scan of the whole table would make each read cost what the store holds.
 */
export function chainQuery(hashes: readonly string[]): SQL {
  return sql`with recursive chain(hash, base, body, depth) as (
      select n.hash, n.base, n.body, 0 from (${hexList(hashes)}) as wanted(h)
      cross join lateral (select hash, base, body from nodes where hash = wanted.h limit 1) n
      union
      select n.hash, n.base, n.body, c.depth + 1 from chain c
      cross join lateral (select hash, base, body from nodes where hash = c.base limit 1) n
      where c.depth < ${MAX_DEPTH}
    )
    select encode(hash, 'hex') as hash, encode(base, 'hex') as base, body, min(depth) as depth
    from chain group by hash, base, body`;
}

export class SqlNodeStore implements AsyncNodeStore {
  constructor(private readonly db: Db) {}

  async getMany(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < hashes.length; i += BATCH) {
      const chunk = hashes.slice(i, i + BATCH);
      const chains = await this.chains(chunk);
      const texts = new Map<string, string | undefined>();
      for (const hash of chunk) {
        const text = chainText(hash, chains, texts);
        // A delta whose base is gone cannot be read: as good as missing (verify names it).
        if (text !== undefined) out.set(hash, text);
      }
    }
    return out;
  }

  /** The rows of `hashes` and of every base they are deltas against (one query). */
  private async chains(hashes: readonly string[]): Promise<Map<string, ChainRow>> {
    const found = await rows<{ hash: string; base: string | null; body: unknown; depth: number }>(
      this.db,
      chainQuery(hashes),
    );
    const chains = new Map(
      found.map((r) => [r.hash, { base: r.base, body: bytes(r.body), depth: Number(r.depth) }]),
    );
    hintChains(chains);
    return chains;
  }

  /** Which of `hashes` are stored (a sync's offer of every structure node: one query). */
  async hasMany(hashes: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < hashes.length; i += LOOKUP_BATCH) {
      const found = await rows<{ hash: string }>(
        this.db,
        sql`select encode(hash, 'hex') as hash from nodes
            where hash in (${hexList(hashes.slice(i, i + LOOKUP_BATCH))})`,
      );
      for (const row of found) out.add(row.hash);
    }
    return out;
  }

  /**
   * Store nodes (existing hashes are left as they are). `similar`: nodes the writer read, by hash;
   * a written node is stored as a delta against one of them (or against its base) when that is
   * smaller. Call it under the gc lock (shared): a base is used only if this query still finds it.
   */
  async putMany(
    batch: ReadonlyMap<string, string>,
    similar: ReadonlyMap<string, string> = new Map(),
  ): Promise<void> {
    const bases = await this.baseCandidates(batch, similar);
    const encoded: { hash: string; body: string; base: string | null }[] = [];
    for (const [hash, text] of batch) {
      const best = encodeAgainst(text, bases.get(hash) ?? []);
      encoded.push({ hash, body: best.body.toString('base64'), base: best.base });
    }
    // Three array parameters (hex, base64 and hex or NULL: nothing to escape in them), so that the
    // statement is the same for any number of rows and prepared once per connection.
    const array = textArray;
    for (let i = 0; i < encoded.length; i += BATCH) {
      const chunk = encoded.slice(i, i + BATCH);
      const inserted = await rows<{ hash: string }>(
        this.db,
        sql`insert into nodes (hash, body, base)
            select decode(h, 'hex'), decode(b, 'base64'), decode(x, 'hex')
            from unnest(${array(chunk.map((r) => r.hash))}::text[], ${array(chunk.map((r) => r.body))}::text[],
                        ${array(chunk.map((r) => r.base))}::text[]) as t(h, b, x)
            on conflict (hash) do nothing
            returning encode(hash, 'hex') as hash`,
      );
      // What was stored as written here (not rows another writer had stored): their depths.
      const baseOf = new Map(chunk.map((r) => [r.hash, r.base]));
      for (const { hash } of inserted) {
        const base = baseOf.get(hash);
        const below = base === null || base === undefined ? -1 : depthHints.get(base);
        if (below !== undefined) hintDepth(hash, below + 1);
      }
    }
  }

  /**
   * `batch` encoded for nodeInsertCtes, each as a delta against one of `similar` (nodes the writer
   * read) when that is smaller, as putMany picks them. The database is asked only about candidate
   * bases whose chain this process has not seen, or has seen MAX_DEPTH long (the chain's first node
   * is then the base); the statement that stores the nodes checks every base it is given.
   */
  async encodeMany(
    batch: ReadonlyMap<string, string>,
    similar: ReadonlyMap<string, string> = new Map(),
  ): Promise<EncodedNode[]> {
    const picked = pickCandidates(batch, similar);
    const stored = new Map<string, { hash: string; text: string }>();
    const ask: string[] = [];
    for (const near of picked.values())
      for (const h of near) {
        if (stored.has(h) || ask.includes(h)) continue;
        const depth = depthHints.get(h);
        const text = similar.get(h);
        if (depth !== undefined && depth < MAX_DEPTH && text !== undefined)
          stored.set(h, { hash: h, text });
        else ask.push(h);
      }
    if (ask.length > 0) for (const [h, s] of await this.storedBases(ask, similar)) stored.set(h, s);
    const out: EncodedNode[] = [];
    for (const [hash, text] of batch) {
      const best = encodeAgainst(text, candidatesOf(picked.get(hash), stored), true);
      out.push({
        hash,
        body: best.body.toString('base64'),
        base: best.base,
        whole: best.base === null ? null : best.whole.toString('base64'),
      });
    }
    return out;
  }

  /**
   * For each new node, the stored nodes it may be a delta against: among `similar`, the same kind
   * closest in length; one whose chain of bases is MAX_DEPTH long is replaced by the chain's first
   * node (so a read never needs more than MAX_DEPTH + 1 rows, all fetched by one query).
   */
  private async baseCandidates(
    batch: ReadonlyMap<string, string>,
    similar: ReadonlyMap<string, string>,
  ): Promise<Map<string, { hash: string; text: string }[]>> {
    const out = new Map<string, { hash: string; text: string }[]>();
    const picked = pickCandidates(batch, similar);
    const wanted = new Set<string>();
    for (const near of picked.values()) for (const h of near) wanted.add(h);
    if (wanted.size === 0) return out;
    const stored = await this.storedBases([...wanted], similar);
    for (const [hash, near] of picked) {
      const candidates = candidatesOf(near, stored);
      if (candidates.length > 0) out.set(hash, candidates);
    }
    return out;
  }

  /**
   * Which of `wanted` (hashes of `similar`) are stored and may be a base: each as itself when its
   * chain is shorter than MAX_DEPTH, else as its chain's first node (with that node's text).
   */
  private async storedBases(
    wanted: readonly string[],
    similar: ReadonlyMap<string, string>,
  ): Promise<Map<string, { hash: string; text: string }>> {
    const stored = new Map<string, { hash: string; text: string }>();
    for (let i = 0; i < wanted.length; i += BATCH) {
      const chunk = wanted.slice(i, i + BATCH);
      const chains = await this.chains(chunk);
      const texts = new Map<string, string | undefined>();
      for (const hash of chunk) {
        // Its chain's length: the candidate itself when short enough, else the chain's first node.
        let depth = 0;
        let root = hash;
        for (
          let at = chains.get(hash);
          at !== undefined && at.base !== null;
          at = chains.get(at.base)
        ) {
          depth++;
          root = at.base;
          if (depth > MAX_DEPTH) break;
        }
        if (!chains.has(hash) || !chains.has(root)) continue;
        if (depth < MAX_DEPTH) {
          const text = similar.get(hash);
          if (text !== undefined) stored.set(hash, { hash, text });
        } else if (chains.get(root)?.base === null) {
          const text = chainText(root, chains, texts);
          if (text !== undefined) stored.set(hash, { hash: root, text });
        }
      }
    }
    return stored;
  }

  /** All stored hashes (and texts, with `withBody`) in hash order, a batch at a time. */
  async *batches(withBody: boolean, size = 1000): AsyncGenerator<{ hash: string; body: string }[]> {
    let after: string | null = null;
    for (;;) {
      const found: { hash: string; body: unknown; base: string | null }[] = await rows<{
        hash: string;
        body: unknown;
        base: string | null;
      }>(
        this.db,
        sql`select encode(hash, 'hex') as hash, ${withBody ? sql`body` : sql`null`} as body,
              encode(base, 'hex') as base from nodes
            ${after === null ? sql`` : sql`where hash > decode(${after}, 'hex')`}
            order by hash limit ${size}`,
      );
      const last = found.at(-1);
      if (last === undefined) return;
      const deltas = withBody
        ? await this.getMany(found.filter((r) => r.base !== null).map((r) => r.hash))
        : new Map<string, string>();
      // An unreadable body reads as '' (its hash then does not match: verify reports it).
      yield found.map((row) => ({
        hash: row.hash,
        body:
          row.body === null
            ? ''
            : row.base === null
              ? (readRow({ body: row.body, base_body: null }) ?? '')
              : (deltas.get(row.hash) ?? ''),
      }));
      after = last.hash;
      if (found.length < size) return;
    }
  }

  /** The base of every stored delta, as delta hash → base hash. */
  async bases(): Promise<Map<string, string>> {
    const found = await rows<{ hash: string; base: string }>(
      this.db,
      sql`select encode(hash, 'hex') as hash, encode(base, 'hex') as base from nodes
          where base is not null`,
    );
    return new Map(found.map((r) => [r.hash, r.base]));
  }

  async deleteMany(hashes: readonly string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += BATCH)
      await this.db.execute(
        sql`delete from nodes where hash in (${hexList(hashes.slice(i, i + BATCH))})`,
      );
  }

  async count(): Promise<number> {
    const [row] = await rows<{ n: number }>(this.db, sql`select count(*)::int as n from nodes`);
    return row?.n ?? 0;
  }
}
