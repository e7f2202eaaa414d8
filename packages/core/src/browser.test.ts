// The core must run in a browser: bundle it for one and run it in a context that has only the
// globals a browser page has (no process, require, Buffer or node: modules).
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { createSnapshotter } from './snapshot.js';
import { nodeSha256, readFixture } from './test-support/fixtures.js';
import { must } from './must.js';

async function browserBundle(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { conditions: ['@ferry/source', 'browser'] },
    build: {
      write: false,
      minify: false,
      lib: {
        entry: new URL('./index.ts', import.meta.url).pathname,
        formats: ['iife'],
        name: 'FerryCore',
      },
    },
  });
  const [result] = Array.isArray(out) ? out : [out];
  const chunk = (result as { output: { type: string; code?: string }[] }).output.find(
    (o) => o.type === 'chunk',
  );
  return must(must(chunk, 'chunk').code, 'chunk!.code');
}

describe('in a browser', () => {
  it('imports, snapshots and diffs a real export with the pure SHA-256, matching native hashes', async () => {
    const code = await browserBundle();
    expect(code).not.toMatch(/\brequire\(|from ["']node:/);
    const text = readFixture('tile-showcase.json');
    const page = { TextEncoder, TextDecoder, text };
    const result = runInNewContext(
      `${code}
      const imported = FerryCore.importCbExport(text);
      const snap = FerryCore.createSnapshotter(FerryCore.sha256Hex);
      const root = snap.write(imported.value.content);
      const d = imported.value.content.dialogs[2];
      const edited = snap.edit(root, { op: 'updateDialog', dialog: { ...d.dialog, name: 'Renamed' } }).value;
      ({ root, summary: FerryCore.diffSnapshots(snap, root, edited).summary.text, hasProcess: typeof process !== 'undefined' });`,
      page,
    );
    expect(result.hasProcess).toBe(false);
    expect(result.summary).toBe('1 dialog changed.');
    const imported = importCbExport(text);
    if (!imported.ok) throw new Error(imported.error.message);
    const native = createSnapshotter(nodeSha256).write(imported.value.content);
    expect(result.root).toBe(native);
  }, 60_000);
});
