// How `ferry` talks to a server, as a script sees it: a hung server fails the call after --timeout
// (exit 7), FERRY_DEBUG shows each call, FORCE_COLOR and NO_COLOR decide colour on a pipe.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, STACK, ferry, startTestServer, type TestServer } from './support.js';

/** The start of an ANSI colour sequence. */
const ESC = '\u001b[';

describe('a server that accepts the connection and never answers', () => {
  let hung: Server;
  let url: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    hung = createServer((socket) => sockets.push(socket)); // reads nothing, writes nothing
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => hung.close(resolve));
  });

  const list = (args: string[], env: Record<string, string> = {}) =>
    ferry(['automation', 'list', '--url', url, '--token', 'ferry_x', ...args], { env });

  it('fails the call after --timeout with exit 7, naming the timeout', async () => {
    const before = sockets.length;
    const r = await list(['--timeout', '1']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr.trim()).toBe(
      `error: The Ferry server at ${url} did not answer within 1 s (the timeout: --timeout or FERRY_TIMEOUT).`,
    );
    expect(sockets.length).toBeGreaterThan(before); // it did connect: the server, not the network, hung
  });

  it('takes the timeout from FERRY_TIMEOUT, and says so under --json', async () => {
    const r = await list(['--json'], { FERRY_TIMEOUT: '0.5' });
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stderr)).toEqual({
      error: {
        exitCode: 7,
        code: 'UNREACHABLE',
        message: expect.stringContaining('did not answer within 0.5 s'),
        details: { reason: 'timeout', timeoutSeconds: 0.5 },
      },
    });
  });

  it('prints the timed-out call under FERRY_DEBUG', async () => {
    const r = await list(['--timeout', '1'], { FERRY_DEBUG: '1' });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(
      /^ferry: GET \/api\/trpc\/automations\.list failed after \d+ ms \(No answer within 1 s\.\)$/m,
    );
  });

  it.each([
    [['--timeout', '0'], {}, /--timeout.*Must be a positive number of seconds/],
    [['--timeout', 'soon'], {}, /--timeout.*Must be a positive number of seconds/],
    [
      [],
      { FERRY_TIMEOUT: 'forever' },
      /FERRY_TIMEOUT must be a positive number of seconds, not "forever"/,
    ],
  ])(
    'refuses a timeout that is no positive number of seconds: %j %j',
    async (args, env, message) => {
      const r = await list(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    },
  );
});

describe('calls to a working server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.json(['automation', 'create', 'Colourful']);
  });
  afterAll(() => server.close());

  it('FERRY_DEBUG=1 prints method, path, status, duration and request id per call, never the token', async () => {
    const plain = await server.run(['automation', 'list']);
    const debug = await server.run(['automation', 'list'], { env: { FERRY_DEBUG: '1' } });
    expect(debug.code).toBe(0);
    expect(debug.stdout).toBe(plain.stdout);
    expect(debug.stderr).toMatch(
      /^ferry: GET \/api\/trpc\/automations\.list 200 \d+ ms request [0-9a-f]{8}-[0-9a-f-]{27}$/m,
    );
    expect(debug.stderr).not.toContain(ADMIN_TOKEN);
    expect(plain.stderr).not.toMatch(/^ferry: /m);
  });

  it('FERRY_DEBUG names the failed call too, with its status and request id', async () => {
    const r = await server.run(['automation', 'show', 'No such automation'], {
      env: { FERRY_DEBUG: 'true' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ferry: GET \/api\/trpc\/automations\.show 404 \d+ ms request \S+$/m);
  });

  it('colours a pipe under FORCE_COLOR, not under NO_COLOR (which wins), and not by default', async () => {
    const forced = await server.run(['automation', 'list'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(ESC);
    const failed = await server.run(['automation', 'show', 'Nope'], { env: { FORCE_COLOR: '1' } });
    expect(failed.stderr).toContain(`${ESC}31merror:`);
    const plain: Record<string, string>[] = [
      {},
      { FORCE_COLOR: '1', NO_COLOR: '1' },
      { FORCE_COLOR: '0' },
    ];
    for (const env of plain) {
      const r = await server.run(['automation', 'list'], { env });
      expect(r.stdout).toContain('Colourful');
      expect(r.stdout + r.stderr).not.toContain(ESC);
    }
  });
});
