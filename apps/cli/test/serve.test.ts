// `ferry serve` as a user runs it: its own process on a data directory, printing the URL it
// listens on; killed hard (SIGKILL) and started again on the same data, which is intact; stopped
// cleanly by SIGTERM, after the requests in flight have finished.
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SERVE_TOKEN,
  STACK,
  exited,
  ferry,
  fixturePath,
  serve,
  tempDir,
  waitFor,
} from './support.js';

const TOKEN = SERVE_TOKEN;
const WEB_BUILD = fileURLToPath(new URL('../../web/build/handler.js', import.meta.url));

describe('ferry serve', () => {
  const dir = tempDir('serve');
  const data = join(dir, 'data');
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives SIGKILL: started again on the same data, everything is there', async () => {
    const first = await serve(['--port', '0', '--data', data]);
    started.push(first.child);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    // The web UI too, when it is built (as the README's run command serves it).
    if (existsSync(WEB_BUILD)) expect((await fetch(`${first.url}/`)).status).toBeLessThan(500);
    const auth = ['--url', first.url, '--token', TOKEN];
    const imported = await ferry([
      'automation',
      'import',
      fixturePath('returns-desk.json'),
      '--name',
      'Survivor',
      ...auth,
    ]);
    expect(imported.code).toBe(0);
    expect(
      (await ferry(['version', 'save', 'Survivor', '--name', 'before the crash', ...auth])).code,
    ).toBe(0);

    first.child.kill('SIGKILL');
    expect(await exited(first.child)).toMatchObject({ signal: 'SIGKILL' });

    // Started again (--json: the URL as JSON), on the same data: the automation and its version are there.
    const second = await serve(['--port', '0', '--data', data, '--json']);
    started.push(second.child);
    expect(JSON.parse(second.stdout().trim().split('\n')[0]!)).toMatchObject({
      url: second.url,
      database: 'pglite',
    });
    const again = ['--url', second.url, '--token', TOKEN, '--json'];
    const shown = await ferry(['automation', 'show', 'Survivor', ...again]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id: imported.stdout.trim(),
      name: 'Survivor',
    });
    const versions = JSON.parse(
      (await ferry(['version', 'list', 'Survivor', ...again])).stdout,
    ) as { name: string }[];
    expect(versions.map((v) => v.name)).toEqual(['before the crash']);

    // A second server on the same data is refused while this one runs.
    const clash = await ferry(['serve', '--port', '0', '--data', data], {
      env: { FERRY_ADMIN_TOKEN: TOKEN },
    });
    expect(clash.code).toBe(4);
    expect(clash.stderr).toMatch(/in use by another Ferry process/);
    expect(clash.stderr).not.toMatch(STACK);

    // SIGTERM stops it cleanly.
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toMatchObject({ code: 0 });
  });

  it('drains on SIGTERM: a request in flight completes, new connections are refused, exit 0', async () => {
    const server = await serve(['--port', '0', '--data', join(dir, 'drain')], {
      LOG_LEVEL: 'info',
    });
    started.push(server.child);
    // A mutation whose body is still arriving when the signal comes. `Expect: 100-continue` makes
    // the server say when it has the request, so it is in flight before the signal, for sure.
    const body = JSON.stringify({ name: 'Finished while draining' });
    const slow = request(`${server.url}/api/trpc/automations.create`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      slow.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      slow.on('error', reject);
    });
    await new Promise((resolve) => slow.once('continue', resolve));
    slow.write(body.slice(0, 10));

    server.child.kill('SIGTERM');
    await waitFor('the server to start draining', () =>
      /draining in-flight requests/.test(server.stderr()),
    );
    // Draining: a new connection is refused while the request above is still open.
    const refused = await fetch(`${server.url}/healthz`).then(
      () => 'answered',
      (e: Error) => (e.cause as { code?: string } | undefined)?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    expect(server.child.exitCode).toBeNull();

    slow.end(body.slice(10));
    const done = await response;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({
      result: { data: { name: 'Finished while draining' } },
    });
    expect(await exited(server.child)).toMatchObject({ code: 0 });
  });
});
