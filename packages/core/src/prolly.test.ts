import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ListBuilder,
  MAX_CHUNK,
  SMALL_LIST,
  listEntries,
  listLength,
  type ChunkedList,
  type Entry,
} from './prolly.js';
import { MemoryNodeStore, MissingNodeError } from './store.js';
import { nodeSha256 } from './test-support/fixtures.js';
import { must } from './must.js';

// Level 0 cuts after an entry whose hash ends in a byte with its low 5 bits clear (mirrors
// prolly.ts). Entries are drawn from three pools so that tests can force the rare cases: lists with
// no content-defined boundary at all (cut only at MAX_CHUNK) and lists where every entry is one.
const endsChunk = (hash: string) => (parseInt(hash.slice(62, 64), 16) & 31) === 0;

type Mode = 'random' | 'none' | 'every';
const POOL_CAP: Record<Mode, number> = { random: 60_000, none: 60_000, every: 6_000 };
const pools: Record<Mode, Entry[]> = { random: [], none: [], every: [] };
const seeds: Record<Mode, number> = { random: 0, none: 0, every: 0 };

function entryAt(mode: Mode, n: number): Entry {
  const index = n % POOL_CAP[mode];
  const pool = pools[mode];
  while (pool.length <= index) {
    const hash = nodeSha256(`${mode}:${seeds[mode]++}`);
    if (mode === 'none' && endsChunk(hash)) continue;
    if (mode === 'every' && !endsChunk(hash)) continue;
    const k = pool.length;
    pool.push({ id: k % 5 === 4 ? null : `${mode}-${k}`, hash });
  }
  return must(pool[index], 'pool[index]');
}

const entries = (mode: Mode, from: number, count: number): Entry[] =>
  Array.from({ length: count }, (_, i) => entryAt(mode, from + i));

const newBuilder = () => {
  const store = new MemoryNodeStore();
  return { store, lb: new ListBuilder(store, nodeSha256) };
};

const chunkHashes = (list: ChunkedList, level: number): string[] =>
  must(list.levels[level], 'list.levels[level]').map((c) => c.hash);
const allChunkHashes = (list: ChunkedList): string[] =>
  list.levels.flatMap((l) => l.map((c) => c.hash));
const levelHashes = (list: ChunkedList): string[][] => list.levels.map((l) => l.map((c) => c.hash));

/** What every well-formed chunked list satisfies, whatever the edits that produced it. */
function expectWellFormed(list: ChunkedList, store: MemoryNodeStore): void {
  const top = must(list.levels[list.levels.length - 1], 'list.levels[list.levels.length - 1]');
  expect(top).toHaveLength(1);
  expect(list.hash).toBe(must(top[0], 'top[0]').hash);
  list.levels.forEach((chunks, level) => {
    const total = chunks.reduce((n, c) => n + c.items.length, 0);
    if (total <= SMALL_LIST) expect(chunks).toHaveLength(1);
    for (const chunk of chunks) {
      expect(chunk.items.length).toBeLessThanOrEqual(MAX_CHUNK);
      if (chunks.length > 1) expect(chunk.items.length).toBeGreaterThan(0);
      // Content addressed: the node is stored under the hash of its own text.
      const text = store.get(chunk.hash);
      expect(text).toBeDefined();
      expect(nodeSha256(must(text, 'text'))).toBe(chunk.hash);
    }
    if (level > 0) {
      const items = chunks.flatMap((c) => c.items);
      expect(items.map((e) => e.hash)).toEqual(chunkHashes(list, level - 1));
      expect(items.every((e) => e.id === null)).toBe(true);
    }
  });
}

/** A store holding only the nodes reachable from `list`, copied from `from`. */
function storeWithOnly(list: ChunkedList, from: MemoryNodeStore): MemoryNodeStore {
  const copy = new MemoryNodeStore();
  for (const hash of allChunkHashes(list)) copy.put(hash, must(from.get(hash), 'from.get(hash)'));
  return copy;
}

// ---- arbitraries -------------------------------------------------------------------------------

const modeArb = fc.oneof(
  { arbitrary: fc.constant<Mode>('random'), weight: 4 },
  { arbitrary: fc.constant<Mode>('none'), weight: 1 },
  { arbitrary: fc.constant<Mode>('every'), weight: 1 },
);

const countArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 4 },
  { arbitrary: fc.constantFrom(63, 64, 65, 66, 255, 256, 257), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 },
);

