// checkTree against a base it has seen (a StructureCache) reads only what changed, and says exactly
// what the whole check says: the same counts and reference changes for accepted trees, the same
// refusal for crafted ones, over chains of changes (property-style, seeded).
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import type { BotContent } from './content.js';
import { canonicalJson, type JsonObject, type JsonValue } from './json.js';
import { must } from './must.js';
import { listEntries, type Entry } from './prolly.js';
import { createSnapshotter, type EditOp, type RootNode, type Snapshotter } from './snapshot.js';
import { MemoryNodeStore, type AsyncNodeStore } from './store.js';
import { nodeSha256 } from './test-support/fixtures.js';
import { generateBotExport, seededRandom as seeded } from './testing.js';
import { checkTree, type KnownTree, type StructureCache } from './tree-check.js';

/** The server's store, counting what is read from it. */
class Store implements AsyncNodeStore {
  reads = 0;
  constructor(readonly nodes: Map<string, string>) {}
  async getMany(hashes: readonly string[]) {
    this.reads += hashes.length;
    const out = new Map<string, string>();
    for (const h of hashes) {
      const body = this.nodes.get(h);
      if (body !== undefined) out.set(h, body);
    }
    return out;
  }
  async putMany() {}
}

const cacheOf = (): StructureCache & { trees: Map<string, KnownTree> } => {
  const trees = new Map<string, KnownTree>();
  return { trees, get: (r) => trees.get(r), set: (r, t) => void trees.set(r, t) };
};

const contentOf = (doc: unknown): BotContent => {
  const parsed = importCbExport(doc);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value.content;
};

/** What a check says, comparable. */
const said = (r: Awaited<ReturnType<typeof checkTree>>) =>
  r.ok
    ? {
        counts: r.value.counts,
        delta: [...r.value.entityDelta].sort(),
        checked: r.value.checkedEntities,
      }
    : { refused: r.error.message, path: r.error.path };

/** A tree's dialogs as entries, to rebuild a changed (maybe crafted) tree from. */
function dialogsOf(snap: Snapshotter, root: string) {
  return listEntries(snap.lists.load(snap.root(root).dialogs)).map((e) => {
    const node = snap.dialogNode(e.hash);
    return {
      id: e.id,
      dialog: node.dialog,
      interactions: listEntries(snap.lists.load(node.interactions)),
    };
  });
}

/** A tree with these dialogs (each list chunked by Ferry, or as given) and root fields. */
function treeWith(
  snap: Snapshotter,
  root: string,
  dialogs: { id: string | null; dialog: string; interactions: Entry[]; list?: string }[],
  fields: Partial<RootNode> = {},
): string {
  const put = (value: unknown) => {
    const text = canonicalJson(value as JsonValue);
    const hash = nodeSha256(text);
    snap.store.put(hash, text);
    return hash;
  };
  const entries = dialogs.map((d) => ({
    id: d.id,
    hash: put({ dialog: d.dialog, interactions: d.list ?? snap.lists.build(d.interactions).hash }),
  }));
  return put({ ...snap.root(root), dialogs: snap.lists.build(entries).hash, ...fields });
}

/** A random valid edit of the tree (core's edit operations). */
function edit(snap: Snapshotter, root: string, rand: () => number, n: number): string {
  const dialogs = dialogsOf(snap, root);
  const pick = <T>(xs: readonly T[]) => must(xs[Math.floor(rand() * xs.length)], 'a pick');
  const d = pick(dialogs);
  const dialogId = must(d.id, 'id');
  const someInteraction = () =>
    d.interactions.length === 0
      ? null
      : (snap.store.decode(pick(d.interactions).hash) as JsonObject);
  const ops: (() => EditOp | null)[] = [
    () => {
      const i = someInteraction();
      return i && { op: 'updateInteraction', dialogId, interaction: { ...i, name: `edit ${n}` } };
    },
    () => ({
      op: 'addInteraction',
      dialogId,
      interaction: { id: `new-${n}`, group: dialogId, name: 'added' },
      index: Math.floor(rand() * 3),
    }),
    () => {
      const i = someInteraction();
      return i && { op: 'removeInteraction', dialogId, interactionId: i.id as string };
    },
    () => {
      const i = someInteraction();
      return i && { op: 'moveInteraction', dialogId, interactionId: i.id as string, index: 0 };
    },
    () => ({ op: 'addDialog', dialog: { id: `dialog-${n}`, name: 'new' }, index: 1 }),
    () => (dialogs.length > 2 ? { op: 'removeDialog', dialogId } : null),
    () => ({ op: 'moveDialog', dialogId, index: Math.floor(rand() * dialogs.length) }),
    () => ({
      op: 'updateDialog',
      dialog: { ...(snap.store.decode(d.dialog) as JsonObject), name: `renamed ${n}` },
    }),
    () => ({ op: 'setSection', key: 'menus', value: [{ id: `m${n}` }, n] }),
    () => ({ op: 'setSettings', settings: { language: `l${n}` } }),
  ];
  // An interaction moved to another dialog: removed there, added here with its new group.
  const other = pick(dialogs);
  const moved =
    other.interactions.length > 0 && other.id !== d.id ? pick(other.interactions) : null;
  if (moved !== null && rand() < 0.15) {
    const value = snap.store.decode(moved.hash) as JsonObject;
    const out = snap.edit(root, {
      op: 'removeInteraction',
      dialogId: must(other.id, 'id'),
      interactionId: must(moved.id, 'id'),
    });
    if (!out.ok) return root;
    const added = snap.edit(out.value, { op: 'addInteraction', dialogId, interaction: value });
    return added.ok ? added.value : root;
  }
  const op = pick(ops)();
  if (op === null) return root;
  const out = snap.edit(root, op);
  return out.ok ? out.value : root;
}

