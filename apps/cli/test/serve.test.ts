// `ferry serve` as a user runs it: its own process on a data directory, printing the URL it
// listens on; killed hard (SIGKILL) and started again on the same data, which is intact; stopped
// cleanly by SIGTERM, after the requests in flight have finished.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTestDatabase, seedDataDir, testDatabaseKinds } from '@ferry/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SERVE_TOKEN,
  STACK,
  exited,
  ferry,
  fixturePath,
  serve,
  tempDir,
  type Served,
  waitFor,
} from './support.js';
import { must } from '@ferry/core';

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
    expect(
      JSON.parse(
        must(second.stdout().trim().split('\n')[0], "second.stdout().trim().split('\\n')[0]"),
      ),
    ).toMatchObject({
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
    // initdb done beforehand: the first start on a new directory is the SIGKILL test's.
    const drainData = await seedDataDir(join(dir, 'drain'));
    const server = await serve(['--port', '0', '--data', drainData], {
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
        res.on('end', () =>
          resolve({ status: must(res.statusCode, 'res.statusCode'), body: text }),
        );
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

/** Stops a served process with SIGTERM and waits for it. */
async function stop(served: Served) {
  served.child.kill('SIGTERM');
  expect(await exited(served.child)).toMatchObject({ code: 0 });
}

/** The variables of environment "Prod", secrets revealed, as the admin sees them. */
async function revealedProd(url: string) {
  const shown = await ferry([
    'env',
    'show',
    'Prod',
    '--reveal',
    '--json',
    '--url',
    url,
    '--token',
    TOKEN,
  ]);
  expect(shown.code).toBe(0);
  return (JSON.parse(shown.stdout) as { variables: { key: string; value: string }[] }).variables;
}

/** One line on stderr (the CLI's `error: …`), no stack. */
function expectOneLine(run: { stderr: string }, pattern: RegExp) {
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(STACK);
}

describe('ferry serve that cannot start, and ferry admin rotate-key', () => {
  const dir = tempDir('serve-keys');
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('on a busy port prints one line, exits 2 and leaves no data directory behind', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const data = join(dir, 'busy');
      const run = await ferry(['serve', '--port', String(port), '--data', data]);
      expect(run.code).toBe(2);
      expectOneLine(run, new RegExp(`Port ${port} .*already in use`));
      expect(existsSync(data)).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('rotate-key on the embedded database: the key file is replaced, the secrets read the same, another FERRY_SECRET_KEY is refused', async () => {
    const data = await seedDataDir(join(dir, 'embedded')); // initdb done: not the subject
    const first = await serve(['--port', '0', '--data', data]);
    started.push(first.child);
    const auth = ['--url', first.url, '--token', TOKEN];
    expect((await ferry(['env', 'create', 'Prod', ...auth])).code).toBe(0);
    expect(
      (await ferry(['env', 'set', 'Prod', 'API_KEY=s3cr3t-value', '--secret', ...auth])).code,
    ).toBe(0);

    // Refused while the server holds the data directory (exit 4), and nothing changed.
    const keyFile = join(data, 'secret.key');
    const oldKey = readFileSync(keyFile, 'utf8');
    const held = await ferry(['admin', 'rotate-key', '--data', data]);
    expect(held.code).toBe(4);
    expectOneLine(held, /in use by another Ferry process/);
    expect(readFileSync(keyFile, 'utf8')).toBe(oldKey);
    await stop(first);

    const rotated = await ferry(['admin', 'rotate-key', '--data', data]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/Re-encrypted 1 secret under the new key/);
    expect(rotated.stdout).toContain(`The key file ${keyFile} now holds the new key`);
    expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey);

    // Given the old key explicitly, the server refuses: exit 2, one line naming FERRY_SECRET_KEY.
    const refused = await ferry(['serve', '--port', '0', '--data', data], {
      env: { FERRY_SECRET_KEY: oldKey, FERRY_ADMIN_TOKEN: TOKEN },
    });
    expect(refused.code).toBe(2);
    expectOneLine(
      refused,
      /FERRY_SECRET_KEY is not the key this instance's secrets are encrypted with/,
    );

    const second = await serve(['--port', '0', '--data', data]);
    started.push(second.child);
    expect(await revealedProd(second.url)).toMatchObject([
      { key: 'API_KEY', value: 's3cr3t-value' },
    ]);
    await stop(second);
  });

  it.skipIf(!testDatabaseKinds().includes('postgres'))(
    'rotate-key on PostgreSQL: a replica on the old key is refused, the new key reads every secret',
    async () => {
      const db = await openTestDatabase('postgres');
      try {
        const [oldKey, newKey] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
        const pg = { DATABASE_URL: must(db.url, 'db.url'), FERRY_SECRET_KEY: oldKey };
        const first = await serve(['--port', '0'], pg);
        started.push(first.child);
        const auth = ['--url', first.url, '--token', TOKEN];
        expect((await ferry(['env', 'create', 'Prod', ...auth])).code).toBe(0);
        expect(
          (await ferry(['env', 'set', 'Prod', 'A=one', 'B=two', '--secret', ...auth])).code,
        ).toBe(0);
        await stop(first);

        // A wrong current key: refused, nothing changed (the old key still starts the server).
        const wrong = await ferry(['admin', 'rotate-key', '--new-key', newKey], {
          env: { ...pg, FERRY_SECRET_KEY: randomBytes(32).toString('hex') },
        });
        expect(wrong.code).toBe(2);
        expectOneLine(wrong, /FERRY_SECRET_KEY is not the key/);

        const rotated = await ferry(['admin', 'rotate-key', '--json'], { env: pg });
        expect(rotated.code).toBe(0);
        const result = JSON.parse(rotated.stdout) as { secrets: number; newKey: string };
        expect(result.secrets).toBe(2);
        expect(rotated.stderr).toMatch(/set FERRY_SECRET_KEY to the new key on every server/);

        const refused = await ferry(['serve', '--port', '0'], {
          env: { ...pg, FERRY_ADMIN_TOKEN: TOKEN },
        });
        expect(refused.code).toBe(2);
        expectOneLine(
          refused,
          /FERRY_SECRET_KEY is not the key this instance's secrets are encrypted with/,
        );

        const second = await serve(['--port', '0'], { ...pg, FERRY_SECRET_KEY: result.newKey });
        started.push(second.child);
        expect(await revealedProd(second.url)).toMatchObject([
          { key: 'A', value: 'one' },
          { key: 'B', value: 'two' },
        ]);
        await stop(second);
      } finally {
        await db.close();
      }
    },
  );
});
