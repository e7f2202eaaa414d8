// Shared pieces of the end-to-end benchmark: Ferry servers as their own processes (`ferry serve`,
// the built CLI), the built `ferry` command and git run as child processes and timed by wall clock,
// a small keep-alive HTTP client of /api/trpc, a PostgreSQL database made for the run (and dropped
// after); with what every benchmark shares (common.mjs: statistics, tables, the bots' parameters).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { gitEnv } from './common.mjs';

export * from './common.mjs';

/** The built CLI (pnpm bench builds it first: turbo's `bench` depends on `build`). */
export const CLI = fileURLToPath(new URL('../../apps/cli/dist/ferry.js', import.meta.url));
export const ADMIN_TOKEN = 'ferry_bench-admin-token';
/** FERRY_SECRET_KEY for PostgreSQL servers (32 bytes, hex): every replica shares it. */
const SECRET_KEY = 'b'.repeat(64);

/** Ferry's settings of this process stay out of the children; they get their own. */
const NOT_INHERITED =
  /^(FERRY_|DATABASE_URL$|NO_COLOR$|FORCE_COLOR$|XDG_CONFIG_HOME$|XDG_CACHE_HOME$|PORT$|HOST$|NODE_EXTRA_CA_CERTS$|LOG_LEVEL$)/;

export function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!NOT_INHERITED.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export const tempRoot = () => mkdtempSync(join(tmpdir(), 'ferry-e2e-bench-'));

// ---------------------------------------------------------------------------------------------
// Child processes, timed by wall clock (spawn to exit), as a user or a pipeline runs them
// ---------------------------------------------------------------------------------------------

/** Run a program; resolves with its exit, output and wall time. Fails on a non-zero exit. */
export function run(file, args, { cwd, env, input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code !== 0)
        reject(
          new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(0, 2000)}`),
        );
      else resolve({ wallMs, stdout, stderr });
    });
    // A program that exits without reading its input (git) closes the pipe first: not an error.
    child.stdin.on('error', (e) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.stdin.end(input ?? '');
  });
}

export const GIT_ENV = gitEnv(childEnv());
export const git = (cwd, ...args) => run('git', args, { cwd, env: GIT_ENV });

// ---------------------------------------------------------------------------------------------
// Servers: `ferry serve` in its own process
// ---------------------------------------------------------------------------------------------

const children = new Set();
/** Stop every server still running (an interrupted or failed run). */
export function killChildren() {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * Start `node ferry.js serve --port 0` on the embedded database in `dataDir`, or on PostgreSQL at
 * `databaseUrl`. Its structured log (level `info`, the default) goes to a file, as a deployment's
 * would; resolves once it listens.
 */
export function startServer({ dataDir, databaseUrl, logFile, nodeArgs = [] }) {
  const env = childEnv({
    FERRY_ADMIN_TOKEN: ADMIN_TOKEN,
    FERRY_ADMIN_PASSWORD: 'bench-admin-password',
    LOG_LEVEL: 'info',
    ...(databaseUrl && { DATABASE_URL: databaseUrl, FERRY_SECRET_KEY: SECRET_KEY }),
  });
  const args = [...nodeArgs, CLI, 'serve', '--port', '0', '--json'];
  if (!databaseUrl) args.push('--data', dataDir);
  const logFd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  children.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ferry serve did not start: ${tail(logFile)}`)),
      600_000,
    );
    child.stdout.on('data', (d) => {
      out += d.toString();
      const url = /"url":\s*"(http:[^"]+)"/.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        child,
        logFile,
        /** SIGTERM (drain), then wait for the exit. */
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => {
              children.delete(child);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`ferry serve exited ${code}: ${tail(logFile)}`));
    });
  });
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The CLI's cache directory (its sync indexes) for this run, removed when the run ends. */
let cacheHome;
const cliCacheHome = () => {
  if (cacheHome) return cacheHome;
  cacheHome = mkdtempSync(join(tmpdir(), 'ferry-bench-cache-'));
  process.once('exit', () => rmSync(cacheHome, { recursive: true, force: true }));
  return cacheHome;
};