/** A random crafted tree: what a client could build that a plain import never would. */
function craft(snap: Snapshotter, root: string, rand: () => number, other: string): string {
  const dialogs = dialogsOf(snap, root);
  const pick = <T>(xs: readonly T[]) => must(xs[Math.floor(rand() * xs.length)], 'a pick');
  const withInteractions = dialogs.filter((d) => d.interactions.length > 0);
  const a = pick(withInteractions);
  const b = pick(dialogs.filter((d) => d !== a));
  const entry = pick(a.interactions);
  switch (Math.floor(rand() * 9)) {
    case 0: // an interaction moved to another dialog's list as it is (its group says otherwise)
      a.interactions = a.interactions.filter((e) => e !== entry);
      b.interactions = [...b.interactions, entry];
      break;
    case 1: // an interaction in two dialogs
      b.interactions = [entry, ...b.interactions];
      break;
    case 2: // a list naming an interaction by another id
      a.interactions = a.interactions.map((e) => (e === entry ? { ...e, id: 'not-its-id' } : e));
      break;
    case 3: // a dialog twice
      dialogs.push({ ...a });
      break;
    case 4: // a dialog listed under another id
      a.id = 'not-its-id';
      break;
    case 5: // interactions of another accepted tree, whose ids this tree has too
      b.interactions = dialogsOf(snap, other)
        .flatMap((d) => d.interactions)
        .slice(0, 3);
      break;
    case 6: {
      // an export order that does not fit the dialogs
      const text = canonicalJson([[must(a.id, 'id'), a.interactions.length + 1]]);
      const order = nodeSha256(text);
      snap.store.put(order, text);
      return treeWith(snap, root, dialogs, { order });
    }
    case 7: {
      // a list not chunked as Ferry chunks lists (one level too many): interactions or dialogs
      const wrapped = (inner: string) => {
        const text = `{"i":["${inner}"],"l":1}`;
        const top = nodeSha256(text);
        snap.store.put(top, text);
        return top;
      };
      if (rand() < 0.5) {
        const top = wrapped(snap.lists.build(a.interactions).hash);
        return treeWith(
          snap,
          root,
          dialogs.map((d) => (d === a ? { ...d, list: top } : d)),
        );
      }
      const changed = treeWith(snap, root, dialogs);
      const list = snap.root(changed).dialogs;
      const text = canonicalJson({ ...snap.root(changed), dialogs: wrapped(list) } as JsonValue);
      const top = nodeSha256(text);
      snap.store.put(top, text);
      return top;
    }
    default: {
      // settings holding the automation's name
      const text = JSON.stringify({ name: 'mine', language: 'en' });
      const settings = nodeSha256(text);
      snap.store.put(settings, text);
      return treeWith(snap, root, dialogs, { settings });
    }
  }
  return treeWith(snap, root, dialogs);
}

describe('checkTree against a known base', () => {
  it('accepts chains of changes reading only what changed, as the whole check does', async () => {
    const rand = seeded(7);
    const snap = createSnapshotter(nodeSha256);
    let root = snap.write(
      contentOf(generateBotExport({ seed: 8, dialogs: 70, interactionsPerDialog: 3 })),
    );
    const store = new Store(snap.store.nodes);
    const cache = cacheOf();
    expect(
      (await checkTree(new MemoryNodeStore(), store, nodeSha256, root, null, { structures: cache }))
        .ok,
    ).toBe(true);
    let fastReads = 0;
    for (let n = 0; n < 60; n++) {
      const next = edit(snap, root, rand, n);
      const whole = await checkTree(new MemoryNodeStore(), store, nodeSha256, next, root);
      store.reads = 0;
      const known = cache.trees.has(root);
      const fast = await checkTree(new MemoryNodeStore(), store, nodeSha256, next, root, {
        structures: cache,
      });
      fastReads = Math.max(fastReads, store.reads);
      expect([n, known, said(fast)]).toEqual([n, true, said(whole)]);
      expect(fast.ok).toBe(true);
      root = next;
    }
    // About 280 dialogs' and lists' nodes and 210 interactions: a change reads a handful.
    expect(fastReads).toBeLessThan(25);
  });

  it('refuses crafted trees with the words of the whole check, the base known or not', async () => {
    const rand = seeded(11);
    const snap = createSnapshotter(nodeSha256);
    const base = snap.write(
      contentOf(generateBotExport({ seed: 9, dialogs: 6, interactionsPerDialog: 4, botId: 'b' })),
    );
    const other = snap.write(
      contentOf(generateBotExport({ seed: 9, dialogs: 2, interactionsPerDialog: 4, botId: 'b' })),
    );
    const store = new Store(snap.store.nodes);
    const cache = cacheOf();
    await checkTree(new MemoryNodeStore(), store, nodeSha256, base, null, { structures: cache });
    let refused = 0;
    let root = base;
    for (let n = 0; n < 150; n++) {
      // Crafted on a tree a few valid edits away, checked against it.
      if (n % 10 === 0) {
        const next = edit(snap, root, rand, n);
        await checkTree(new MemoryNodeStore(), store, nodeSha256, next, root, {
          structures: cache,
        });
        root = next;
      }
      const crafted = craft(snap, root, rand, other);
      const whole = await checkTree(new MemoryNodeStore(), store, nodeSha256, crafted, root);
      const fast = await checkTree(new MemoryNodeStore(), store, nodeSha256, crafted, root, {
        structures: cache,
      });
      expect([n, said(fast)]).toEqual([n, said(whole)]);
      if (!whole.ok) refused++;
    }
    expect(refused).toBeGreaterThan(120);
  });
});
