// The server process end to end over HTTP: health, auth (token and cookie), limits, error shape,
// first-start admin, durability and concurrent edits across two processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { schema } from '@ferry/db';
import {
  openTestDatabase,
  migratedPgliteTemplate,
  testDatabaseKinds,
  builtEntry,
} from '@ferry/db/testing';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from './router.js';
import { startServer, type RunningServer } from './server.js';
import { fixture } from './test-support/harness.js';
import { must } from '@ferry/core';

type Client = ReturnType<typeof client>;
const client = (url: string, token?: string, headers: Record<string, string> = {}) =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/api/trpc`,
        headers: () => ({ ...headers, ...(token && { authorization: `Bearer ${token}` }) }),
      }),
    ],
  });

describe('the server on the embedded database', () => {
  let server: RunningServer;
  const logLines: string[] = [];
  const announced: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    server = await startServer({
      port: 0,
      dataDir: null,
      pgliteTemplate: (await migratedPgliteTemplate()).tarball,
      adminPassword: 'correct horse battery',
      maxRequestBytes: 64 * 1024,
      logger: pino({ level: 'info' }, stream),
      announce: (line) => announced.push(line),
    });
  });
  afterAll(() => server.close());

  it('answers /healthz without credentials once ready', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, database: 'pglite' });
  });

  it('answers /readyz from a live database check, marked uncacheable', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ ok: true, status: 'ready', database: 'pglite' });
    }
  });

  it('generates the admin token, prints it once to the console and never into the log', async () => {
    const tokenLine = announced.find((l) => l.includes('API token:'));
    expect(tokenLine).toBeDefined();
    expect(announced.some((l) => l.includes('password'))).toBe(false); // the password was given
    const token = must(
      must(tokenLine, 'tokenLine').split('API token:')[1],
      "tokenLine!.split('API token:')[1]",
    ).trim();
    expect(await client(server.url, token).auth.whoami.query()).toMatchObject({
      name: 'admin',
      role: 'admin',
      via: 'token',
    });
    expect(logLines.join('')).not.toContain(token);
    expect(logLines.some((l) => l.includes('"requestId"'))).toBe(true);
  });

  it('refuses callers without credentials (401) and wrong tokens', async () => {
    const res = await fetch(`${server.url}/api/trpc/automations.list`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { data: unknown } };
    expect(body.error.data).toMatchObject({ ferryCode: 'UNAUTHORIZED' });
    expect(JSON.stringify(body)).not.toMatch(/stack|\bat .*\.ts:\d+/);
    await expect(client(server.url, 'ferry_wrong').automations.list.query()).rejects.toThrow(
      /Sign in/,
    );
  });

  it('signs in with a password into an HttpOnly, SameSite session cookie', async () => {
    const res = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: 'correct horse battery' }),
    });
    expect(res.status).toBe(200);
    const cookie = must(res.headers.get('set-cookie'), "res.headers.get('set-cookie')");
    expect(cookie).toMatch(/^ferry_session=[^;]+; HttpOnly; SameSite=Lax; Path=\//);
    const me = await client(server.url, undefined, {
      cookie: must(cookie.split(';')[0], "cookie.split(';')[0]"),
    }).auth.whoami.query();
    expect(me).toMatchObject({ name: 'admin', via: 'session' });
    const wrong = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: 'nope' }),
    });
    expect(wrong.status).toBe(401);
  });

  it('refuses a request larger than the limit with a clear error', async () => {
    const token = must(
      must(
        announced.find((l) => l.includes('API token:')),
        "announced .find((l) => l.includes('API token:'))",
      ).split('API token:')[1],
      "announced .find((l) => l.includes('API token:'))! .split('API token...",
    ).trim();
    const error = await client(server.url, token)
      .automations.import.mutate({ document: 'x'.repeat(100 * 1024) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ httpStatus: 413 });
  });

  it('answers 404 for unknown paths', async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});

// The built server (fresh-build.ts rebuilds it first when its sources changed).
const mainJs = builtEntry('api', 'main.js');

/** A real server process (the same entry point as `pnpm start`), its URL once it listens. */
async function spawnServer(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [mainJs], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    must(child.stdout, 'child.stdout').on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+?) /.exec(out);
      if (m) resolve(must(m[1], 'm[1]'));
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

describe.skipIf(!testDatabaseKinds().includes('postgres'))(
  'two server processes on one PostgreSQL',
  () => {
    let db: Awaited<ReturnType<typeof openTestDatabase>>;
    const env = () => ({
      DATABASE_URL: must(db.url, 'db.url'),
      FERRY_SECRET_KEY: randomBytes(32).toString('hex'),
      FERRY_ADMIN_TOKEN: 'ferry_test_admin_token_0123456789',
      FERRY_ADMIN_PASSWORD: 'admin-password-123',
    });
    let servers: { url: string; child: ChildProcess }[] = [];
    beforeAll(async () => {
      db = await openTestDatabase('postgres');
      const shared = env();
      servers = await Promise.all([spawnServer(shared), spawnServer(shared)]);
    }, 60_000);
    afterAll(async () => {
      for (const s of servers) s.child.kill('SIGTERM');
      await Promise.all(
        servers.map(
          (s) =>
            new Promise((r) =>
              s.child.exitCode !== null || s.child.signalCode !== null
                ? r(null)
                : s.child.on('exit', r),
            ),
        ),
      );
      await db.close();
    });

    it('of 20 concurrent edits from the same base revision exactly one succeeds; the rest conflict', async () => {
      const token = 'ferry_test_admin_token_0123456789';
      const [a, b] = servers.map((s) => client(s.url, token));
      const made = await must(a, 'a').automations.create.mutate({ name: 'Contended' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? must(a, 'a') : must(b, 'b')).automations.rename.mutate({
            automation: made.id,
            name: `Name ${i}`,
            baseRevision: made.revision,
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(
        lost.every((r) => (r.reason as TRPCClientError<AppRouter>).data?.ferryCode === 'CONFLICT'),
      ).toBe(true);
      const shown = await must(b, 'b').automations.show.query({ automation: made.id });
      expect(shown.revision).toBe(2);
      expect(shown.name).toBe((won[0] as PromiseFulfilledResult<{ name: string }>).value.name);
      const renames = await db.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.action, 'automation.rename'));
      expect(renames).toHaveLength(1);
    });

    it('conditional interaction edits: alternating servers each apply once, in order; of 20 from one base exactly one wins', async () => {
      const token = 'ferry_test_admin_token_0123456789';
      const [a, b] = servers.map((s) => client(s.url, token)) as [Client, Client];
      const made = await a.automations.import.mutate({
        document: fixture('returns-desk.json'),
        name: 'Edited on two servers',
      });
      const content = await a.automations.content.query({ automation: made.id });
      const dialog = must(content.content.dialogs[0], 'a dialog');
      const target = must(dialog.interactions[0], 'an interaction');
      const edit = (api: Client, baseRevision: number, name: string) =>
        api.editing.updateInteraction.mutate({
          automation: made.id,
          baseRevision,
          dialogId: String(dialog.dialog.id),
          interaction: { ...target, id: String(target.id), name },
        });
      // Each server edits on top of what the other wrote: neither may lose or repeat a change.
      let revision = made.revision;
      for (let i = 0; i < 6; i++) {
        const r = await edit(i % 2 === 0 ? a : b, revision, `Alternating ${i}`);
        expect(r.revision).toBe(revision + 1);
        revision = r.revision;
      }
      // A stale base is refused on either server, whichever of them wrote last.
      for (const api of [a, b])
        await expect(edit(api, revision - 1, 'Stale')).rejects.toMatchObject({
          data: { ferryCode: 'CONFLICT' },
        });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => edit(i % 2 === 0 ? a : b, revision, `Racing ${i}`)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const winner = (won[0] as PromiseFulfilledResult<{ revision: number; contentHash: string }>)
        .value;
      expect(winner.revision).toBe(revision + 1);
      for (const r of results)
        if (r.status === 'rejected')
          expect((r.reason as TRPCClientError<AppRouter>).data?.ferryCode).toBe('CONFLICT');
      const after = await b.automations.content.query({ automation: made.id });
      expect(after.revision).toBe(revision + 1);
      expect(after.root).toBe(winner.contentHash);
      const names = after.content.dialogs[0]?.interactions[0]?.name;
      expect(names).toMatch(/^Racing \d+$/);
      // One audit entry per applied edit, each with the revision it made.
      const entries = await db.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.automationId, made.id));
      const edits = entries.filter((e) => e.action === 'interaction.update');
      expect(edits.map((e) => e.revision).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
        Array.from({ length: 7 }, (_, i) => made.revision + 1 + i),
      );
      expect(edits.at(-1)?.details).toMatchObject({ interactionId: target.id });
      expect((await a.admin.verify.query()).ok).toBe(true);
    });

    it('a committed write survives SIGKILL of the server process', async () => {
      const token = 'ferry_test_admin_token_0123456789';
      const victim = must(servers[0], 'servers[0]');
      const made = await client(victim.url, token).automations.create.mutate({
        name: 'Survives SIGKILL',
      });
      victim.child.kill('SIGKILL');
      await new Promise((r) => victim.child.on('exit', r));
      expect(
        (
          await client(must(servers[1], 'servers[1]').url, token).automations.show.query({
            automation: made.id,
          })
        ).name,
      ).toBe('Survives SIGKILL');
    });
  },
);