/** `ferry ARGS --url URL --token TOKEN` through the built CLI, timed. */
export const cli = (server, args, env = {}) =>
  run(process.execPath, [CLI, ...args, '--url', server.url, '--token', ADMIN_TOKEN], {
    env: childEnv({ XDG_CACHE_HOME: cliCacheHome(), ...env }),
  });

// ---------------------------------------------------------------------------------------------
// A tRPC client over keep-alive HTTP (no transformer: JSON in, JSON out)
// ---------------------------------------------------------------------------------------------

export class TrpcError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}: ${body?.error?.message ?? JSON.stringify(body).slice(0, 300)}`);
    this.status = status;
    this.ferryCode = body?.error?.data?.ferryCode;
  }
}

export function httpClient(baseUrl, { token = ADMIN_TOKEN, maxSockets = 64 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL(baseUrl);
  // A keep-alive socket the server closed while idle (its keepAliveTimeout) fails the request sent
  // on it before the server read a byte: that one is sent again on a new socket (as Node's
  // documentation of `reusedSocket` advises); any other failure is the caller's.
  const call = (method, path, input, retried = false) =>
    new Promise((resolve, reject) => {
      const body = method === 'POST' ? JSON.stringify(input ?? null) : undefined;
      const query =
        method === 'GET' && input !== undefined
          ? `?input=${encodeURIComponent(JSON.stringify(input))}`
          : '';
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path: `/api/trpc/${path}${query}`,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined && {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            }),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            let parsed;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString());
            } catch {
              parsed = { error: { message: Buffer.concat(chunks).toString().slice(0, 300) } };
            }
            if (res.statusCode === 200) resolve(parsed.result.data);
            else reject(new TrpcError(res.statusCode, parsed));
          });
          res.on('error', reject);
        },
      );
      req.on('error', (e) => {
        if (!retried && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE'))
          call(method, path, input, true).then(resolve, reject);
        else reject(e);
      });
      req.end(body);
    });
  return {
    query: (path, input) => call('GET', path, input),
    mutate: (path, input) => call('POST', path, input),
    close: () => agent.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: DATABASE_URL, or a fresh database on 127.0.0.1:5432 (dropped after)
// ---------------------------------------------------------------------------------------------

/**
 * The database to run on: DATABASE_URL when set (its content is left alone apart from what the
 * run adds), else a new `ferry_bench_…` database on the local cluster, dropped by `drop()`. Null
 * when there is no PostgreSQL to use.
 */
export async function postgresForRun() {
  if (process.env.DATABASE_URL)
    return { url: process.env.DATABASE_URL, drop: async () => {}, own: false };
  const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', {
    max: 1,
    connect_timeout: 3,
    onnotice: () => {},
  });
  try {
    await admin`select 1`;
  } catch {
    await admin.end({ timeout: 1 }).catch(() => {});
    return null;
  }
  const name = `ferry_bench_${Date.now()}_${process.pid}`;
  await admin.unsafe(`create database ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    own: true,
    drop: async () => {
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/** Row bytes over every table (sum of pg_column_size(t.*)) and the database's size. */
export const STORAGE_SQL_TABLES = `select quote_ident(table_schema) || '.' || quote_ident(table_name) as t
  from information_schema.tables
  where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`;

/** `query(text)` runs SQL and resolves with rows. */
export async function storageOf(query) {
  const tables = (await query(STORAGE_SQL_TABLES)).map((r) => r.t);
  let rowBytes = 0;
  const perTable = {};
  for (const t of tables) {
    const [row] = await query(
      `select coalesce(sum(pg_column_size(x.*)), 0)::bigint as b from ${t} x`,
    );
    perTable[t] = Number(row.b);
    rowBytes += Number(row.b);
  }
  const [size] = await query('select pg_database_size(current_database())::bigint as b');
  return { rowBytes, dbBytes: Number(size.b), perTable };
}
