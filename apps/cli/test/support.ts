// Test support: a real Ferry server in this process (embedded database in a temp directory) and
// the built `ferry` binary run as a child process against it, as a user or a pipeline would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type ServerOptions } from '@ferry/api';
import { seedMigratedDataDir } from '@ferry/db/testing';
import pino from 'pino';
import { must } from '@ferry/core';

export const CLI = fileURLToPath(new URL('../dist/ferry.js', import.meta.url));
/**
 * The CB exports tests hand to `ferry` (packages/fixtures): `fixturePath(name)` is a file's path;
 * `allFixtures()` the project's exports, then the FERRY_CB_CORPUS corpus when it is set.
 */
export { allFixtures, fixture, fixturePath } from '@ferry/fixtures';
export const ADMIN_TOKEN = 'ferry_cli-test-admin-token';
/** The admin token of servers started with serve(). */
export const SERVE_TOKEN = 'ferry_serve-test-token';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `ferry-cli-${label}-`));

const NOT_INHERITED =
  /^(FERRY_|DATABASE_URL$|NO_COLOR$|FORCE_COLOR$|XDG_CONFIG_HOME$|XDG_CACHE_HOME$|PORT$|HOST$|NODE_EXTRA_CA_CERTS$)/;

/**
 * The environment of a child: none of the caller's Ferry settings, its own config and cache
 * directories (the cache holds `import --into`'s sync indexes). The
 * children talk plain HTTP to 127.0.0.1, so they skip NODE_EXTRA_CA_CERTS, which costs every Node
 * process a noticeable start-up time where it is set.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!NOT_INHERITED.test(k)) env[k] = v;
  env.XDG_CONFIG_HOME = extra.XDG_CONFIG_HOME ?? sharedConfigHome();
  env.XDG_CACHE_HOME = extra.XDG_CACHE_HOME ?? sharedCacheHome();
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

let configHome: string | undefined;
const sharedConfigHome = () => (configHome ??= tempDir('config'));
let cacheHome: string | undefined;
const sharedCacheHome = () => (cacheHome ??= tempDir('cache'));

/** How a test runs `ferry`: in this process (the default) or as the built binary in its own. */
export interface FerryOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  /**
   * Spawn `node dist/ferry.js` instead of running the command in this process. For what only a
   * process shows: `--version` (answered before the command tree loads), start-up, exit codes of
   * the real binary, signals, and commands that hold files for the life of a process.
   */
  process?: boolean;
}

/**
 * `ferry ARGS`; never rejects (the exit code is part of the result). By default the command runs
 * in this process, through the same run() the binary's entry point calls, with its own streams and
 * an environment built as a child's would be: a spawned Node process per command costs about
 * 0.15 CPU-seconds, and the tests run hundreds. `{ process: true }` spawns the built binary.
 */
export function ferry(args: string[], opts: FerryOptions = {}): Promise<Run> {
  return opts.process === true ? ferryProcess(args, opts) : ferryInProcess(args, opts);
}

let version: string | undefined;

async function ferryInProcess(args: string[], opts: FerryOptions): Promise<Run> {
  const [{ run }, { readEnv }] = await Promise.all([
    import('../src/run.js'),
    import('../src/lib/env.js'),
  ]);
  version ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  const stdout = collector();
  const stderr = collector();
  const stdin = Readable.from(opts.input === undefined || opts.input === '' ? [] : [opts.input]);
  try {
    const code = await run(args, {
      env: readEnv(childEnv(opts.env)),
      io: { stdout, stderr, stdin },
      version,
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } catch (e) {
    // run() maps every failure to an exit code; one escaping it is a bug the test should show.
    return { code: -1, stdout: stdout.text(), stderr: `${stderr.text()}${String(e)}\n` };
  }
}

/** A stream that keeps what is written to it (text or bytes), as a child's captured output. */
function collector() {
  const chunks: Buffer[] = [];
  return {
    write(chunk: string | Uint8Array) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
      return true;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

function ferryProcess(args: string[], opts: FerryOptions): Promise<Run> {
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
    opts?: { token?: string; input?: string; env?: Record<string, string>; process?: boolean },
  ): Promise<Run>;
  /** The same, parsing stdout as the one JSON value `--json` promises; fails on a non-zero exit. */
  json<T = unknown>(
    args: string[],
    opts?: { token?: string; input?: string; env?: Record<string, string> },
  ): Promise<T>;
  close(): Promise<void>;
}

/** `options`: more settings for the server (e.g. webhookAllowPrivate for a receiver on 127.0.0.1). */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  // Its data directory holds initdb's cluster, migrated, already (several CPU-seconds saved).
  // `ferry serve` on a new directory is serve.test.ts's subject.
  const dataDir = await seedMigratedDataDir(tempDir('data'));
  const server = await startServer({
    port: 0,
    dataDir,
    adminToken: ADMIN_TOKEN,
    adminPassword: 'correct horse battery staple',
    logger: pino({ level: 'silent' }),
    announce: () => {},
    ...options,
  });
  const run: TestServer['run'] = (args, opts = {}) =>
    ferry([...args, '--url', server.url, '--token', opts.token ?? ADMIN_TOKEN], opts);
  return {
    url: server.url,
    run,
    async json<T>(
      args: string[],
      opts: { token?: string; input?: string; env?: Record<string, string> } = {},
    ) {
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

export interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

/**
 * Start `ferry serve` as its own process (admin token SERVE_TOKEN), resolving with the URL it prints
 * once it listens.
 */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: childEnv({ FERRY_ADMIN_TOKEN: SERVE_TOKEN, LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  must(child.stderr, 'child.stderr').on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ferry serve did not start:\n${out}\n${err}`)),
      90_000,
    );
    must(child.stdout, 'child.stdout').on('data', (d: Buffer) => {
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

/** How a child process ended (at once if it already has). */
export const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve({ code: child.exitCode, signal: child.signalCode })
      : child.once('exit', (code, signal) => resolve({ code, signal })),
  );

/** Poll `check` until it holds, for at most `ms` (the test fails otherwise). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
