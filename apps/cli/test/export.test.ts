// `ferry automation export` over GET /api/export: written while it arrives, to stdout or to --out
// through a temporary file (a refused or failed export leaves no file, whole or half), and the
// same bytes when the server compresses them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf, type Runtime } from '../src/lib/command.js';
import { readEnv } from '../src/lib/env.js';
import { downloadExport, isLoopback } from '../src/lib/export-download.js';
import {
  ADMIN_TOKEN,
  STACK,
  fixturePath,
  startTestServer,
  tempDir,
  type TestServer,
} from './support.js';

let server: TestServer;
let id: string;
const dir = tempDir('export');
beforeAll(async () => {
  server = await startTestServer();
  id = (
    await server.json<{ id: string }>([
      'automation',
      'import',
      fixturePath('returns-desk.json'),
      '--name',
      'Exported',
    ])
  ).id;
});
afterAll(() => server.close());

describe('ferry automation export', () => {
  it('writes the same bytes to --out and to stdout, and leaves no temporary file', async () => {
    const out = join(dir, 'bot.json');
    const meta = await server.json<Record<string, unknown>>([
      'automation',
      'export',
      'Exported',
      '--out',
      out,
    ]);
    const written = readFileSync(out);
    expect(meta).toEqual({
      id,
      name: 'Exported',
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      file: out,
      bytes: written.length,
    });
    const stdout = await server.run(['automation', 'export', id]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(written.toString('utf8'));
    expect(JSON.parse(stdout.stdout)).toMatchObject({ bot: { id, name: 'Exported' } });
    expect(readdirSync(dir)).toEqual(['bot.json']);
  });

  it('writes nothing when the export is refused or cannot be written', async () => {
    const target = tempDir('export-refused');
    const missing = await server.run([
      'automation',
      'export',
      'No such bot',
      '--out',
      join(target, 'x.json'),
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).not.toMatch(STACK);
    const noVersion = await server.run([
      'automation',
      'export',
      id,
      '--version',
      '42',
      '--out',
      join(target, 'x.json'),
    ]);
    expect(noVersion.code).toBe(3);
    const noFolder = await server.run([
      'automation',
      'export',
      id,
      '--out',
      join(target, 'nowhere', 'x.json'),
    ]);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr.trim()).toBe(
      `error: Cannot write ${join(target, 'nowhere', 'x.json')}: its folder does not exist.`,
    );
    const denied = await server.run(['automation', 'export', id], { token: 'ferry_wrong' });
    expect(denied.code).toBe(5);
    expect(denied.stdout).toBe('');
    expect(readdirSync(target)).toEqual([]);
  });

  it('decodes brotli and gzip as sent (the CLI asks for them off loopback)', async () => {
    const plain = readFileSync(join(dir, 'bot.json'));
    const rt: Runtime = {
      env: readEnv({ FERRY_URL: server.url, FERRY_TOKEN: ADMIN_TOKEN }),
      io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
      version: 'test',
    };
    const ctx = contextOf(rt, new Command());
    const file = join(dir, 'compressed.json');
    const got = await downloadExport(ctx, { automation: id }, { file }, true);
    expect(readFileSync(file).equals(plain)).toBe(true);
    expect(got).toMatchObject({ id, name: 'Exported', bytes: plain.length });
    let text = '';
    await downloadExport(ctx, { automation: id }, { stdout: { write: (t) => (text += t) } }, true);
    expect(text).toBe(plain.toString('utf8'));

    expect(isLoopback(new URL(server.url))).toBe(true);
    for (const url of ['http://localhost:3000', 'http://[::1]:3000', 'http://[::ffff:127.0.0.1]'])
      expect(isLoopback(new URL(url))).toBe(true);
    for (const url of ['https://ferry.example.com', 'http://10.0.0.5:3000', 'http://[2001:db8::1]'])
      expect(isLoopback(new URL(url))).toBe(false);
  });
});
