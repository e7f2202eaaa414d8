// The node store's delta chains as a one-statement writer uses them (nodeInsertCtes): a delta is
// stored only against a base that is there with a chain short enough to read in one query;
// otherwise the node is stored whole. Every node reads back as its text. Every body form decodes to
// its text, and a node that differs from its base by a hash is a patch of a few dozen bytes.
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SqlNodeStore,
  chainQuery,
  decodeBody,
  encodeBody,
  nodeInsertCtes,
  type EncodedNode,
} from './node-store.js';
import { rawRows } from './raw-rows.js';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from './test-db.js';
import { seededRandom as seeded } from '@ferry/core/testing';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Texts that deflate poorly alone but are small deltas against one another. */
const SHARED = Array.from({ length: 40 }, (_, i) => sha256(`word ${i}`)).join(' ');
const text = (n: number) => JSON.stringify({ words: SHARED, n });

describe.each(testDatabaseKinds())('delta chains on %s', (kind) => {
  let database: TestDatabase;
  let store: SqlNodeStore;
  /** chain[i]: a node stored as a delta against chain[i - 1] (chain[0] whole): depth i. */
  const chain: string[] = [];
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    store = new SqlNodeStore(database.db);
    for (let i = 0; i <= 8; i++) {
      const body = text(i);
      chain.push(sha256(body));
      const previous = chain[i - 1];
      await store.putMany(
        new Map([[sha256(body), body]]),
        previous === undefined ? new Map() : new Map([[previous, text(i - 1)]]),
      );
    }
  });
  afterAll(() => database.close());

  const rows = <T extends object>(statement: SQL) => rawRows<T>(database.db, statement);
  const rowOf = async (hash: string) =>
    (
      await rows<{ base: string | null }>(
        sql`select encode(base, 'hex') as base from nodes where hash = decode(${hash}, 'hex')`,
      )
    )[0];
  /** Node n encoded as a delta against `base` (whose text is `baseText`), with its whole form. */
  const against = (n: number, base: string, baseText: string): EncodedNode => ({
    hash: sha256(text(n)),
    body: encodeBody(text(n), baseText).body.toString('base64'),
    base,
    whole: encodeBody(text(n)).body.toString('base64'),
  });
  const insert = async (nodes: EncodedNode[], when = sql`true`) =>
    (
      await rows<{ hash: string; depth: number }>(
        sql`with recursive ${nodeInsertCtes(nodes, when)} select hash, depth from written_nodes`,
      )
    ).map((r): [string, number] => [r.hash, Number(r.depth)]);

  it('putMany built a chain 8 deep, each node a delta against the one before', async () => {
    expect((await rowOf(chain[0] ?? ''))?.base).toBeNull();
    for (let i = 1; i <= 8; i++) expect((await rowOf(chain[i] ?? ''))?.base).toBe(chain[i - 1]);
    const read = await store.getMany(chain);
    expect(chain.map((h) => read.get(h))).toEqual(chain.map((_, i) => text(i)));
  });

  it('stores a delta against a base whose chain is short enough, and reports its depth', async () => {
    const node = against(100, chain[3] ?? '', text(3));
    expect(await insert([node])).toEqual([[node.hash, 4]]);
    expect((await rowOf(node.hash))?.base).toBe(chain[3]);
    expect((await store.getMany([node.hash])).get(node.hash)).toBe(text(100));
  });

  it('stores the node whole when its base’s chain is already full, or the base is not stored', async () => {
    const deep = against(101, chain[8] ?? '', text(8));
    const missing = against(102, sha256('never stored'), text(7));
    expect(new Map(await insert([deep, missing]))).toEqual(
      new Map([
        [deep.hash, 0],
        [missing.hash, 0],
      ]),
    );
    for (const [hash, n] of [
      [deep.hash, 101],
      [missing.hash, 102],
    ] as const) {
      expect((await rowOf(hash))?.base).toBeNull();
      expect((await store.getMany([hash])).get(hash)).toBe(text(n));
    }
  });

  it('writes nothing when its condition is false, and leaves stored nodes as they are', async () => {
    const node = against(103, chain[1] ?? '', text(1));
    expect(await insert([node], sql`false`)).toEqual([]);
    expect(await store.hasMany([node.hash])).toEqual(new Set());
    const again = against(100, chain[0] ?? '', text(0));
    expect(await insert([again])).toEqual([]);
    expect((await rowOf(again.hash))?.base).toBe(chain[3]);
  });

  it('encodeMany picks the bases putMany would, so the chain goes back to its first node when full', async () => {
    // chain[8]'s chain is full: a node read beside it is based on the chain's first node instead.
    const [encoded] = await store.encodeMany(
      new Map([[sha256(text(104)), text(104)]]),
      new Map([[chain[8] ?? '', text(8)]]),
    );
    expect(encoded?.base).toBe(chain[0]);
    const [short] = await store.encodeMany(
      new Map([[sha256(text(105)), text(105)]]),
      new Map([[chain[2] ?? '', text(2)]]),
    );
    expect(short?.base).toBe(chain[2]);
    expect(await insert([must(short)])).toEqual([[short?.hash, 3]]);
  });

  it('a node encodeMany made a small delta is stored plain if its base is unusable when written', async () => {
    const [encoded] = await store.encodeMany(
      new Map([[sha256(text(106)), text(106)]]),
      new Map([[chain[1] ?? '', text(1)]]),
    );
    expect(encoded?.base).toBe(chain[1]);
    // The fallback is the text itself (format byte 0): no second deflate for a small delta.
    expect(
      Buffer.from(encoded?.whole ?? '', 'base64')
        .subarray(1)
        .toString(),
    ).toBe(text(106));
    const gone = { ...must(encoded), base: sha256('a base gc took') };
    expect(await insert([gone])).toEqual([[gone.hash, 0]]);
    expect((await store.getMany([gone.hash])).get(gone.hash)).toBe(text(106));
  });

  it('reads and writes a chain by looking its rows up by hash, never by scanning every node', async () => {
    // Enough other rows, with fresh statistics, that a planner free to join would scan and hash the
    // table: each edit would then cost what the store holds (it did: 9 ms an edit after 5,000 nodes).
    await database.db.execute(
      sql`insert into nodes (hash, body, base)
          select sha256(convert_to('filler ' || i, 'UTF8')), '\\x00'::bytea, null
          from generate_series(1, 1000) as i on conflict (hash) do nothing`,
    );
    await database.db.execute(sql`analyze nodes`);
    const scans = async (statement: SQL) => {
      const [row] = await rows<Record<string, unknown>>(sql`explain (format json) ${statement}`);
      const raw = Object.values(row ?? {})[0];
      const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
      const found: string[] = [];
      const walk = (node: PlanNode) => {
        if (node['Relation Name'] === 'nodes') found.push(node['Node Type']);
        for (const child of node.Plans ?? []) walk(child);
      };
      for (const p of plan) walk(p.Plan);
      return found;
    };
    const write = await scans(
      sql`with recursive ${nodeInsertCtes([against(107, chain[5] ?? '', text(5))], sql`true`)}
          select hash, depth from written_nodes`,
    );
    const read = await scans(chainQuery([chain[8] ?? '', chain[2] ?? '']));
    for (const found of [write, read]) {
      expect(found.length).toBeGreaterThan(0);
      expect(found.filter((type) => type.includes('Seq Scan'))).toEqual([]);
    }
    expect(read.every((type) => type.startsWith('Index'))).toBe(true);
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing');
  return value;
}

const hash = (n: number) => createHash('sha256').update(String(n)).digest('hex');

describe('node bodies', () => {
  it('decode to their text in every form, against any base', () => {
    const rand = seeded(3);
    const pieces = [
      '{"i":[',
      hash(1),
      hash(2),
      '"abc"',
      'é✓🙂',
      ',',
      '0f',
      'F',
      '"',
      '\\u0000',
      '',
    ];
    const some = (n: number) =>
      Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)] as string);
    for (let k = 0; k < 2000; k++) {
      const parts = some(Math.floor(rand() * 12));
      const base = parts.join('');
      // Mostly the base with some of its pieces replaced (what edits make), sometimes unrelated.
      const at = Math.floor(rand() * (parts.length + 1));
      const t =
        rand() < 0.8
          ? [
              ...parts.slice(0, at),
              ...some(Math.floor(rand() * 3)),
              ...parts.slice(at + Math.floor(rand() * 3)),
            ].join('')
          : some(Math.floor(rand() * 12)).join('');
      const plain = encodeBody(t);
      expect(decodeBody(plain.body)).toBe(t);
      const { body, delta } = encodeBody(t, base);
      expect([k, decodeBody(body, delta ? base : undefined)]).toEqual([k, t]);
    }
  });

  it('stores a node that differs from its base by one hash in a few dozen bytes', () => {
    const entries = Array.from({ length: 20 }, (_, i) => `["id-${i}","${hash(i)}"]`);
    const base = `{"i":[${entries.join(',')}],"l":0}`;
    const changed = base.replace(hash(7), hash(700));
    const { body, delta } = encodeBody(changed, base);
    expect(delta).toBe(true);
    expect(body[0]).toBe(3);
    expect(body.length).toBeLessThanOrEqual(40);
    expect(decodeBody(body, base)).toBe(changed);
    // An odd number of hex digits between what stays (the hashes share a digit by chance).
    const odd = base.replace(hash(7), hash(7).slice(0, 10) + 'a' + hash(7).slice(11));
    expect(decodeBody(encodeBody(odd, base).body, base)).toBe(odd);
  });

  it('refuses a patch that does not fit its base', () => {
    const base = `{"dialog":"${hash(1)}","interactions":"${hash(2)}"}`;
    const { body } = encodeBody(base.replace(hash(2), hash(3)), base);
    expect(() => decodeBody(body, '{}')).toThrow();
    expect(() => decodeBody(body)).toThrow();
  });
});
