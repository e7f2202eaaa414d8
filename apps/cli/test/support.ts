// Test support: a real Ferry server in this process (embedded database in a temp directory) and
// the built `ferry` binary run as a child process against it, as a user or a pipeline would.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '@ferry/api';
import pino from 'pino';

export const CLI = fileURLToPath(new URL('../dist/ferry.js', import.meta.url));
/**
 * The CB exports tests hand to `ferry` (packages/fixtures): `fixturePath(name)` is a file's path;
 * `allFixtures()` the project's exports, then the FERRY_CB_CORPUS corpus when it is set.
 */
export { allFixtures, fixture, fixturePath } from '@ferry/fixtures';
export const ADMIN_TOKEN = 'ferry_cli-test-admin-token';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `ferry-cli-${label}-`));

const NOT_INHERITED =
  /^(FERRY_|DATABASE_URL$|NO_COLOR$|FORCE_COLOR$|XDG_CONFIG_HOME$|PORT$|HOST$|NODE_EXTRA_CA_CERTS$)/;

/**
 * The environment of a child: none of the caller's Ferry settings, its own config directory. The
 * children talk plain HTTP to 127.0.0.1, so they skip NODE_EXTRA_CA_CERTS, which costs every Node
 * process a noticeable start-up time where it is set.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!NOT_INHERITED.test(k)) env[k] = v;
  env.XDG_CONFIG_HOME = extra.XDG_CONFIG_HOME ?? sharedConfigHome();
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

let configHome: string | undefined;
const sharedConfigHome = () => (configHome ??= tempDir('config'));

/** Run `node dist/ferry.js ARGS`; never rejects (the exit code is part of the result). */
export function ferry(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: childEnv(opts.env), maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

export interface TestServer {
  url: string;
  /** `ferry ARGS --url URL --token TOKEN` (the admin's token unless another is given). */
  run(
    args: string[],
    opts?: { token?: string; input?: string; env?: Record<string, string> },
  ): Promise<Run>;
  /** The same, parsing stdout as the one JSON value `--json` promises; fails on a non-zero exit. */
  json<T = unknown>(args: string[], opts?: { token?: string; input?: string }): Promise<T>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const dataDir = tempDir('data');
  const server = await startServer({
    port: 0,
    dataDir,
    adminToken: ADMIN_TOKEN,
    adminPassword: 'correct horse battery staple',
    logger: pino({ level: 'silent' }),
    announce: () => {},
  });
  const run: TestServer['run'] = (args, opts = {}) =>
    ferry([...args, '--url', server.url, '--token', opts.token ?? ADMIN_TOKEN], opts);
  return {
    url: server.url,
    run,
    async json<T>(args: string[], opts: { token?: string; input?: string } = {}) {
      const r = await run([...args, '--json'], opts);
      if (r.code !== 0)
        throw new Error(`ferry ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
      return JSON.parse(r.stdout) as T;
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A stack trace line, which no error output may contain. */
export const STACK = /^\s+at .+[:(]\d+/m;

const IDENTITY_KEYS = new Set(['chatBotId', 'chatbotId', 'botId']);

/** A CB export without its per-automation identity (bot id and name, and the bot id in entities). */
export function withoutIdentity(doc: Record<string, unknown>): Record<string, unknown> {
  const bot = doc.bot as Record<string, unknown>;
  const botId = bot.id;
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => !(IDENTITY_KEYS.has(k) && v === botId))
        .map(([k, v]) => [k, strip(v)]),
    );
  };
  const { id: _id, name: _name, ...settings } = bot;
  return { ...(strip(doc) as Record<string, unknown>), bot: strip(settings) };
}
