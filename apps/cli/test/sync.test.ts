// `ferry automation import` sends only what the server lacks: on a one-change 10k-interaction
// export, a few KB; and the automation then exports byte for byte what a plain import gives.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, type JsonObject } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, tempDir, type TestServer } from './support.js';

interface Imported {
  id: string;
  name: string;
  revision: number;
  counts: { interactions: number };
  backup: { name: string } | null;
  sync: { uploadedNodes: number; uploadedBytes: number; treeNodes: number; rounds: number };
}

describe('import through content-addressed sync', () => {
  let server: TestServer;
  const dir = tempDir('sync');
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  it('sends a few KB for a one-change import --into of a 10k export, and exports as a plain import', async () => {
    const doc = generateBotExport({ seed: 12, dialogs: 400, interactionsPerDialog: 25 });
    const first = join(dir, 'big.json');
    writeFileSync(first, JSON.stringify(doc, null, 2));
    const created = await server.json<Imported>(['automation', 'import', first, '--name', 'Big']);
    expect(created.counts.interactions).toBe(10_000);
    expect(created.sync.uploadedNodes).toBe(created.sync.treeNodes);

    const changed = structuredClone(doc);
    const message = must((changed.conversationMessage as JsonObject[])[4321], 'an interaction');
    message.content = { ...(message.content as JsonObject), text: 'Changed in CB.' };
    const second = join(dir, 'big-changed.json');
    const text = JSON.stringify(changed, null, 2);
    writeFileSync(second, text);
    const synced = await server.json<Imported>([
      'automation',
      'import',
      second,
      '--into',
      'Big',
      '--if-revision',
      String(created.revision),
    ]);
    expect(synced.sync.uploadedNodes).toBeLessThanOrEqual(8);
    expect(synced.sync.uploadedBytes).toBeLessThan(16 * 1024);
    expect(synced.sync.rounds).toBeLessThanOrEqual(10);
    expect(synced.backup).toMatchObject({ name: 'Before import' });

    // The same file through the plain `document` upload (the API users' way).
    const res = await fetch(`${server.url}/api/trpc/automations.import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ document: text, name: 'Plain' }),
    });
    expect(res.status).toBe(200);
    const plain = ((await res.json()) as { result: { data: { id: string } } }).result.data;
    const exported = await server.run(['automation', 'export', 'Big']);
    const plainExported = await server.run(['automation', 'export', 'Plain']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(
      plainExported.stdout
        .replaceAll(plain.id, created.id)
        .replace('"name": "Plain"', '"name": "Big"'),
    );
  }, 300_000); // a 10k bot imported twice and exported twice on the embedded database

  it('prints how much it sent', async () => {
    const doc = generateBotExport({ seed: 13, dialogs: 4, interactionsPerDialog: 5 });
    const file = join(dir, 'small.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await server.run(['automation', 'import', file, '--name', 'Small']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Sent \d+ of \d+ content nodes \(.+\); the server held the rest\./);
    const again = await server.run(['automation', 'import', file, '--into', 'Small']);
    expect(again.stderr).toMatch(/Sent 0 of \d+ content nodes \(0 bytes\)/);
    // --no-sync: the whole export in one request (the plain `document` upload).
    const whole = await server.json<Imported>([
      'automation',
      'import',
      file,
      '--into',
      'Small',
      '--no-sync',
    ]);
    expect(whole).toMatchObject({ name: 'Small', created: false });
    expect(whole.sync).toBeUndefined();
  });

  it('--save saves what it imported as the next version, in the same command', async () => {
    const doc = generateBotExport({ seed: 14, dialogs: 3, interactionsPerDialog: 4 });
    const file = join(dir, 'saved.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const created = await server.json<Imported & { version: { number: number; name: string } }>([
      'automation',
      'import',
      file,
      '--name',
      'Saved',
      '--save',
      'From CB, build 1',
    ]);
    expect(created.version).toMatchObject({ number: 1, name: 'From CB, build 1' });
    const message = must((doc.conversationMessage as JsonObject[])[5], 'an interaction');
    message.content = { text: 'Changed in CB.' };
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const text = await server.run(['automation', 'import', file, '--into', 'Saved', '--save', '']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Saved version #2 "/m);
    const versions = await server.json<{ number: number; contentHash: string }[]>([
      'version',
      'list',
      'Saved',
    ]);
    const working = await server.json<{ root: string }>(['automation', 'show', 'Saved']);
    expect(versions.find((v) => v.number === 2)?.contentHash).toBe(working.root);
    // Without a working copy to save (a failed import), nothing is saved.
    writeFileSync(file, '{"bot": 1}');
    const bad = await server.run(['automation', 'import', file, '--into', 'Saved', '--save', 'x']);
    expect(bad.code).not.toBe(0);
    expect((await server.json<{ number: number }[]>(['version', 'list', 'Saved'])).length).toBe(
      versions.length,
    );
  });
});