const batchArb = fc.record({ mode: modeArb, from: fc.nat(200_000), count: countArb });
type Batch = { mode: Mode; from: number; count: number };
const batchEntries = (b: Batch) => entries(b.mode, b.from, b.count);

const spliceArb = fc.record({
  at: fc.nat(),
  // Deleting "everything from here" makes lists fall back below SMALL_LIST.
  del: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 },
  ),
  insert: batchArb,
  // Sometimes re-insert entries already in the list: duplicates must be fine.
  duplicate: fc.boolean(),
});

// ---- tests ---------------------------------------------------------------------------------------

describe('ListBuilder: a list is the same whatever edits produced it (history independence)', () => {
  it('random splices on lists of 0..3000 entries give the list built from scratch', () => {
    fc.assert(
      fc.property(batchArb, fc.array(spliceArb, { minLength: 1, maxLength: 6 }), (initial, ops) => {
        const { store, lb } = newBuilder();
        let model = batchEntries(initial);
        let list = lb.build(model);
        expect(listEntries(list)).toEqual(model);
        for (const op of ops) {
          const start = op.at % (model.length + 1);
          const del = Math.min(op.del, model.length - start);
          const insert =
            op.duplicate && model.length > 0
              ? model.slice(0, Math.min(op.insert.count, model.length))
              : batchEntries(op.insert);
          const before = { hash: list.hash, entries: model };

          const next = lb.splice(list, start, del, insert);
          model = [...model.slice(0, start), ...insert, ...model.slice(start + del)];

          expect(listEntries(next)).toEqual(model);
          expect(listLength(next)).toBe(model.length);
          const fresh = lb.build(model);
          expect(next.hash).toBe(fresh.hash);
          expect(levelHashes(next)).toEqual(levelHashes(fresh));
          // The list it was spliced from is untouched.
          expect(list.hash).toBe(before.hash);
          expect(listEntries(list)).toEqual(before.entries);
          list = next;
        }
        expectWellFormed(list, store);
        // And a fresh builder on a store with just its nodes reads it back.
        const loaded = new ListBuilder(storeWithOnly(list, store), nodeSha256).load(list.hash);
        expect(listEntries(loaded)).toEqual(model);
      }),
      { numRuns: 50 },
    );
  });

  it('a list grown one entry at a time past 64 and emptied again always equals a fresh build', () => {
    const { store, lb } = newBuilder();
    const reference = new ListBuilder(new MemoryNodeStore(), nodeSha256);
    const model: Entry[] = [];
    let list = lb.build(model);
    const sizesSeen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const at = (i * 37) % (model.length + 1);
      const e = entryAt(i % 3 === 0 ? 'every' : 'random', 1_000 + i);
      list = lb.splice(list, at, 0, [e]);
      model.splice(at, 0, e);
      expect(list.hash).toBe(reference.build(model).hash);
      sizesSeen.add(must(list.levels[0], 'list.levels[0]').length);
    }
    expect(list.levels.length).toBeGreaterThan(1);
    for (let i = 0; model.length > 0; i++) {
      const at = (i * 53) % model.length;
      list = lb.splice(list, at, 1, []);
      model.splice(at, 1);
      expect(list.hash).toBe(reference.build(model).hash);
      if (model.length <= SMALL_LIST) expect(list.levels).toHaveLength(1);
    }
    expect(listEntries(list)).toEqual([]);
    expect(list.hash).toBe(reference.build([]).hash);
    expect(sizesSeen.size).toBeGreaterThan(5);
    expectWellFormed(list, store);
  });

  it('replacing the whole list in one splice gives the same list as building the replacement', () => {
    const { lb } = newBuilder();
    const a = entries('random', 0, 2_000);
    const b = entries('random', 50_000, 40);
    const c = entries('every', 0, 1_500);
    const shrunk = lb.splice(lb.build(a), 0, a.length, b);
    expect(shrunk.hash).toBe(lb.build(b).hash);
    expect(shrunk.levels).toHaveLength(1);
    const grown = lb.splice(shrunk, 0, b.length, c);
    expect(grown.hash).toBe(lb.build(c).hash);
    expect(levelHashes(grown)).toEqual(levelHashes(lb.build(c)));
  });

  it('a splice that changes nothing returns a list with the same hash', () => {
    const { lb } = newBuilder();
    const list = lb.build(entries('random', 0, 1_000));
    expect(lb.splice(list, 500, 0, []).hash).toBe(list.hash);
    const same = listEntries(list).slice(100, 110);
    expect(lb.splice(list, 100, 10, same).hash).toBe(list.hash);
  });
});

