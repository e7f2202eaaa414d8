// GET /api/export: the same bytes as the `automations.export` procedure's exact `text` and a newline for every fixture and corpus export, plain,
// gzip'd and brotli'd; cached by root; ETag and If-None-Match; the procedure's role check.
import { request, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { must } from '@ferry/core';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from './context.js';
import { ExportCache, chooseEncoding } from './export-cache.js';
import { EXPORT_PATH } from './export-route.js';
import { ROLES, type Role } from './roles.js';
import { appRouter } from './router.js';
import { startServer, type RunningServer } from './server.js';
import { FIXTURES, fixture } from './test-support/harness.js';
import { createCallerFactory } from './trpc.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One GET, the body as sent (node's fetch would undo the compression). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const tokens = {} as Record<Role, string>;
let server: RunningServer;
const createCaller = createCallerFactory(appRouter);
let admin: ReturnType<typeof createCaller>;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    dataDir: null,
    adminToken: 'ferry_export-admin',
    logger: pino({ level: 'silent' }),
    announce: () => {},
  });
  const services = server.services;
  const rows = (await services.database.db.execute(
    sql`select id from users where name = 'admin'`,
  )) as unknown as { id: string }[] | { rows: { id: string }[] };
  const [row] = Array.isArray(rows) ? rows : rows.rows;
  admin = createCaller(
    createContextInner({
      services,
      caller: { id: must(row, 'admin row').id, name: 'admin', role: 'admin', via: 'token' },
    }),
  );
  tokens.admin = 'ferry_export-admin';
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    await admin.users.create({ name: `u-${role}`, role });
    tokens[role] = (await admin.users.createToken({ user: `u-${role}`, name: 't' })).token;
  }
});
afterAll(() => server.close());

const auth = (role: Role = 'viewer') => ({ authorization: `Bearer ${tokens[role]}` });
const exportUrl = (automation: string, version?: string) =>
  `${server.url}${EXPORT_PATH}?${new URLSearchParams({ automation, ...(version !== undefined && { version }) })}`;

