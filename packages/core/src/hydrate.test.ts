import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { hydrate } from './hydrate.js';
import {
  CorruptNodeError,
  MemoryNodeStore,
  MissingNodeError,
  type AsyncNodeStore,
} from './store.js';
import { must, newSnapshotter } from './test-support/bots.js';
import { createSnapshotter } from './snapshot.js';
import { nodeSha256, readFixture } from './test-support/fixtures.js';
import { must as present } from './must.js';

/** A durable store over a map, counting round trips. */
function durable(nodes: Map<string, string>): AsyncNodeStore & { calls: number } {
  return {
    calls: 0,
    async getMany(hashes) {
      this.calls++;
      return new Map(
        hashes.filter((h) => nodes.has(h)).map((h) => [h, present(nodes.get(h), 'nodes.get(h)')]),
      );
    },
    async putMany() {},
  };
}

describe('hydrate', () => {
  const snap = newSnapshotter();
  const { content } = must(importCbExport(readFixture('tile-showcase.json')));
  const root = snap.write(content);

  it('loads a whole snapshot, one round trip per tree level', async () => {
    const source = durable(snap.store.nodes);
    const memory = new MemoryNodeStore();
    await hydrate(memory, source, root);
    expect(memory.size).toBe(snap.store.size);
    expect(source.calls).toBeLessThanOrEqual(6);
  });

  it('loads only the structure (with the export order) for edits, enough to remove an interaction', async () => {
    const memory = new MemoryNodeStore();
    await hydrate(memory, durable(snap.store.nodes), root, { entities: false });
    expect(memory.size).toBeLessThan(snap.store.size / 2);
    const editor = createSnapshotter(nodeSha256, memory);
    const d = present(content.dialogs[3], 'content.dialogs[3]');
    const removed = editor.edit(root, {
      op: 'removeInteraction',
      dialogId: d.dialog.id as string,
      interactionId: present(d.interactions[0], 'd.interactions[0]').id as string,
    });
    expect(removed.ok).toBe(true);
  });

  it('reports a missing node and a corrupt reference clearly', async () => {
    const missing = new Map(snap.store.nodes);
    const rootNode = JSON.parse(present(missing.get(root), 'missing.get(root)'));
    missing.delete(rootNode.settings);
    await expect(hydrate(new MemoryNodeStore(), durable(missing), root)).rejects.toBeInstanceOf(
      MissingNodeError,
    );
    const corrupt = new Map(snap.store.nodes);
    corrupt.set(root, JSON.stringify({ ...rootNode, dialogs: 42 }));
    await expect(hydrate(new MemoryNodeStore(), durable(corrupt), root)).rejects.toBeInstanceOf(
      CorruptNodeError,
    );
  });
});
