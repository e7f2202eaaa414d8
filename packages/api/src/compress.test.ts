// Responses are compressed as the client asks: API answers and the web UI's pages in br or gzip,
// nothing for a client that accepts no encoding or for the health probes, and the export route's
// own encoding never applied twice.
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { fixture } from '@ferry/fixtures';
import { migratedPgliteTemplate } from '@ferry/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';

const TOKEN = 'ferry_compress-test-token';
/** A page the size of a real one (the web UI's own handler is the browser tests' subject). */
const PAGE = `<!doctype html><html><body>${'<p>Ferry keeps every version.</p>'.repeat(200)}</body></html>`;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose body is returned as sent (fetch would decode it), with the given Accept-Encoding. */
function get(url: string, acceptEncoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(acceptEncoding && { 'accept-encoding': acceptEncoding }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const decode = (r: Raw) =>
  r.headers['content-encoding'] === 'br'
    ? brotliDecompressSync(r.body).toString()
    : r.headers['content-encoding'] === 'gzip'
      ? gunzipSync(r.body).toString()
      : r.body.toString();

describe('compressed responses', () => {
  let server: RunningServer;
  let list: string;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      dataDir: null,
      pgliteTemplate: (await migratedPgliteTemplate()).tarball,
      adminToken: TOKEN,
      adminPassword: 'compress test password',
      logger: pino({ level: 'silent' }),
      announce: () => {},
      fallback: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
        return true;
      },
    });
    const imported = await fetch(`${server.url}/api/trpc/automations.import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ document: fixture('returns-desk.json'), name: 'Returns' }),
    });
    expect(imported.status).toBe(200);
    list = `${server.url}/api/trpc/versions.list?input=${encodeURIComponent(JSON.stringify({ automation: 'Returns' }))}`;
  });
  afterAll(() => server.close());

  it('sends an API answer in br or gzip as accepted, the same JSON as uncompressed', async () => {
    const url = `${server.url}/api/trpc/automations.export?input=${encodeURIComponent(JSON.stringify({ automation: 'Returns' }))}`;
    const plain = await get(url);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    for (const [accept, encoding] of [
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0.1, gzip', 'gzip'],
    ] as const) {
      const r = await get(url, accept);
      expect(r.headers['content-encoding'], accept).toBe(encoding);
      expect(r.headers.vary).toMatch(/accept-encoding/i);
      expect(r.body.length).toBeLessThan(plain.body.length / 2);
      expect(JSON.parse(decode(r))).toEqual(JSON.parse(plain.body.toString()));
    }
  });

  it('sends a short API answer plain, with its length, whatever the client accepts', async () => {
    const url = `${server.url}/api/trpc/auth.whoami`;
    const plain = await get(url);
    expect(plain.body.length).toBeLessThan(1024);
    for (const accept of ['br', 'gzip', 'gzip, deflate, br']) {
      const r = await get(url, accept);
      expect(r.status).toBe(200);
      expect(r.headers['content-encoding'], accept).toBeUndefined();
      expect(r.headers['content-length']).toBe(String(r.body.length));
      expect(r.body.toString()).toBe(plain.body.toString());
      expect(JSON.parse(r.body.toString())).toMatchObject({ result: { data: { name: 'admin' } } });
    }
    // An error answer too (short, with its status).
    const refused = await get(`${server.url}/api/trpc/automations.show?input=%7B%7D`, 'gzip');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString())).toHaveProperty('error');
  });

  it('compresses the web UI’s pages too', async () => {
    const r = await get(`${server.url}/automations`, 'br, gzip');
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(decode(r)).toBe(PAGE);
  });

  it('leaves the probes and clients that accept no encoding alone', async () => {
    const health = await get(`${server.url}/healthz`, 'br, gzip');
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(health.body.toString())).toMatchObject({ ok: true });
    const identity = await get(list, 'identity');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(identity.body.toString())).toHaveProperty('result');
  });

  it('encodes an export once: its own cached br, not br inside br', async () => {
    const r = await get(`${server.url}/api/export?automation=Returns`, 'br');
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    const text = decode(r);
    expect(JSON.parse(text)).toHaveProperty('bot');
  });
});