describe('ListBuilder: the hash identifies the list', () => {
  it('the same entries give the same hash in any builder and store', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const list = batchEntries(batch);
        expect(newBuilder().lb.build(list).hash).toBe(newBuilder().lb.build([...list]).hash);
      }),
      { numRuns: 30 },
    );
  });

  it('order, ids and hashes of entries all change the list hash', () => {
    const { lb } = newBuilder();
    for (const n of [2, 64, 65, 1_000]) {
      const base = entries('random', 0, n);
      const hash = lb.build(base).hash;
      const swapped = [...base];
      [swapped[0], swapped[1]] = [must(swapped[1], 'swapped[1]'), must(swapped[0], 'swapped[0]')];
      expect(lb.build(swapped).hash).not.toBe(hash);
      const renamed = base.map((e, i) => (i === n - 1 ? { ...e, id: 'renamed' } : e));
      expect(lb.build(renamed).hash).not.toBe(hash);
      const nullId = base.map((e, i) => (i === 0 ? { ...e, id: e.id === null ? 'x' : null } : e));
      expect(lb.build(nullId).hash).not.toBe(hash);
      expect(lb.build(base.slice(0, -1)).hash).not.toBe(hash);
    }
    expect(lb.build([]).hash).not.toBe(lb.build(entries('random', 0, 1)).hash);
  });
});

describe('ListBuilder.load reads a list back from the store', () => {
  it('a fresh builder on the same store loads the same entries and chunks', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const { store, lb } = newBuilder();
        const built = lb.build(batchEntries(batch));
        const loaded = new ListBuilder(store, nodeSha256).load(built.hash);
        expect(loaded.hash).toBe(built.hash);
        expect(listEntries(loaded)).toEqual(batchEntries(batch));
        expect(levelHashes(loaded)).toEqual(levelHashes(built));
      }),
      { numRuns: 40 },
    );
  });

  it('a store holding only the nodes (nothing cached) decodes the same list, all levels deep', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const { store, lb } = newBuilder();
        const model = batchEntries(batch);
        const built = lb.build(model);
        const copy = storeWithOnly(built, store);
        expect(copy.memo.size).toBe(0);
        const loaded = new ListBuilder(copy, nodeSha256).load(built.hash);
        expect(loaded).not.toBe(built);
        expect(listEntries(loaded)).toEqual(model);
        expect(listLength(loaded)).toBe(model.length);
        expect(levelHashes(loaded)).toEqual(levelHashes(built));
        // A loaded list can be edited like a built one.
        const e = entryAt('random', 199_999);
        const lbCopy = new ListBuilder(copy, nodeSha256);
        const at = Math.floor(model.length / 2);
        expect(lbCopy.splice(loaded, at, 0, [e]).hash).toBe(
          lb.build([...model.slice(0, at), e, ...model.slice(at)]).hash,
        );
      }),
      { numRuns: 40 },
    );
  });

  it('loads a deep list (every entry a boundary, so four levels) from a bare store', () => {
    const { store, lb } = newBuilder();
    const model = entries('every', 0, 3_000);
    const built = lb.build(model);
    expect(built.levels.length).toBeGreaterThanOrEqual(3);
    const loaded = new ListBuilder(storeWithOnly(built, store), nodeSha256).load(built.hash);
    expect(listEntries(loaded)).toEqual(model);
    expect(levelHashes(loaded)).toEqual(levelHashes(built));
  });

  it('loading a list whose chunk is missing from the store throws MissingNodeError naming it', () => {
    const { store, lb } = newBuilder();
    const built = lb.build(entries('random', 0, 1_000));
    const copy = storeWithOnly(built, store);
    const missing = must(must(built.levels[0], 'built.levels[0]')[3], 'built.levels[0]![3]').hash;
    copy.nodes.delete(missing);
    const load = () => new ListBuilder(copy, nodeSha256).load(built.hash);
    expect(load).toThrow(MissingNodeError);
    expect(load).toThrow(missing);
  });
});

