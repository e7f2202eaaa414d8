// `ferry automation export`: GET /api/export, written while it arrives — to standard output, or to
// a temporary file beside --out that is renamed over it only once the whole export has arrived (a
// failed download leaves no half file). The server keeps the bytes of each content root and sends
// them brotli'd or gzip'd when asked: the CLI asks except on loopback, where the plain bytes are
// faster than decompressing them.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import type { Context } from './command.js';
import type { Stream } from './output.js';
import { configPath, readConfig, resolveConnection } from './config.js';
import { CliError, kindOfFerryCode, type ErrorKind } from './errors.js';
import { fileError } from './files.js';
import { requestFor } from './http.js';
import { RequestTimeoutError } from './timeout.js';

export const EXPORT_PATH = '/api/export';

export interface Exported {
  id: string;
  name: string;
  /** The content root: the export's identity apart from the automation's id and name. */
  root: string;
  bytes: number;
}

/** Loopback: nothing to save on the wire, and decompressing costs more than the bytes. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
  );
}

/** Download the export of `automation` (or one of its versions) into `file`, or `stdout`. */
export async function downloadExport(
  ctx: Context,
  query: { automation: string; version?: string },
  target: { file: string } | { stdout: Stream },
  /** Ask for brotli or gzip (default: unless the server is on loopback). */
  compress?: boolean,
): Promise<Exported> {
  // The same connection every command uses: client() fails clearly when no token is known.
  ctx.client();
  const base = ctx.url();
  const url = new URL(EXPORT_PATH, base);
  url.search = new URLSearchParams(query).toString();
  const { timeoutSeconds, debug } = ctx.http();
  const started = performance.now();
  const { token } = resolveConnection(
    ctx.flags,
    ctx.runtime.env,
    readConfig(configPath(ctx.runtime.env.configHome)),
  );
  const res = await get(
    url,
    {
      'user-agent': `ferry-cli/${ctx.runtime.version}`,
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...((compress ?? !isLoopback(url)) && { 'accept-encoding': 'br, gzip' }),
    },
    timeoutSeconds,
  ).catch((e: unknown) => {
    debug?.(
      `ferry: GET ${EXPORT_PATH} failed after ${Math.round(performance.now() - started)} ms (${e instanceof Error ? e.message : e})`,
    );
    throw e;
  });
  debug?.(
    `ferry: GET ${EXPORT_PATH} ${res.statusCode} ${Math.round(performance.now() - started)} ms request ${header(res, 'x-request-id') ?? '-'}`,
  );
  if (res.statusCode !== 200) throw await refusal(res);
  const meta = {
    id: header(res, 'x-ferry-automation-id') ?? '',
    name: decodeURIComponent(header(res, 'x-ferry-automation-name') ?? ''),
    root: header(res, 'x-ferry-root') ?? '',
  };
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const coding = header(res, 'content-encoding');
  const decode =
    coding === 'br'
      ? createBrotliDecompress()
      : coding === 'gzip'
        ? createGunzip()
        : new PassThrough();
  if ('stdout' in target) {
    await pipeline(res, decode, count, sinkOf(target.stdout)).catch(cut);
    return { ...meta, bytes };
  }
  // Unique among processes (pid) and in this one (time); `wx` refuses to reuse a name anyway.
  const partial = `${target.file}.${process.pid}-${Date.now().toString(36)}.partial`;
  let fileFailure: unknown;
  const out = createWriteStream(partial, { flags: 'wx' }).once('error', (e) => (fileFailure = e));
  try {
    await pipeline(res, decode, count, out).catch(cut);
    await rename(partial, target.file).catch((e: unknown) => {
      fileFailure = e;
      throw e;
    });
  } catch (e) {
    await rm(partial, { force: true });
    throw fileFailure !== undefined ? fileError(target.file, fileFailure, 'write') : e;
  }
  return { ...meta, bytes };
}

/** A stream to write the export into without ending `stream` (standard output stays open). */
function sinkOf(stream: Stream): Writable {
  const node = stream as Partial<NodeJS.WritableStream>;
  // A real stream takes the bytes as they are, at its own pace.
  if (typeof node.once === 'function' && typeof node.end === 'function')
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        if ((node as NodeJS.WritableStream).write(chunk)) done();
        else node.once?.('drain', () => done());
      },
    });
  const text = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      stream.write(text.write(chunk));
      done();
    },
    final(done) {
      const rest = text.end();
      if (rest !== '') stream.write(rest);
      done();
    },
  });
}

const header = (res: IncomingMessage, name: string) => {
  const v = res.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** The answer ended early (the server failed, or the connection dropped): say so, keep nothing. */
function cut(e: unknown): never {
  if (e instanceof RequestTimeoutError || e instanceof CliError) throw e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'Z_BUF_ERROR')
    throw new CliError(
      'unexpected',
      'The server ended the export early (see its log); nothing was kept.',
    );
  throw e;
}

async function get(
  url: URL,
  headers: Record<string, string>,
  timeoutSeconds: number,
): Promise<IncomingMessage> {
  const send = await requestFor(url);
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'GET', agent: false, headers, timeout: timeoutSeconds * 1000 },
      resolve,
    );
    req.on('timeout', () => {
      const error = new RequestTimeoutError(timeoutSeconds);
      reject(error);
      req.destroy(error);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A refused export as the CLI reports every refusal: the server's sentence and Ferry code. */
async function refusal(res: IncomingMessage): Promise<CliError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  let body: {
    error?: { message?: string; code?: string; path?: string; details?: Record<string, unknown> };
  } = {};
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
  } catch {
    // not a Ferry answer: described by the status below
  }
  const error = body.error;
  if (error?.message !== undefined && error.code !== undefined) {
    let kind: ErrorKind;
    try {
      kind = kindOfFerryCode(error.code as Parameters<typeof kindOfFerryCode>[0]);
    } catch {
      kind = 'unexpected';
    }
    return new CliError(kind, error.message, {
      ...(error.path && { path: error.path }),
      ...(error.details && { details: error.details }),
    });
  }
  if (res.statusCode === 404)
    return new CliError(
      'unexpected',
      'This server has no export endpoint (a Ferry older than this CLI?): use a CLI of its version.',
    );
  return new CliError('unexpected', `The server answered HTTP ${res.statusCode} to the export.`);
}
