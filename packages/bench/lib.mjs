// Shared pieces of the end-to-end benchmark: Ferry servers as their own processes (`ferry serve`,
// the built CLI), the built `ferry` command and git run as child processes and timed by wall clock,
// a small keep-alive HTTP client of /api/trpc, a PostgreSQL database made for the run (and dropped
// after); with what every benchmark shares (common.mjs: statistics, tables, the bots' parameters).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { gitEnv } from './common.mjs';

export * from './common.mjs';

/** The built CLI (pnpm bench builds it first: turbo's `bench` depends on `build`). */
// FERRY_BENCH_CLI: another build of it (a before/after comparison in one run).
export const CLI =
  process.env.FERRY_BENCH_CLI ??
  fileURLToPath(new URL('../../apps/cli/dist/ferry.js', import.meta.url));
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
// A tRPC client over keep-alive HTTP (no transformer: JSON in, JSON out; gzip as fetch accepts)
// ---------------------------------------------------------------------------------------------

export class TrpcError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}: ${body?.error?.message ?? JSON.stringify(body).slice(0, 300)}`);
    this.status = status;
    this.ferryCode = body?.error?.data?.ferryCode;
  }
}

/** A response body as sent, decoded. */
const decoded = (encoding, body) =>
  encoding === 'gzip'
    ? gunzipSync(body)
    : encoding === 'deflate'
      ? inflateSync(body)
      : encoding === 'br'
        ? brotliDecompressSync(body)
        : body;

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
            // What Node's fetch (the CLI's tRPC client) sends.
            'accept-encoding': 'gzip, deflate',
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
            let text = '';
            try {
              text = decoded(res.headers['content-encoding'], Buffer.concat(chunks)).toString();
              parsed = JSON.parse(text);
            } catch {
              parsed = { error: { message: text.slice(0, 300) } };
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

// ---------------------------------------------------------------------------------------------
// What a request costs outside the client: CPU time of processes, the database's wire traffic
// ---------------------------------------------------------------------------------------------

/** CPU time (user + system) that process `pid` has used so far, ms (Linux /proc; 0 elsewhere). */
export function processCpuMs(pid) {
  const { user, system } = processCpu(pid);
  return user + system;
}

/** CPU time of process `pid` so far, in user space and in the kernel, ms (Linux /proc; 0 elsewhere). */
export function processCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** CPU time of this process so far (the load generator), ms. */
export function ownCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU time so far of the PostgreSQL backends connected to the database of `client` (a postgres-js
 * client), ms, ignoring `client`'s own backend. Backends that ended since are not counted: measure
 * while the server's pool is warm (its connections stay open).
 */
export async function databaseCpuMs(client) {
  const rows = await client`select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()`;
  let sum = 0;
  for (const r of rows) sum += processCpuMs(r.pid);
  return sum;
}

/**
 * A TCP relay on loopback in front of the PostgreSQL of `databaseUrl` that counts what the client
 * sends (`sends`: the writes that reach it, about the times the client waited for an answer, as
 * pipelined statements go out together) and the protocol's messages: `roundTrips` (ReadyForQuery:
 * the end of each simple query or Sync, one per statement when they are pipelined), `statements` (Execute and simple Query messages) and `parses` (Parse:
 * a statement the driver had not prepared on that connection); `snapshot()` adds the statements
 * run by their text (`byText`). For counting, not for timing.
 */
export async function wireCounter(databaseUrl) {
  const target = new URL(databaseUrl);
  const counts = { sends: 0, roundTrips: 0, statements: 0, parses: 0, bytesIn: 0, bytesOut: 0 };
  /** Statements run, by their SQL text's first 100 characters. */
  const byText = new Map();
  const sockets = new Set();
  // Frames of one direction: a type byte and a length (the client's first message, start-up or
  // SSL request, has no type byte).
  const framer = (typed, onMessage) => {
    let buffer = Buffer.alloc(0);
    let first = !typed;
    return (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (first) {
          if (buffer.length < 4) return;
          const len = buffer.readInt32BE(0);
          if (buffer.length < len) return;
          buffer = buffer.subarray(len);
          first = false;
          continue;
        }
        if (buffer.length < 5) return;
        const len = buffer.readInt32BE(1);
        if (buffer.length < len + 1) return;
        onMessage(String.fromCharCode(buffer[0]), buffer.subarray(5, len + 1));
        buffer = buffer.subarray(len + 1);
      }
    };
  };
  const server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    // Each connection's prepared statements by name (the unnamed one is ''), and the one bound.
    const prepared = new Map();
    let bound = '';
    const cstrings = (body, n) => {
      const out = [];
      let at = 0;
      for (let i = 0; i < n; i++) {
        const end = body.indexOf(0, at);
        out.push(body.toString('utf8', at, end));
        at = end + 1;
      }
      return out;
    };
    const ran = (text) => {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 100);
      byText.set(key, (byText.get(key) ?? 0) + 1);
    };
    const fromClient = framer(false, (type, body) => {
      if (type === 'E' || type === 'Q') counts.statements++;
      if (type === 'P') {
        counts.parses++;
        const [name, text] = cstrings(body, 2);
        prepared.set(name, text);
      }
      if (type === 'B') bound = prepared.get(cstrings(body, 2)[1]) ?? '?';
      if (type === 'E') ran(bound);
      if (type === 'Q') ran(cstrings(body, 1)[0]);
    });
    const fromServer = framer(true, (type) => {
      if (type === 'Z') counts.roundTrips++;
    });
    client.on('data', (d) => {
      counts.sends++;
      counts.bytesOut += d.length;
      fromClient(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      counts.bytesIn += d.length;
      fromServer(d);
      client.write(d);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(server.address().port);
  return {
    url: url.href,
    counts,
    snapshot: () => ({ ...counts, byText: new Map(byText) }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
