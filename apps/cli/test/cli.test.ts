// The built `ferry` binary against a real server: the --json shapes scripts rely on, every exit
// code with one clear sentence (never a stack), bad files, the saved login, stdin, CSV and completion.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version as cliVersion } from '../package.json';
import {
  ADMIN_TOKEN,
  fixturePath,
  STACK,
  ferry,
  startTestServer,
  tempDir,
  type Run,
  type TestServer,
} from './support.js';

/** The start of an ANSI colour or cursor sequence. */
const ESC = '\u001b[';

const FIXTURE = fixturePath('order-tracker.json');

interface JsonError {
  error: {
    code: string;
    exitCode: number;
    message: string;
    path?: string;
    details?: Record<string, unknown>;
  };
}

/** A failure as the issue promises it: the exit code, one sentence on stderr, no stack, empty stdout. */
function expectFailure(r: Run, exitCode: number, message?: RegExp) {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: exitCode });
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: \S/);
  if (message) expect(r.stderr).toMatch(message);
}

function jsonError(r: Run): JsonError['error'] {
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(STACK);
  return (JSON.parse(r.stderr) as JsonError).error;
}

describe('ferry', () => {
  let server: TestServer;
  let dir: string;
  let devId: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = tempDir('cli');
    devId = (
      await server.json<{ id: string }>(['automation', 'import', FIXTURE, '--name', 'Shapes Dev'])
    ).id;
    await server.json(['automation', 'create', 'Shapes Prod']);
    await server.json(['version', 'save', 'Shapes Dev', '--name', 'first']);
    await server.json(['env', 'create', 'Shapes env']);
    await server.json(['agent', 'add', 'Shapes Prod', 'shapes-agent']);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('--version and --help', () => {
    it('prints the CLI version, while release create takes its own --version', async () => {
      const r = await ferry(['--version'], { process: true });
      expect(r).toMatchObject({ code: 0, stdout: `${cliVersion}\n` });
      const created = await server.json<{ version: string }>([
        'release',
        'create',
        'Shapes Dev',
        '--to',
        'Shapes Prod',
        '--version',
        '0.1.0',
        '--description',
        'shapes',
      ]);
      expect(created.version).toBe('0.1.0');
    });

    it('describes commands and options with an example', async () => {
      const top = await ferry(['--help']);
      expect(top.code).toBe(0);
      for (const noun of [
        'automation',
        'version',
        'diff',
        'release',
        'env',
        'agent',
        'user',
        'audit',
        'verify',
        'gc',
        'serve',
        'completion',
      ])
        expect(top.stdout).toMatch(new RegExp(`^  ${noun}\\b`, 'm'));
      const create = await ferry(['release', 'create', '--help']);
      expect(create.code).toBe(0);
      expect(create.stdout).toMatch(/--version <number>/);
      expect(create.stdout).toMatch(/--from-version <version>/);
      expect(create.stdout).toMatch(/Examples?:\n {2}\$ ferry release create/);
    });
  });

  describe('--json shapes', () => {
    it('lists are arrays of objects with id and name (versions also number)', async () => {
      const lists: [string[], string[]][] = [
        [
          ['automation', 'list'],
          ['id', 'name', 'revision'],
        ],
        [
          ['bot', 'list'],
          ['id', 'name'],
        ],
        [
          ['version', 'list', 'Shapes Dev'],
          ['id', 'name', 'number'],
        ],
        [
          ['env', 'list'],
          ['id', 'name'],
        ],
        [
          ['agent', 'list', 'Shapes Prod'],
          ['id', 'name'],
        ],
        [
          ['user', 'list'],
          ['id', 'name'],
        ],
        [
          ['token', 'list'],
          ['id', 'name'],
        ],
        [
          ['release', 'list'],
          ['id', 'version'],
        ],
      ];
      await Promise.all(
        lists.map(async ([args, keys]) => {
          const list = await server.json<Record<string, unknown>[]>(args);
          expect(Array.isArray(list), args.join(' ')).toBe(true);
          expect(list.length, args.join(' ')).toBeGreaterThan(0);
          for (const item of list)
            for (const key of keys) expect(item, args.join(' ')).toHaveProperty(key);
        }),
      );
    });

    it('automation show has id, name and revision at the top level', async () => {
      const shown = await server.json<Record<string, unknown>>(['automation', 'show', devId]);
      expect(shown).toMatchObject({ id: devId, name: 'Shapes Dev', revision: expect.any(Number) });
    });

    it('version save answers the new version, metadata only', async () => {
      const saved = await server.json<Record<string, unknown>>([
        'version',
        'save',
        'Shapes Dev',
        '--name',
        'shaped',
        '--description',
        'for the shape test',
      ]);
      expect(saved).toMatchObject({
        id: expect.any(String),
        number: expect.any(Number),
        name: 'shaped',
        description: 'for the shape test',
      });
      expect(JSON.stringify(saved)).not.toMatch(/conversationMessage|groups/);
    });

    it('diff and release show have summary counts and the list of changes', async () => {
      const diff = await server.json<{ summary: Record<string, unknown>; changes: unknown[] }>([
        'diff',
        'Shapes Dev',
        '1',
        '2',
      ]);
      expect(diff.summary).toMatchObject({
        added: 0,
        removed: 0,
        changed: 0,
        text: expect.any(String),
      });
      expect(diff.changes).toEqual([]);
      const shown = await server.json<{
        summary: Record<string, number>;
        changes: unknown[];
        target: { revision: number };
      }>(['release', 'show', '--target', 'Shapes Prod']);
      expect(shown.summary).toMatchObject({
        added: expect.any(Number),
        removed: 0,
        changed: expect.any(Number),
      });
      expect(shown.summary.added).toBeGreaterThan(0);
      expect(shown.changes.length).toBeGreaterThan(0);
      expect(shown.target.revision).toEqual(expect.any(Number));
    });

    it('user create and token create print the new token once under token, and it works', async () => {
      const user = await server.json<{ name: string; role: string; token: string }>([
        'user',
        'create',
        'shape-viewer',
        '--role',
        'viewer',
      ]);
      expect(user).toMatchObject({
        name: 'shape-viewer',
        role: 'viewer',
        token: expect.stringMatching(/\S{20,}/),
      });
      const token = await server.json<{ token: string; user: { name: string } }>([
        'user',
        'token',
        'create',
        '--user',
        'shape-viewer',
      ]);
      expect(token).toMatchObject({ token: expect.any(String), user: { name: 'shape-viewer' } });
      const me = await server.json<{ name: string; role: string }>(['whoami'], {
        token: token.token,
      });
      expect(me).toMatchObject({ name: 'shape-viewer', role: 'viewer' });
      const plain = await server.run(['token', 'create', '--user', 'shape-viewer']);
      expect(plain.stdout.trim()).toMatch(/^\S{20,}$/); // the token alone on stdout: easy to capture
    });
  });

  describe('exit codes', () => {
    it("2: usage errors, commander's included", async () => {
      const cases: [string[], RegExp][] = [
        [[], /name a command/i],
        [['frobnicate'], /unknown command 'frobnicate'/i],
        [['automation', 'show'], /missing required argument 'automation'/i],
        [['automation', 'list', '--frobnicate'], /unknown option '--frobnicate'/i],
        [['audit', '--limit', 'many'], /--limit/],
        [['release', 'create', 'Shapes Dev', '--version', '1.0.0'], /--to/],
        [['release', 'list', '--role', 'bogus'], /bogus/],
        [['completion', 'powershell'], /powershell/],
        [['automation', 'list', '--url', 'ftp://example.com'], /http/],
      ];
      await Promise.all(
        cases.map(async ([args, message]) => {
          const r = await ferry(args, { env: { FERRY_URL: server.url, FERRY_TOKEN: ADMIN_TOKEN } });
          expect(r.code, args.join(' ')).toBe(2);
          expect(r.stderr, args.join(' ')).toMatch(message);
          expect(r.stderr).not.toMatch(STACK);
          expect(r.stderr).toMatch(/^error: /m);
        }),
      );
    });

    it('2: bad files are refused before anything is sent, naming the file and the reason', async () => {
      const good = readFileSync(FIXTURE, 'utf8');
      const files = {
        'not-json.json': 'this is not JSON',
        'truncated.json': good.slice(0, Math.floor(good.length / 2)),
        'wrong-shape.json': JSON.stringify({ hello: 'world' }),
        'array.json': '[]',
      };
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const huge = join(dir, 'huge.json');
      writeFileSync(huge, '{');
      truncateSync(huge, 51 * 1024 * 1024); // sparse: refused by its size, never read
      const before = (await server.json<unknown[]>(['automation', 'list'])).length;
      const cases: [string, RegExp][] = [
        ['not-json.json', /not-json\.json is not valid JSON: /],
        ['truncated.json', /truncated\.json is not valid JSON: /],
        ['wrong-shape.json', /wrong-shape\.json is not a CB export: it has no “bot” section\./],
        [
          'array.json',
          /array\.json is not a CB export: it holds a JSON value that is not an object\./,
        ],
        ['huge.json', /huge\.json is 51\.0 MB, larger than the limit of 50\.0 MB/],
        ['missing.json', /Cannot read .*missing\.json: no such file/],
      ];
      await Promise.all(
        cases.map(async ([name, message]) => {
          const r = await server.run(['automation', 'import', join(dir, name)]);
          expectFailure(r, 2, message);
        }),
      );
      const intoTruncated = await server.run([
        'automation',
        'import',
        join(dir, 'truncated.json'),
        '--into',
        'Shapes Dev',
        '--json',
      ]);
      expect(intoTruncated.code).toBe(2);
      expect(jsonError(intoTruncated)).toMatchObject({ code: 'VALIDATION', exitCode: 2 });
      expect((await server.json<unknown[]>(['automation', 'list'])).length).toBe(before);
    });

    it('2: a command that needs confirmation refuses without --yes when not on a terminal', async () => {
      for (const args of [
        ['automation', 'delete', 'Shapes Prod'],
        ['version', 'delete', 'Shapes Dev', '1'],
        ['version', 'restore', 'Shapes Dev', '1'],
        ['env', 'delete', 'Shapes env'],
        ['release', 'rollback', 'Shapes Prod'],
      ])
        expectFailure(await server.run(args), 2, /needs --yes/);
      expect(
        (await server.json<{ name: string }>(['automation', 'show', 'Shapes Prod'])).name,
      ).toBe('Shapes Prod');
    });

    it('2: input the server refuses, with the field', async () => {
      const r = await server.run([
        'release',
        'create',
        'Shapes Dev',
        '--to',
        'Shapes Prod',
        '--version',
        'not-a-number',
        '--json',
      ]);
      expect(r.code).toBe(2);
      expect(jsonError(r)).toMatchObject({ code: 'VALIDATION', exitCode: 2 });
      expectFailure(
        await server.run(['env', 'set', 'Shapes env', 'NO_EQUALS_SIGN']),
        2,
        /KEY=VALUE/,
      );
    });

    it('3: what does not exist', async () => {
      const cases = [
        ['automation', 'show', 'No such bot'],
        ['version', 'show', 'Shapes Dev', '99'],
        ['env', 'show', 'No such env'],
        ['release', 'show', '00000000-0000-0000-0000-000000000000'],
        ['automation', 'export', 'No such bot'],
      ];
      await Promise.all(cases.map(async (args) => expectFailure(await server.run(args), 3)));
      const r = await server.run(['automation', 'show', 'No such bot', '--json']);
      expect(jsonError(r)).toMatchObject({ code: 'NOT_FOUND', exitCode: 3, path: 'automation' });
    });

    it('4: a stale --if-revision changes nothing, and a duplicate name is refused', async () => {
      const { revision } = await server.json<{ revision: number }>([
        'automation',
        'show',
        'Shapes Dev',
      ]);
      const stale = await server.run([
        'automation',
        'rename',
        'Shapes Dev',
        'Renamed',
        '--if-revision',
        String(revision + 1),
      ]);
      expectFailure(stale, 4, /revision/);
      expect(
        await server.json<{ name: string; revision: number }>(['automation', 'show', devId]),
      ).toMatchObject({ name: 'Shapes Dev', revision });
      expectFailure(await server.run(['automation', 'create', 'Shapes Dev']), 4, /already exists/);
    });

    it('5: no token, a wrong token, or a role that may not', async () => {
      const none = await ferry(['automation', 'list', '--url', server.url], {
        env: { XDG_CONFIG_HOME: tempDir('empty-config') },
      });
      expectFailure(none, 5, /No API token/);
      expectFailure(
        await server.run(['automation', 'list'], { token: 'ferry_wrong' }),
        5,
        /did not accept the API token/,
      );
      const viewer = await server.json<{ token: string }>([
        'user',
        'create',
        'exit-viewer',
        '--role',
        'viewer',
      ]);
      const forbidden = await server.run(['automation', 'create', 'Not allowed', '--json'], {
        token: viewer.token,
      });
      expect(forbidden.code).toBe(5);
      expect(jsonError(forbidden)).toMatchObject({ code: 'FORBIDDEN', exitCode: 5 });
    });

    it('6: a precondition that does not hold', async () => {
      expectFailure(
        await server.run(['release', 'rollback', 'Shapes Dev', '--yes']),
        6,
        /no upgrade to roll back/,
      );
      expectFailure(
        await server.run(['release', 'promote', 'Shapes Dev', '--to', 'Shapes Prod']),
        6,
        /has not accepted a release/,
      );
    });

    it('7: no server answers', async () => {
      const r = await ferry(['automation', 'list', '--url', 'http://127.0.0.1:9', '--token', 'x']);
      expectFailure(r, 7, /Cannot reach the Ferry server at http:\/\/127\.0\.0\.1:9/);
      // The built binary's own exit code, as a pipeline sees it.
      const j = await ferry(
        ['automation', 'list', '--url', 'http://127.0.0.1:9', '--token', 'x', '--json'],
        { process: true },
      );
      expect(j.code).toBe(7);
      expect(jsonError(j)).toMatchObject({ code: 'UNREACHABLE', exitCode: 7 });
    });

    it('1: an unexpected server error, with its request id', async () => {
      const fake: Server = createServer((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              message: 'Internal error (request r-42).',
              code: -32603,
              data: {
                code: 'INTERNAL_SERVER_ERROR',
                httpStatus: 500,
                ferryCode: 'INTERNAL',
                requestId: 'r-42',
              },
            },
          }),
        );
      });
      await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
        expectFailure(
          await ferry(['automation', 'list', '--url', url, '--token', 'x']),
          1,
          /request r-42/,
        );
      } finally {
        fake.close();
      }
    });
  });

  it('saves the login (mode 0600) and uses it below FERRY_URL and flags', async () => {
    const home = tempDir('login');
    const login = await ferry(['login', '--url', `${server.url}/`, '--token', ADMIN_TOKEN], {
      env: { XDG_CONFIG_HOME: home },
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/signed in as "admin"/);
    const file = join(home, 'ferry', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: server.url, token: ADMIN_TOKEN });
    const env = { XDG_CONFIG_HOME: home };
    expect((await ferry(['whoami', '--json'], { env })).code).toBe(0);
    // The environment comes before the saved login, and flags before both.
    const viaEnv = await ferry(['whoami'], { env: { ...env, FERRY_URL: 'http://127.0.0.1:9' } });
    expect(viaEnv.code).toBe(7);
    const viaFlag = await ferry(['whoami', '--url', server.url], {
      env: { ...env, FERRY_URL: 'http://127.0.0.1:9' },
    });
    expect(viaFlag.code).toBe(0);
    expect((await ferry(['logout'], { env })).code).toBe(0);
    expectFailure(await ferry(['whoami'], { env }), 2, /No Ferry server given/);
    // A bad token is not saved.
    expectFailure(
      await ferry(['login', '--url', server.url, '--token', 'ferry_wrong'], { env }),
      5,
    );
  });

  it('imports from standard input and prints the new id alone on stdout', async () => {
    const r = await server.run(['automation', 'import', '-', '--name', 'From stdin'], {
      input: readFileSync(FIXTURE, 'utf8'),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(r.stderr).toMatch(/Imported standard input as "From stdin"/);
    expect(r.stdout + r.stderr).not.toContain(ESC); // no colour, no progress: not a terminal
  });

  it('policy set --keep-automatic takes a number and "all" (keep every automatic version)', async () => {
    expect(
      await server.json<{ keepAutomaticVersions: number | null }>([
        'policy',
        'set',
        '--keep-automatic',
        '7',
      ]),
    ).toMatchObject({ keepAutomaticVersions: 7 });
    const all = await server.run(['policy', 'set', '--keep-automatic', 'all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/automatic versions kept: all/);
    expect(
      await server.json<{ keepAutomaticVersions: number | null }>(['policy', 'show']),
    ).toMatchObject({ keepAutomaticVersions: null });
  });

  it('release show says who rejected a release, when and why (not only with --json)', async () => {
    await server.run(['automation', 'import', '-', '--name', 'Reject Dev'], {
      input: readFileSync(FIXTURE, 'utf8'),
    });
    await server.json(['automation', 'create', 'Reject Prod']);
    await server.json([
      'release',
      'create',
      'Reject Dev',
      '--to',
      'Reject Prod',
      '--version',
      '1.0.0',
    ]);
    const rejected = await server.run([
      'release',
      'reject',
      'Reject Prod',
      '--reason',
      'Wrong greeting',
    ]);
    expect(rejected.code).toBe(0);
    const shown = await server.run(['release', 'show', '1.0.0', '--target', 'Reject Prod']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Rejected by \S+ .*: Wrong greeting\./);
  });

  it('exports an import text-exact and keeps an orphan interaction with a warning', async () => {
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    doc.conversationMessage.push({ ...doc.conversationMessage[0], id: 'orphan-1', group: 'gone' });
    const text =
      JSON.stringify(doc, null, 2)
        .replace('"sessionLength": 0', '"sessionLength": 0.0')
        .replace(/"creationTime": (\d+)/, '"creationTime": 1e3') + '\n';
    expect(text).toContain('0.0');
    const r = await server.run(['automation', 'import', '-', '--name', 'Lexemes'], {
      input: text,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: Interaction "orphan-1" points at dialog "gone"/);
    const id = r.stdout.trim();
    const back = await server.run(['automation', 'export', 'Lexemes']);
    expect(back.code).toBe(0);
    // Only the identity differs: the new automation's id and name.
    expect(back.stdout).toBe(
      text.replaceAll(doc.bot.id, id).replace('"name": "orderTracker"', '"name": "Lexemes"'),
    );
  });

  it('sets, imports and exports environment variables, masking secrets', async () => {
    await server.json([
      'env',
      'set',
      'Shapes env',
      'GREETING=Hello, world',
      'EMPTY=',
      'EQUALS=a=b',
    ]);
    await server.json(['env', 'set', 'Shapes env', 'API_KEY=s3cr3t', '--secret']);
    const csv = join(dir, 'vars.csv');
    writeFileSync(csv, 'key,value,secret\nFROM_CSV,yes,false\n');
    await server.json(['env', 'import', 'Shapes env', csv]);
    const shown = await server.json<{
      variables: { key: string; value: string; secret: boolean }[];
    }>(['env', 'show', 'Shapes env']);
    expect(Object.fromEntries(shown.variables.map((v) => [v.key, v.value]))).toMatchObject({
      GREETING: 'Hello, world',
      EMPTY: '',
      EQUALS: 'a=b',
      FROM_CSV: 'yes',
    });
    expect(shown.variables.find((v) => v.key === 'API_KEY')).toMatchObject({ secret: true });
    expect(JSON.stringify(shown)).not.toContain('s3cr3t');
    const exported = await server.run(['env', 'export', 'Shapes env']);
    expect(exported.stdout).toMatch(/^key,value,secret\n/);
    expect(exported.stdout).toContain('FROM_CSV,yes,false');
    expect(exported.stdout).not.toContain('s3cr3t');
    await server.json(['env', 'unset', 'Shapes env', 'FROM_CSV']);
    expectFailure(await server.run(['env', 'unset', 'Shapes env', 'FROM_CSV']), 3);
  });

  it('reads the audit trail, verifies and collects garbage', async () => {
    const audit = await server.json<{ action: string }[]>(['audit', 'Shapes Dev', '--limit', '3']);
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.length).toBeLessThanOrEqual(3);
    expect(await server.json(['verify'])).toMatchObject({ ok: true });
    expect(await server.json(['gc'])).toMatchObject({
      removed: expect.any(Number),
      kept: expect.any(Number),
    });
    const human = await server.run(['automation', 'list']);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+REV/);
  });

  it('prints completion scripts for bash and zsh', async () => {
    const bash = await ferry(['completion', 'bash']);
    expect(bash.code).toBe(0);
    const complete = (words: string[]) =>
      execFileSync('bash', [
        '-c',
        `${bash.stdout}\nCOMP_WORDS=(${words.map((w) => `"${w}"`).join(' ')}); COMP_CWORD=${words.length - 1}; _ferry; echo "\${COMPREPLY[*]}"`,
      ]).toString();
    expect(complete(['ferry', ''])).toMatch(/\bautomation\b.*\brelease\b/);
    expect(complete(['ferry', 'bot', ''])).toMatch(/\bimport\b/);
    expect(complete(['ferry', 'release', 'create', 'Dev', '--v'])).toMatch(/--version/);
    const zsh = await ferry(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef ferry/);
    expect(zsh.stdout).toContain("'release:create, preview, upgrade");
  });

  it('writes files where asked and refuses folders that do not exist', async () => {
    const out = join(dir, 'exports');
    mkdirSync(out);
    const ok = await server.json<{ file: string; bytes: number }>([
      'automation',
      'export',
      'Shapes Dev',
      '--out',
      join(out, 'dev.json'),
    ]);
    expect(ok.bytes).toBeGreaterThan(1000);
    expectFailure(
      await server.run([
        'automation',
        'export',
        'Shapes Dev',
        '--out',
        join(out, 'nope', 'dev.json'),
      ]),
      2,
      /Cannot write/,
    );
  });
});
