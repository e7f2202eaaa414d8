// The built `ferry` binary on webhooks and scheduled upgrades: text and --json output, exit codes,
// and deliveries reaching a receiver on 127.0.0.1 (the server allows private addresses here).
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startTestServer, type TestServer } from './support.js';

interface Schedule {
  id: string;
  status: string;
  reason: string | null;
  targetName: string;
  releaseVersion: string;
}

async function until(what: string, check: () => Promise<boolean>, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SECRET = 'cli-webhook-secret-123456';

describe('ferry webhook and scheduled upgrades', () => {
  let server: TestServer;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  let hookUrl = '';
  let acceptorToken = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ferry`;
    server = await startTestServer({
      webhookAllowPrivate: true,
      jobQueue: { pollingSeconds: 0.5 },
    });
    acceptorToken = (
      await server.json<{ token: string }>([
        'user',
        'create',
        'acceptor',
        '--role',
        'release-acceptor',
      ])
    ).token;
  });
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('adds, lists and removes webhooks; bad input exits 2, other roles 5', async () => {
    const bad = await server.run(['webhook', 'add', hookUrl, '--events', 'release.exploded']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"release.exploded" is not an event');
    const ftp = await server.run([
      'webhook',
      'add',
      'ftp://example.com/x',
      '--events',
      'release.created',
    ]);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toMatch(/url/i);
    const forbidden = await server.run(['webhook', 'list'], { token: acceptorToken });
    expect(forbidden.code).toBe(5);

    const added = await server.run([
      'webhook',
      'add',
      hookUrl,
      '--events',
      'release.created,release.upgraded,release.upgrade_blocked',
      '--secret',
      SECRET,
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^Added webhook \S+ for release.created, release.upgraded, release.upgrade_blocked \(signed\)\.\n$/,
    );
    const list = await server.run(['webhook', 'list']);
    expect(list.stdout).toContain(hookUrl);
    expect(list.stdout + added.stdout).not.toContain(SECRET);
    const listed = await server.json<{ id: string; url: string; signed: boolean }[]>([
      'webhook',
      'list',
    ]);
    expect(listed).toMatchObject([{ url: hookUrl, signed: true }]);

    const other = await server.json<{ id: string }>([
      'webhook',
      'add',
      'https://example.com/other',
      '--events',
      'version.saved',
    ]);
    const removed = await server.run(['webhook', 'remove', other.id]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`Removed webhook ${other.id}`);
    expect((await server.run(['webhook', 'remove', other.id])).code).toBe(3);
  });

  it('delivers release events signed, and shows the delivery log', async () => {
    await server.json([
      'automation',
      'import',
      fixturePath('returns-desk.json'),
      '--name',
      'Desk (Dev)',
    ]);
    await server.json(['automation', 'create', 'Desk (Prod)']);
    await server.json([
      'release',
      'create',
      'Desk (Dev)',
      '--to',
      'Desk (Prod)',
      '--version',
      '1.0.0',
    ]);
    await server.json(['release', 'upgrade', 'Desk (Prod)']);
    await until('two deliveries', async () => received.length >= 2);
    // Two delivery workers: the order of arrival is not promised.
    expect(received.map((r) => r.headers['x-ferry-event']).sort()).toEqual([
      'release.created',
      'release.upgraded',
    ]);
    for (const r of received)
      expect(r.headers['x-ferry-signature-256']).toBe(
        `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`,
      );
    await until('both logged as delivered', async () => {
      const log = await server.json<{ status: string }[]>(['webhook', 'deliveries']);
      return log.length === 2 && log.every((d) => d.status === 'delivered');
    });
    const text = await server.run(['webhook', 'deliveries', '--limit', '1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/release\.upgraded\s+delivered\s+1\s+HTTP 204/);
  });

  it('schedules an upgrade, runs it at its time, reports a blocked one, and cancels', async () => {
    await server.json([
      'release',
      'create',
      'Desk (Dev)',
      '--to',
      'Desk (Prod)',
      '--version',
      '1.1.0',
    ]);
    const past = await server.run([
      'release',
      'upgrade',
      'Desk (Prod)',
      '--at',
      '2020-01-01T00:00:00Z',
    ]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('not in the future');
    expect((await server.run(['release', 'upgrade', 'Desk (Prod)', '--at', 'soon'])).code).toBe(2);
    const forced = await server.run([
      'release',
      'upgrade',
      'Desk (Prod)',
      '--at',
      new Date(Date.now() + 60_000).toISOString(),
      '--force',
    ]);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain('never forced');
    // Readers may look, acceptors may schedule.
    const at = new Date(Date.now() + 2000).toISOString();
    const scheduled = await server.run(['release', 'upgrade', 'Desk (Prod)', '--at', at], {
      token: acceptorToken,
    });
    expect(scheduled.code).toBe(0);
    expect(scheduled.stdout).toContain(
      `Scheduled the upgrade of "Desk (Prod)" to release 1.1.0 at ${at}`,
    );
    await until('it ran', async () =>
      (await server.json<Schedule[]>(['release', 'list', 'Desk (Prod)', '--scheduled'])).every(
        (s) => s.status !== 'scheduled',
      ),
    );
    const history = await server.json<{ runsRelease: { version: string } }>([
      'release',
      'history',
      'Desk (Prod)',
    ]);
    expect(history.runsRelease.version).toBe('1.1.0');

    // Blocked: the content uses environment variables the target's (missing) environment lacks.
    await server.json([
      'automation',
      'import',
      fixturePath('concierge.json'),
      '--name',
      'Concierge (Dev)',
    ]);
    await server.json(['automation', 'create', 'Concierge (Prod)']);
    await server.json([
      'release',
      'create',
      'Concierge (Dev)',
      '--to',
      'Concierge (Prod)',
      '--version',
      '1.0.0',
    ]);
    await server.json([
      'release',
      'upgrade',
      'Concierge (Prod)',
      '--at',
      new Date(Date.now() + 1500).toISOString(),
    ]);
    await until(
      'it was blocked',
      async () =>
        (await server.json<Schedule[]>(['release', 'list', 'Concierge (Prod)', '--scheduled']))[0]
          ?.status === 'blocked',
    );
    const listing = await server.run(['release', 'list', '--scheduled']);
    expect(listing.stdout).toMatch(
      /Concierge \(Prod\)\s+1\.0\.0\s+blocked\s+admin\s+.*environment/,
    );
    expect(listing.stdout).toMatch(/Desk \(Prod\)\s+1\.1\.0\s+done/);
    await until('the blocked event delivered', async () =>
      received.some((r) => r.headers['x-ferry-event'] === 'release.upgrade_blocked'),
    );
    const show = await server.json<{ release: { status: string } }>([
      'release',
      'show',
      '--target',
      'Concierge (Prod)',
    ]);
    expect(show.release.status).toBe('pending');

    // Cancel a schedule far ahead; a second cancel finds none (exit 3).
    await server.json([
      'release',
      'upgrade',
      'Concierge (Prod)',
      '--at',
      new Date(Date.now() + 3_600_000).toISOString(),
    ]);
    const cancelled = await server.run(['release', 'cancel-schedule', 'Concierge (Prod)']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(
      'Cancelled the upgrade of "Concierge (Prod)" to release 1.0.0',
    );
    const again = await server.run(['release', 'cancel-schedule', 'Concierge (Prod)', '--json']);
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'NOT_FOUND', exitCode: 3 } });
  });
});
