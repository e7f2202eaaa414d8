// The sync index's files: what is saved loads back (the export's bytes kept as a copy and small
// patches), anything damaged loads as nothing, and the bytes two exports share are found exactly.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importIndexed, type ExportChange } from '@ferry/core/import';
import { generateBotExport, seededRandom as seeded } from '@ferry/core/testing';
import { describe, expect, it } from 'vitest';
import {
  bytesSource,
  changeBetween,
  loadSyncIndex,
  saveSyncIndex,
  syncIndexDir,
} from './sync-index.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The slow, obvious answer. */
function expected(a: Buffer, b: Buffer): ExportChange {
  const most = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < most && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < most - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}

describe('the sync index files', () => {
  it('find the bytes two exports share at their start and end', () => {
    const rand = seeded(1);
    for (let k = 0; k < 300; k++) {
      const size = Math.floor(rand() * 300_000);
      const a = Buffer.alloc(size, 'x');
      for (let i = 0; i < 20; i++) a[Math.floor(rand() * size)] = 0x61 + Math.floor(rand() * 3);
      const at = Math.floor(rand() * (size + 1));
      const inserted = Buffer.alloc(Math.floor(rand() * 5), rand() < 0.5 ? 'x' : 'y');
      const b = Buffer.concat([
        a.subarray(0, at),
        inserted,
        a.subarray(at + Math.floor(rand() * 4)),
      ]);
      // The bytes before in one piece, and cut in three.
      const cuts = [Math.floor(rand() * size), Math.floor(rand() * size)].sort((x, y) => x - y);
      const pieces = [a.subarray(0, cuts[0]), a.subarray(cuts[0], cuts[1]), a.subarray(cuts[1])];
      expect([k, changeBetween([a], b)]).toEqual([k, expected(a, b)]);
      expect([k, changeBetween(pieces, b)]).toEqual([k, expected(a, b)]);
    }
  });

  it('keep a change as a patch of the bytes before, and load what was saved', () => {
    const home = mkdtempSync(join(tmpdir(), 'ferry-sync-index-'));
    try {
      const dir = syncIndexDir(home, 'http://127.0.0.1:1/', 'Support (Dev)');
      expect(dir).toBe(syncIndexDir(home, 'http://127.0.0.1:1', 'Support (Dev)'));
      const doc = generateBotExport({ seed: 2, dialogs: 20, interactionsPerDialog: 5 });
      let bytes = Buffer.from(JSON.stringify(doc, null, 2));
      const first = importIndexed(bytesSource(bytes), sha256);
      if (first === null) throw new Error('not indexed');
      saveSyncIndex(dir, first.index, bytes);
      const files = () => readdirSync(dir).filter((f) => f !== 'index');
      expect(files()).toHaveLength(1);
      let smallest = Infinity;
      for (let k = 0; k < 40; k++) {
        const saved = loadSyncIndex(dir);
        if (saved === null) throw new Error(`no index after ${k} changes`);
        expect(Buffer.concat(saved.pieces).equals(bytes)).toBe(true);
        expect(saved.index).toEqual(importIndexed(bytesSource(bytes), sha256)?.index);
        const message = (doc.conversationMessage as { name: string }[])[(k * 7) % 100];
        if (message) message.name = `change ${k}`;
        const next = Buffer.from(JSON.stringify(doc, null, 2));
        const tree = importIndexed(bytesSource(next), sha256);
        if (tree === null) throw new Error('not indexed');
        saveSyncIndex(dir, tree.index, next, { saved, change: changeBetween(saved.pieces, next) });
        bytes = next;
        // A copy and patches of a few hundred bytes, until a new copy starts again.
        expect(files().length).toBeLessThanOrEqual(64);
        for (const f of files()) smallest = Math.min(smallest, statSync(join(dir, f)).size);
      }
      expect(smallest).toBeLessThan(2000);
      expect(Buffer.concat(loadSyncIndex(dir)?.pieces ?? []).equals(bytes)).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('load as nothing when damaged, cut short or missing a file of the bytes', () => {
    const home = mkdtempSync(join(tmpdir(), 'ferry-sync-index-'));
    try {
      const dir = syncIndexDir(home, 'http://x', 'a');
      const bytes = Buffer.from(
        JSON.stringify(generateBotExport({ seed: 3, dialogs: 2, interactionsPerDialog: 2 })),
      );
      const tree = importIndexed(bytesSource(bytes), sha256);
      if (tree === null) throw new Error('not indexed');
      const fresh = () => {
        rmSync(dir, { recursive: true, force: true });
        saveSyncIndex(dir, tree.index, bytes);
        expect(loadSyncIndex(dir)).not.toBeNull();
      };
      const index = join(dir, 'index');
      const damages: (() => void)[] = [
        () => rmSync(index),
        () => writeFileSync(index, readFileSync(index).subarray(0, 60)),
        () => {
          const b = readFileSync(index);
          b[b.length - 10] = (b[b.length - 10] ?? 0) ^ 1;
          writeFileSync(index, b);
        },
        () => {
          for (const f of readdirSync(dir)) if (f !== 'index') rmSync(join(dir, f));
        },
        () => {
          for (const f of readdirSync(dir)) if (f !== 'index') writeFileSync(join(dir, f), 'short');
        },
      ];
      for (const damage of damages) {
        fresh();
        damage();
        expect(loadSyncIndex(dir)).toBeNull();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