/** What `ferry automation export` wrote before this route: the procedure's answer over HTTP. */
async function procedureExport(automation: string, version?: string): Promise<Buffer> {
  const input = encodeURIComponent(JSON.stringify({ automation, version }));
  const res = await fetch(`${server.url}/api/trpc/automations.export?input=${input}`, {
    headers: auth(),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { result: { data: { text: string } } };
  return Buffer.from(body.result.data.text + '\n', 'utf8');
}

describe('GET /api/export', () => {
  it.each(FIXTURES)('%s: byte-identical to the procedure, plain, gzip and brotli', async (file) => {
    const imported = await admin.automations.import({ document: fixture(file), name: file });
    const expected = await procedureExport(imported.id);

    const plain = await get(exportUrl(imported.id), auth());
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(expected)).toBe(true);
    expect(plain.headers['x-ferry-root']).toBe(
      (await admin.automations.show({ automation: imported.id })).root,
    );

    const gz = await get(exportUrl(file), { ...auth(), 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(expected)).toBe(true);

    const br = await get(exportUrl(file), { ...auth(), 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(expected)).toBe(true);
    // The same entity whatever the coding.
    expect(new Set([plain, gz, br].map((a) => a.headers.etag)).size).toBe(1);
  });

  it('caches by root, answers 304 to If-None-Match, and a rename or edit changes the tag', async () => {
    const a = await admin.automations.import({ document: fixture(must(FIXTURES[0], 'a fixture')) });
    const first = await get(exportUrl(a.id), auth());
    const second = await get(exportUrl(a.id), auth());
    expect(first.headers['x-ferry-export-cache']).toBe('miss');
    expect(second.headers['x-ferry-export-cache']).toBe('hit');
    expect(second.body.equals(first.body)).toBe(true);
    const tag = must(first.headers.etag, 'etag');
    expect(tag).toContain((await admin.automations.show({ automation: a.id })).root);

    const notModified = await get(exportUrl(a.id), { ...auth(), 'if-none-match': tag });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(tag);
    const other = await get(exportUrl(a.id), { ...auth(), 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);

    // A version keeps its bytes; a rename changes the export (it names the bot), so its tag.
    const saved = await admin.versions.save({
      automation: a.id,
      name: 'v1',
      baseRevision: a.revision,
    });
    const renamed = await admin.automations.rename({ automation: a.id, name: 'Renamed bot' });
    const afterRename = await get(exportUrl(a.id), { ...auth(), 'if-none-match': tag });
    expect(afterRename.status).toBe(200);
    expect(afterRename.headers.etag).not.toBe(tag);
    expect(afterRename.body.equals(await procedureExport(a.id))).toBe(true);
    expect(decodeURIComponent(String(afterRename.headers['x-ferry-automation-name']))).toBe(
      renamed.name,
    );
    const version = await get(exportUrl(a.id, String(saved.number)), auth());
    expect(version.status).toBe(200);
    expect(version.body.equals(await procedureExport(a.id, String(saved.number)))).toBe(true);
  });

  it('names the download after the automation, and the version when it is one, as file systems allow', async () => {
    const a = await admin.automations.import({
      document: fixture(must(FIXTURES[0], 'a fixture')),
      name: 'Søren\'s bot (Dev) "A/B"',
    });
    const saved = await admin.versions.save({ automation: a.id, baseRevision: a.revision });
    const working = await get(exportUrl(a.id), auth());
    expect(working.headers['content-disposition']).toBe(
      `attachment; filename="S_ren's bot (Dev) _A_B_.json"; filename*=UTF-8''S%C3%B8ren%27s%20bot%20%28Dev%29%20_A_B_.json`,
    );
    const version = await get(exportUrl(a.id, `#${saved.number}`), auth());
    expect(version.headers['content-disposition']).toBe(
      `attachment; filename="S_ren's bot (Dev) _A_B_ version ${saved.number}.json"; filename*=UTF-8''S%C3%B8ren%27s%20bot%20%28Dev%29%20_A_B_%20version%20${saved.number}.json`,
    );
    // The exact name decodes back to what the automation is called.
    const exact = must(
      /filename\*=UTF-8''(.+)$/.exec(String(version.headers['content-disposition']))?.[1],
      'filename*',
    );
    // Characters file systems refuse are replaced, so the name the web UI reports is the name saved.
    expect(decodeURIComponent(exact)).toBe(`Søren's bot (Dev) _A_B_ version ${saved.number}.json`);
  });

  it('checks the caller and the input like the procedure', async () => {
    const a = await admin.automations.create({ name: 'Checked' });
    expect((await get(exportUrl(a.id))).status).toBe(401);
    for (const role of ROLES) expect((await get(exportUrl(a.id), auth(role))).status).toBe(200);

    const missing = await get(exportUrl('no such bot'), auth());
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString())).toMatchObject({
      error: { code: 'NOT_FOUND', path: 'automation' },
    });
    const noVersion = await get(exportUrl(a.id, '99'), auth());
    expect(noVersion.status).toBe(404);
    const noName = await get(`${server.url}${EXPORT_PATH}`, auth());
    expect(noName.status).toBe(400);
    expect(JSON.parse(noName.body.toString())).toMatchObject({
      error: { code: 'VALIDATION', path: 'automation' },
    });
    const post = await fetch(exportUrl(a.id), { method: 'POST', headers: auth() });
    expect(post.status).toBe(405);
  });
});

describe('ExportCache', () => {
  const key = (root: string) => ({ root, id: 'id', name: 'n' });
  const bytes = (n: number) => async () => Buffer.alloc(n, 'x');

  it('builds an export once for concurrent requests and keeps at most its budget', async () => {
    const cache = new ExportCache(250);
    let builds = 0;
    const build = async () => {
      builds++;
      return Buffer.alloc(100, 'a');
    };
    await Promise.all([1, 2, 3].map(() => cache.get(key('r1'), 'identity', build)));
    expect(builds).toBe(1);
    await cache.get(key('r2'), 'identity', bytes(100));
    await cache.get(key('r1'), 'identity', build); // r1 is now the most recent
    await cache.get(key('r3'), 'identity', bytes(100)); // over budget: r2 goes
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 200 });
    expect((await cache.get(key('r1'), 'identity', build)).cached).toBe(true);
    expect((await cache.get(key('r2'), 'identity', bytes(100))).cached).toBe(false);
    // Larger than the whole budget: served, not kept.
    const big = await cache.get(key('big'), 'identity', bytes(1000));
    expect(big.body.length).toBe(1000);
    expect((await cache.get(key('big'), 'identity', bytes(1000))).cached).toBe(false);
  });

  it('counts the compressed forms and forgets a failed build', async () => {
    const cache = new ExportCache(10_000);
    const text = Buffer.from('{"a": 1}\n'.repeat(100));
    const gz = await cache.get(key('r'), 'gzip', async () => text);
    expect(gunzipSync(gz.body).equals(text)).toBe(true);
    expect(cache.stats().bytes).toBe(text.length + gz.body.length);
    await expect(
      cache.get(key('bad'), 'identity', () => Promise.reject(new Error('read failed'))),
    ).rejects.toThrow('read failed');
    expect((await cache.get(key('bad'), 'identity', bytes(1))).body.length).toBe(1);
  });

  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['*', 'br'],
    ['*;q=0', 'identity'],
    ['identity', 'identity'],
  ] as const)('Accept-Encoding %j → %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});
