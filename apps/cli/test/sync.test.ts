// `ferry automation import` sends only what the server lacks: on a one-change 10k-interaction
// export, a few KB; and the automation then exports byte for byte what a plain import gives.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  sync: {
    uploadedNodes: number;
    uploadedBytes: number;
    treeNodes: number;
    rounds: number;
    indexed: boolean;
  };
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
    // Sent as they are (node text under 16 KB is not worth loading zlib for), in base64.
    expect(synced.sync.uploadedBytes).toBeLessThan(32 * 1024);
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

  it('reads only the changed bytes with the index of the last sync, and falls back whole without it', async () => {
    // Each change imported with the index, and with it missing, damaged or cut short: the same
    // content as a plain import every time.
    const doc = generateBotExport({ seed: 15, dialogs: 30, interactionsPerDialog: 6 });
    const file = join(dir, 'indexed.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const cache = tempDir('sync-cache');
    const env = { XDG_CACHE_HOME: cache };
    const first = await server.json<Imported>(['automation', 'import', file, '--name', 'Indexed']);
    const into = ['automation', 'import', file, '--into', 'Indexed'];
    const plainOf = async (name: string) => {
      const r = await server.json<{ id: string }>([
        'automation',
        'import',
        file,
        '--name',
        name,
        '--no-sync',
      ]);
      const text = (await server.run(['automation', 'export', r.id])).stdout;
      return text.replaceAll(r.id, first.id).replace(`"name": "${name}"`, '"name": "Indexed"');
    };
    const exported = async () => (await server.run(['automation', 'export', first.id])).stdout;
    const indexFile = () => {
      const [key] = readdirSync(join(cache, 'ferry', 'sync'));
      return join(cache, 'ferry', 'sync', must(key, 'an index folder'), 'index');
    };
    const messages = doc.conversationMessage as JsonObject[];
    const damages: [string, () => void][] = [
      ['none', () => {}],
      ['missing', () => rmSync(indexFile())],
      [
        'damaged',
        () => {
          const bytes = readFileSync(indexFile());
          const at = Math.floor(bytes.length / 2);
          bytes[at] = (bytes[at] ?? 0) ^ 0xff;
          writeFileSync(indexFile(), bytes);
        },
      ],
      ['cut short', () => writeFileSync(indexFile(), readFileSync(indexFile()).subarray(0, 100))],
      [
        'its copy gone',
        () => {
          const folder = join(indexFile(), '..');
          for (const name of readdirSync(folder))
            if (name.startsWith('export-')) rmSync(join(folder, name));
        },
      ],
    ];
    // The first --into has no index yet: it reads the whole export and writes one.
    let synced = await server.json<Imported>([...into], { env });
    expect(synced.sync.indexed).toBe(false);
    for (const [n, [what, damage]] of damages.entries()) {
      must(messages[n * 31], 'an interaction').name = `changed ${n}`;
      if (n === 2) messages.splice(7, 1); // an interaction removed, too
      writeFileSync(file, JSON.stringify(doc, null, 2));
      damage();
      synced = await server.json<Imported>([...into], { env });
      expect([what, synced.sync.indexed]).toEqual([what, what === 'none']);
      if (what === 'none') expect(synced.sync.uploadedNodes).toBeLessThanOrEqual(8);
      expect([what, await exported()]).toEqual([what, await plainOf(`Plain ${n}`)]);
    }
    // An index of another export (stale): only what differs is read, still the same content.
    const other = join(dir, 'other.json');
    writeFileSync(
      other,
      JSON.stringify(generateBotExport({ seed: 16, dialogs: 3, interactionsPerDialog: 2 })),
    );
    await server.json<Imported>(['automation', 'import', other, '--into', 'Indexed'], { env });
    synced = await server.json<Imported>([...into], { env });
    expect([await exported(), synced.counts.interactions]).toEqual([
      await plainOf('Plain other'),
      179,
    ]);

    // The last synced tree gone from the server (its automations deleted, then gc), and the name
    // taken by a new automation: the change's nodes alone do not make a tree there, so the
    // whole tree is offered.
    for (const a of await server.json<{ id: string; name: string }[]>(['automation', 'list']))
      if (a.name === 'Indexed' || a.name.startsWith('Plain'))
        expect((await server.run(['automation', 'delete', a.id, '--yes'])).code).toBe(0);
    expect((await server.run(['gc'])).code).toBe(0);
    const again = await server.json<{ id: string }>(['automation', 'create', 'Indexed']);
    must(messages[3], 'an interaction').name = 'changed after gc';
    writeFileSync(file, JSON.stringify(doc, null, 2));
    synced = await server.json<Imported>([...into], { env });
    expect(synced.sync.indexed).toBe(false);
    const plain = await server.json<{ id: string }>(['automation', 'import', file, '--no-sync']);
    expect((await server.run(['automation', 'export', again.id])).stdout).toBe(
      (await server.run(['automation', 'export', plain.id])).stdout
        .replaceAll(plain.id, again.id)
        .replace(/"name": "[^"]*"/, '"name": "Indexed"'),
    );
  });

  it('syncs an export the index cannot describe (a key JavaScript reorders) as before', async () => {
    const doc = generateBotExport({ seed: 17, dialogs: 2, interactionsPerDialog: 2 });
    const file = join(dir, 'odd-key.json');
    writeFileSync(file, JSON.stringify({ ...doc, 7: ['an integer-like key'] }, null, 2));
    const created = await server.json<Imported>(['automation', 'import', file, '--name', 'Odd']);
    const synced = await server.json<Imported>(['automation', 'import', file, '--into', 'Odd']);
    expect([created.sync.indexed, synced.sync.indexed, synced.sync.uploadedNodes]).toEqual([
      false,
      false,
      0,
    ]);
    const exported = (await server.run(['automation', 'export', 'Odd'])).stdout;
    expect(JSON.parse(exported)['7']).toEqual(['an integer-like key']);
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