describe('ListBuilder splits long lists into bounded chunks', () => {
  it('a list of up to 64 entries is a single node', () => {
    fc.assert(
      fc.property(
        modeArb,
        fc.nat(100_000),
        fc.integer({ min: 0, max: SMALL_LIST }),
        (mode, from, n) => {
          const { store, lb } = newBuilder();
          const list = lb.build(entries(mode, from, n));
          expect(list.levels).toHaveLength(1);
          expect(list.levels[0]).toHaveLength(1);
          expect(
            must(must(list.levels[0], 'list.levels[0]')[0], 'list.levels[0]![0]').items,
          ).toHaveLength(n);
          expect(store.takeWritten().size).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a list of more than 64 entries is cut into several chunks, none larger than MAX_CHUNK', () => {
    fc.assert(
      fc.property(
        modeArb,
        fc.nat(100_000),
        fc.integer({ min: SMALL_LIST + 1, max: 3_000 }),
        (mode, from, n) => {
          const { store, lb } = newBuilder();
          const model = entries(mode, from, n);
          const list = lb.build(model);
          expectWellFormed(list, store);
          expect(listEntries(list)).toEqual(model);
          // Cut where the content says so: a chunk ends on a boundary, reaches MAX_CHUNK or ends the list.
          const chunks = must(list.levels[0], 'list.levels[0]');
          chunks.forEach((c, i) => {
            const last = must(c.items[c.items.length - 1], 'c.items[c.items.length - 1]');
            if (i < chunks.length - 1)
              expect(endsChunk(last.hash) || c.items.length === MAX_CHUNK).toBe(true);
            expect(c.items.slice(0, -1).some((e) => endsChunk(e.hash))).toBe(false);
          });
          if (n > MAX_CHUNK || model.slice(0, -1).some((e) => endsChunk(e.hash))) {
            expect(chunks.length).toBeGreaterThan(1);
            expect(list.levels.length).toBeGreaterThan(1);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('chunks average about 32 entries on random content', () => {
    const { lb } = newBuilder();
    const list = lb.build(entries('random', 0, 10_000));
    const n = must(list.levels[0], 'list.levels[0]').length;
    expect(n).toBeGreaterThan(10_000 / 64);
    expect(n).toBeLessThan(10_000 / 16);
    expect(list.levels.length).toBe(3);
  });

  it('content without boundaries is cut every MAX_CHUNK entries', () => {
    const { store, lb } = newBuilder();
    const list = lb.build(entries('none', 0, 1_000));
    expect(must(list.levels[0], 'list.levels[0]').map((c) => c.items.length)).toEqual([
      256, 256, 256, 232,
    ]);
    expect(MAX_CHUNK).toBe(256);
    expectWellFormed(list, store);
  });

  it('content where every entry is a boundary gets one entry per chunk and more levels above', () => {
    const { store, lb } = newBuilder();
    const list = lb.build(entries('every', 0, 500));
    expect(list.levels[0]).toHaveLength(500);
    expect(list.levels.length).toBeGreaterThanOrEqual(3);
    expectWellFormed(list, store);
  });
});

describe('ListBuilder: one edit writes a few nodes at any list length', () => {
  const big = entries('random', 0, 10_000);
  const small = entries('random', 20_000, 200);
  const setup = (model: Entry[]) => {
    const store = new MemoryNodeStore();
    // Counting hash calls shows the work done, not only what the store found new.
    const hashed = { count: 0 };
    const lb = new ListBuilder(store, (text) => {
      hashed.count++;
      return nodeSha256(text);
    });
    const list = lb.build(model);
    return { store, lb, list, hashed, builtNodes: store.takeWritten().size };
  };
  let bigList: ReturnType<typeof setup>;
  let smallList: ReturnType<typeof setup>;

  beforeAll(() => {
    bigList = setup(big);
    smallList = setup(small);
  });

  it('the test lists are what the bounds below assume', () => {
    // No chunk was forced at MAX_CHUNK, so every cut is content-defined.
    for (const { list } of [bigList, smallList])
      expect(
        Math.max(...must(list.levels[0], 'list.levels[0]').map((c) => c.items.length)),
      ).toBeLessThan(MAX_CHUNK);
    expect(bigList.list.levels).toHaveLength(3);
    expect(smallList.list.levels).toHaveLength(2);
    expect(bigList.builtNodes).toBeGreaterThan(300);
  });

  it.each([
    ['10,000', () => bigList],
    ['200', () => smallList],
  ])(
    'replacing one entry of a %s-entry list writes at most 2 new nodes per level',
    (_label, get) => {
      const { store, lb, list, hashed } = get();
      const n = listLength(list);
      const oldNodes = new Set(allChunkHashes(list));
      const perLevel = new Set<number>();
      fc.assert(
        fc.property(fc.nat(n - 1), modeArb, fc.nat(100_000), (at, mode, k) => {
          store.takeWritten();
          const replacement = entryAt(mode, 100_000 + k);
          fc.pre(replacement.hash !== must(listEntries(list)[at], 'listEntries(list)[at]').hash);
          hashed.count = 0;
          const next = lb.splice(list, at, 1, [replacement]);
          const written = store.takeWritten();
          // Only the chunks on the path were re-serialised and hashed, not the whole list.
          expect(hashed.count).toBeLessThanOrEqual(2 * next.levels.length);

          const newNodes = allChunkHashes(next).filter((h) => !oldNodes.has(h));
          expect(newNodes.length).toBeGreaterThanOrEqual(next.levels.length); // the path up changed
          expect(newNodes.length).toBeLessThanOrEqual(2 * next.levels.length);
          const newAtLevel0 = chunkHashes(next, 0).filter((h) => !oldNodes.has(h));
          expect(newAtLevel0.length).toBeLessThanOrEqual(2);
          // What the store reports as written is exactly some of those new nodes, nothing else.
          for (const h of written.keys()) expect(newNodes).toContain(h);
          expect(written.size).toBeLessThanOrEqual(2 * next.levels.length);
          perLevel.add(newNodes.length / next.levels.length);
          expect(next.hash).toBe(
            new ListBuilder(new MemoryNodeStore(), nodeSha256).build(
              listEntries(list).map((e, i) => (i === at ? replacement : e)),
            ).hash,
          );
        }),
        { numRuns: 60 },
      );
      expect(Math.max(...perLevel)).toBeLessThanOrEqual(2);
    },
  );

  it('replacing an entry writes the same handful of nodes in a 10,000-entry list as in a 200-entry one', () => {
    const written = (setupList: ReturnType<typeof setup>, at: number) => {
      const { store, lb, list } = setupList;
      store.takeWritten();
      lb.splice(list, at, 1, [entryAt('random', 150_000 + at)]);
      return store.takeWritten().size;
    };
    const big = [0, 1, 5_000, 9_998, 9_999].map((at) => written(bigList, at));
    const small = [0, 1, 100, 198, 199].map((at) => written(smallList, at));
    // Per level the cost is the same; the big list only has one level more.
    expect(Math.max(...big) / bigList.list.levels.length).toBeLessThanOrEqual(2);
    expect(Math.max(...small) / smallList.list.levels.length).toBeLessThanOrEqual(2);
    expect(Math.max(...big)).toBeLessThanOrEqual(6);
    expect(Math.max(...big)).toBeLessThan(bigList.builtNodes / 50);
  });

  it('inserting one entry near the start of a 10,000-entry list leaves all but a few chunks unchanged', () => {
    const { lb, list } = bigList;
    const before = chunkHashes(list, 0);
    const beforeSet = new Set(before);
    const starts = new Set<number>();
    let offset = 0;
    for (const c of must(list.levels[0], 'list.levels[0]')) {
      starts.add(offset);
      offset += c.items.length;
    }
    const reference = new ListBuilder(new MemoryNodeStore(), nodeSha256);
    for (let at = 0; at < 100; at++) {
      for (const mode of ['random', 'every', 'none'] as const) {
        const e = entryAt(mode, 30_000 + at); // not an entry of `big`
        const next = lb.splice(list, at, 0, [e]);
        const after = chunkHashes(next, 0);
        const afterSet = new Set(after);
        const gone = before.filter((h) => !afterSet.has(h)).length;
        const added = after.filter((h) => !beforeSet.has(h)).length;
        // Only the chunk that receives the entry changes; a boundary entry also splits it in two
        // (or, at a chunk start, becomes a chunk of its own in front of the untouched chunk).
        const expected = !endsChunk(e.hash) ? [1, 1] : starts.has(at) ? [0, 1] : [1, 2];
        expect([gone, added]).toEqual(expected);
        // Everything else is literally the same chunks, in the same order.
        let i = 0;
        while (before[i] === after[i]) i++;
        expect(after.slice(0, i)).toEqual(before.slice(0, i));
        expect(after.slice(i + added)).toEqual(before.slice(i + gone));
        expect(after.length).toBeGreaterThan(300);
        if (at % 25 === 0)
          expect(next.hash).toBe(reference.build([...big.slice(0, at), e, ...big.slice(at)]).hash);
      }
    }
  });
});
