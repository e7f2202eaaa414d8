import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import type { BotContent } from './content.js';
import { hydrate } from './hydrate.js';
import type { JsonObject } from './json.js';
import { must } from './must.js';
import { createSnapshotter } from './snapshot.js';
import { MemoryNodeStore, type AsyncNodeStore } from './store.js';
import { pushTree } from './sync.js';
import { fixtureNames, nodeSha256, readFixture } from './test-support/fixtures.js';
import { generateBotExport } from './testing.js';
import { checkTree } from './tree-check.js';

/** A server's store: a map of nodes behind the asynchronous interface. */
class Server implements AsyncNodeStore {
  readonly nodes = new Map<string, string>();
  async getMany(hashes: readonly string[]) {
    const out = new Map<string, string>();
    for (const h of hashes) {
      const body = this.nodes.get(h);
      if (body !== undefined) out.set(h, body);
    }
    return out;
  }
  async putMany(nodes: ReadonlyMap<string, string>) {
    for (const [h, b] of nodes) this.nodes.set(h, b);
  }
  remote() {
    return {
      missing: async (hashes: readonly string[]) => hashes.filter((h) => !this.nodes.has(h)),
      upload: async (nodes: readonly { hash: string; text: string }[]) => {
        for (const n of nodes) this.nodes.set(n.hash, n.text);
      },
    };
  }
}

const contentOf = (doc: unknown): BotContent => {
  const parsed = importCbExport(doc);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value.content;
};

const check = (server: Server, root: string, base: string | null) =>
  checkTree(new MemoryNodeStore(), server, nodeSha256, root, base);

describe('pushTree and checkTree', () => {
  it('sends every node once to an empty server, and the tree is then complete and accepted', async () => {
    for (const name of fixtureNames()) {
      const server = new Server();
      const snap = createSnapshotter(nodeSha256);
      const root = snap.write(contentOf(readFixture(name)));
      const stats = await pushTree(snap.store, root, server.remote());
      expect([name, stats.uploadedNodes]).toEqual([name, snap.store.size]);
      await hydrate(new MemoryNodeStore(), server, root);
      const checked = await check(server, root, null);
      expect([name, checked.ok]).toEqual([name, true]);
    }
  });

  it('sends only the changed nodes of a one-interaction change, after two rounds of questions', async () => {
    const doc = generateBotExport({ seed: 3, dialogs: 100, interactionsPerDialog: 10 });
    const server = new Server();
    const first = createSnapshotter(nodeSha256);
    const base = first.write(contentOf(doc));
    await pushTree(first.store, base, server.remote());

    const changed = structuredClone(doc);
    const m = must((changed.conversationMessage as JsonObject[])[500], 'm');
    m.content = { changed: true };
    const snap = createSnapshotter(nodeSha256);
    const root = snap.write(contentOf(changed));
    const stats = await pushTree(snap.store, root, server.remote());
    expect(stats.uploadedNodes).toBeLessThanOrEqual(8);
    expect(stats.rounds).toBe(2);

    const checked = await check(server, root, base);
    if (!checked.ok) throw new Error(checked.error.message);
    expect(checked.value.checkedEntities).toBe(1);
    expect(checked.value.counts).toEqual({ dialogs: 100, interactions: 1000, integrations: 3 });
    expect([...checked.value.entityDelta.values()].sort()).toEqual([-1, 1]);
  });

  it('refuses a tree that combines two accepted subtrees into duplicate interaction ids', async () => {
    const server = new Server();
    const content = contentOf(readFixture('returns-desk.json'));
    content.order = null;
    const d = must(content.dialogs[0], 'dialog');
    const twin = {
      dialog: { ...d.dialog, id: 'twin' },
      interactions: d.interactions.map((i) => ({ ...i, group: 'twin' })),
    };
    const snap = createSnapshotter(nodeSha256);
    const base = snap.write(content);
    await pushTree(snap.store, base, server.remote());
    const other = snap.write({ ...content, dialogs: [twin] });
    await pushTree(snap.store, other, server.remote());
    const crafted = snap.write({ ...content, dialogs: [...content.dialogs, twin] });
    await pushTree(snap.store, crafted, server.remote());
    for (const from of [null, base, other]) {
      const checked = await check(server, crafted, from);
      expect(checked.ok ? 'accepted' : checked.error.message).toMatch(
        /^The file is not a CB export: interaction \d+ in “conversationMessage” has the id “[^”]+”, which an earlier interaction has too\.$/,
      );
    }
  });

  it('reads the base from its own source (a cache) and every other node of the tree from the store', async () => {
    const doc = generateBotExport({ seed: 5, dialogs: 40, interactionsPerDialog: 10 });
    const server = new Server();
    const first = createSnapshotter(nodeSha256);
    const base = first.write(contentOf(doc));
    await pushTree(first.store, base, server.remote());
    const changed = structuredClone(doc);
    must((changed.conversationMessage as JsonObject[])[123], 'm').content = { changed: true };
    const snap = createSnapshotter(nodeSha256);
    const root = snap.write(contentOf(changed));
    await pushTree(snap.store, root, server.remote());

    // A cache holding the base's nodes, and (wrongly, as after gc) the new tree's too.
    const cache = new Server();
    for (const [h, text] of server.nodes) cache.nodes.set(h, text);
    const asked: string[] = [];
    const store: AsyncNodeStore = {
      getMany: async (hashes) => {
        asked.push(...hashes);
        return server.getMany(hashes);
      },
      putMany: (nodes) => server.putMany(nodes),
    };
    const checked = await checkTree(new MemoryNodeStore(), store, nodeSha256, root, base, {
      baseSource: cache,
    });
    if (!checked.ok) throw new Error(checked.error.message);
    expect(checked.value.checkedEntities).toBe(1);
    // The store was asked for a few nodes, none of the base's structure (lists, dialog nodes).
    const baseStructure = new MemoryNodeStore();
    await hydrate(baseStructure, server, base, { entities: false });
    expect(baseStructure.size).toBeGreaterThan(40);
    expect(asked.filter((h) => baseStructure.get(h) !== undefined)).toEqual([]);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.length).toBeLessThan(12);

    // A node of the tree that the store lost is refused, though the cache still has it.
    for (const h of asked) server.nodes.delete(h);
    const lost = await checkTree(new MemoryNodeStore(), store, nodeSha256, root, base, {
      baseSource: cache,
    });
    expect(lost.ok ? 'accepted' : lost.error.message).toMatch(/which the server does not hold/);
  });
});
