// `ferry serve` as a user runs it: its own process on a data directory, printing the URL it
// listens on; killed hard (SIGKILL) and started again on the same data, which is intact; stopped
// cleanly by SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, STACK, childEnv, ferry, fixturePath, tempDir } from './support.js';

const TOKEN = 'ferry_serve-test-token';
const WEB_BUILD = fileURLToPath(new URL('../../web/build/handler.js', import.meta.url));

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

/** Start `ferry serve`, resolving with the URL it prints once it listens. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: childEnv({ FERRY_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ferry serve did not start:\n${out}\n${err}`)),
      90_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url =
        /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? /"url":\s*"(http:[^"]+)"/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, stdout: () => out, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ferry serve exited ${code}:\n${out}\n${err}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve({ code: child.exitCode, signal: child.signalCode })
      : child.once('exit', (code, signal) => resolve({ code, signal })),
  );

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
});
