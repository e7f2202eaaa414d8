// The Ferry server: one process, one port — the API at /api/trpc, /healthz (liveness), /readyz
// (readiness: the database answers) and the web UI (a `fallback`). It keeps no state of its own, so
// several can run against one PostgreSQL.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Database } from '@ferry/db';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import pino, { type Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import { clientAddressOf } from './client-address.js';
import { SESSION_COOKIE, callerFromSession, callerFromToken, ensureAdmin } from './accounts.js';
import { BACKUP_PATH, handleBackup } from './backup-route.js';
import { compressResponse } from './compress.js';
import { createContextInner, requestLogger, type Caller, type Services } from './context.js';
import { configureWebAdapter } from './env.js';
import { DEFAULT_EXPORT_CACHE_BYTES, ExportCache } from './export-cache.js';
import { startJobQueue, type JobQueue, type JobQueueOptions } from './job-queue.js';
import { EXPORT_PATH, handleExport } from './export-route.js';
import { UnavailableError, unavailableCause } from './errors.js';
import { loggableError, logSerializers } from './log-errors.js';
import {
  crossOriginCookieCall,
  isHttps,
  securityHeaders,
  trustedForwarding,
} from './request-guard.js';
import { can, type Permission, type Role } from './roles.js';
import { ping } from './repositories/health-repository.js';
import { appRouter } from './router.js';
import { checkSecretKey, parseSecretKey, resolveSecretKey } from './secret-key.js';
import { SecretBox } from './security.js';
import { retryAfterHeaders } from './sign-in-throttle.js';
import { ConfigError } from './startup-errors.js';
import { closeTestRuns } from './test-run.js';
import { createCallerFactory } from './trpc.js';
import { answerDirectly, type DirectCallOptions } from './trpc-direct.js';
import { must } from '@ferry/core';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Embedded database directory (ignored when databaseUrl is set); null keeps it in memory. */
  dataDir?: string | null;
  databaseUrl?: string;
  /** 32 bytes, base64 or hex; required with PostgreSQL. */
  secretKey?: string;
  adminPassword?: string;
  adminToken?: string;
  maxRequestBytes?: number;
  /**
   * FERRY_TRUST_PROXY: a reverse proxy in front sets X-Forwarded-Proto and X-Forwarded-For, and
   * they are believed (the scheme decides the session cookie's `Secure`). Off: both are ignored.
   */
  trustProxy?: boolean;
  /** FERRY_WEBHOOK_ALLOW_PRIVATE: deliver webhooks to loopback and private addresses too. */
  webhookAllowPrivate?: boolean;
  /** The background workers' settings (webhook retries, polling); tests shorten them. */
  jobQueue?: Omit<JobQueueOptions, 'allowPrivate'>;
  logger?: Logger;
  /** Where to print the generated admin credentials once (never the structured log). */
  announce?: (line: string) => void;
  /** Handles requests the API does not (the web UI); returns false to answer 404. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** How long close() waits for in-flight requests before cutting them (default 10 s). */
  drainMs?: number;
  /** In-memory PGlite only: start from this initialised cluster instead of running initdb (tests). */
  pgliteTemplate?: Blob;
  /** The bytes of CB exports kept in memory for GET /api/export (default 256 MB). */
  exportCacheBytes?: number;
}

export interface RunningServer {
  url: string;
  services: Services;
  /**
   * Drain, then stop: refuse new connections, answer /readyz 503, let in-flight requests finish
   * (at most `drainMs`), then close the database.
   */
  close(): Promise<void>;
}

export const DEFAULT_MAX_REQUEST_BYTES = 50 * 1024 * 1024;
export const DEFAULT_DRAIN_MS = 10_000;
/** /readyz gives the database this long to answer `select 1`. */
const READY_TIMEOUT_MS = 2_000;

const createCaller = createCallerFactory(appRouter);
/** The whole API, called in-process (no HTTP, no serialisation) as one user. */
export type ApiCaller = ReturnType<typeof createCaller>;

const PERMISSIONS = [
  'read',
  'edit',
  'delete-version',
  'create-release',
  'accept-release',
  'comment-release',
  'force-tests',
  'admin',
] as const satisfies readonly Permission[];

/** The requesting user as the web UI sees it: who they are and what their role lets them do. */
export interface WebUser {
  id: string;
  name: string;
  role: Role;
  permissions: Permission[];
}

/**
 * What every request handed to `fallback` carries, so the web UI's server code (which adapter-node
 * gives the Node request as `platform.req`) calls the API in-process as the requesting user, with
 * the same credentials (session cookie or bearer token) and the same checks as `/api/trpc`.
 */
export interface WebRequest extends IncomingMessage {
  ferry?: {
    /** The request's id (X-Request-Id), for the error page and the log. */
    requestId: string;
    /** The server's logger for this request (`requestId`; `err` logged as loggableError shows it). */
    log: Logger;
    /** Cookies the API sets (sign-in, sign-out) go to `setCookie`, for the web UI's response. */
    session(setCookie: (cookie: string) => void): Promise<{ api: ApiCaller; user: WebUser | null }>;
  };
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: 'info', serializers: logSerializers });
  const announce = options.announce ?? ((line: string) => process.stdout.write(line + '\n'));
  const trustProxy = options.trustProxy ?? false;
  // Settings are checked first, then the port is bound, and only then is anything created (the
  // data directory, the database, the key file, the admin account): a start that cannot listen
  // leaves nothing behind.
  if (options.databaseUrl && !options.secretKey)
    throw new ConfigError(
      'FERRY_SECRET_KEY is required with PostgreSQL, so that every server shares the key of secret variables.',
    );
  if (options.secretKey !== undefined) parseSecretKey(options.secretKey);
  let ready = false;
  // Until the database is open, every request is answered "starting" (503) by this listener.
  const starting = (_req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(securityHeaders('api'))) res.setHeader(name, value);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ ok: false, error: 'Ferry is starting.' }));
  };
  const server = createServer(starting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  let database: Database;
  try {
    database = await openDatabase(
      options.databaseUrl
        ? { databaseUrl: options.databaseUrl }
        : {
            dataDir: options.dataDir === undefined ? './.ferry/data' : options.dataDir,
            ...(options.pgliteTemplate && { template: options.pgliteTemplate }),
          },
    );
  } catch (e) {
    await stopListening();
    throw e;
  }
  let jobs: JobQueue | undefined;
  try {
    const key = await resolveSecretKey(options.secretKey, database);
    await checkSecretKey(
      database.db,
      key.key,
      key.source === 'file' ? `The key in ${key.file} (FERRY_SECRET_KEY unset)` : undefined,
    );
    const services: Services = {
      database,
      secrets: new SecretBox(key.key),
      logger,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      webhookAllowPrivate: options.webhookAllowPrivate ?? false,
    };
    const admin = await ensureAdmin(database.db, {
      ...(options.adminPassword !== undefined && { password: options.adminPassword }),
      ...(options.adminToken !== undefined && { token: options.adminToken }),
    });
    if (admin.generatedPassword || admin.generatedToken) {
      announce('Created user "admin" (shown once, store them now):');
      if (admin.generatedPassword) announce(`  password: ${admin.generatedPassword}`);
      if (admin.generatedToken) announce(`  API token: ${admin.generatedToken}`);
    }
    // Webhook deliveries and scheduled upgrades; stopped before the database closes.
    jobs = await startJobQueue(services, {
      ...options.jobQueue,
      allowPrivate: options.webhookAllowPrivate ?? false,
    });

    /** The API context of a request: its caller from the bearer token or the session cookie. */
    const contextOf = async (
      req: IncomingMessage,
      res: ServerResponse,
      setResponseCookie: (cookie: string) => void,
    ) => {
      const requestId = (res.getHeader('x-request-id') as string | undefined) ?? uuidv7();
      // A session cookie set over HTTPS is `Secure`, so the browser never sends it over plain HTTP.
      const setCookie = isHttps(req, trustProxy)
        ? (c: string) => setResponseCookie(`${c}; Secure`)
        : setResponseCookie;
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const session = cookie(req, SESSION_COOKIE);
      let caller: Caller | null;
      try {
        caller = bearer
          ? await callerFromToken(database.db, bearer)
          : session
            ? await callerFromSession(database.db, session)
            : null;
      } catch (e) {
        // Before the context exists, so the error itself carries the request id.
        if (unavailableCause(e)) throw new UnavailableError(requestId, e);
        throw e;
      }
      (res as ServerResponse & { ferryCaller?: string }).ferryCaller = caller?.name;
      return createContextInner({
        services,
        caller,
        requestId,
        setCookie,
        ...(session && { sessionToken: session }),
        clientAddress: clientAddressOf(req, trustProxy),
      });
    };

    const exportCache = new ExportCache(options.exportCacheBytes ?? DEFAULT_EXPORT_CACHE_BYTES);
    // One set of hooks for both ways a call is answered: directly (one plain call) or by tRPC.
    const api: DirectCallOptions<Awaited<ReturnType<typeof contextOf>>> = {
      router: appRouter,
      basePath: '/api/trpc/',
      maxBodySize: services.maxRequestBytes,
      headersFor: retryAfterHeaders,
      createContext: (req, res) => contextOf(req, res, (c) => res.appendHeader('Set-Cookie', c)),
      onError: ({ error, ctx, path }) => {
        // The request's own logger once its context exists; before that, the error knows its request.
        const log =
          ctx?.log ??
          requestLogger(logger, {
            requestId: error instanceof UnavailableError ? error.requestId : undefined,
          });
        if (error instanceof UnavailableError)
          log.warn({ path, cause: unavailableCause(error.cause) }, 'database unavailable');
        else if (error.code === 'INTERNAL_SERVER_ERROR')
          log.error({ path, err: loggableError(error.cause ?? error) }, 'request failed');
      },
    };
    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: api.basePath,
      maxBodySize: api.maxBodySize,
      responseMeta: ({ errors }) => ({ headers: api.headersFor(errors) }),
      createContext: ({ req, res }) => api.createContext(req, res),
      onError: ({ error, ctx, path }) => api.onError({ error, ctx, path }),
    });

    let draining = false;
    /** Ready means: started, not draining, and the database answers now (never a cached answer). */
    const readiness = async (): Promise<string> => {
      if (draining) return 'draining';
      if (!ready) return 'starting';
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ping(database.db),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS);
          }),
        ]);
        return 'ready';
      } catch (e) {
        // The driver's code, or the first line of the message (Drizzle's second names parameters).
        const reason = unavailableCause(e) ?? String((e as Error).message).split('\n')[0];
        return `database unreachable (${reason})`;
      } finally {
        clearTimeout(timer);
      }
    };

    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      const requestId = requestIdOf(req.headers['x-request-id']);
      res.setHeader('x-request-id', requestId);
      const log = requestLogger(logger, { requestId });
      trustedForwarding(req, trustProxy);
      // Once this server drains, a keep-alive client must not send its next request here: its
      // connection closes with the response (as idle keep-alive connections did when draining began).
      if (draining) res.setHeader('connection', 'close');
      res.once('close', () => draining && server.closeIdleConnections());
      // The request's line, through the server's logger (its `log` is made only if used).
      res.on('finish', () =>
        logger.info(
          {
            requestId,
            method: req.method,
            path: (req.url ?? '').split('?')[0],
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
            user: (res as ServerResponse & { ferryCaller?: string }).ferryCaller,
          },
          'request',
        ),
      );
      try {
        const path = must((req.url ?? '/').split('?')[0], "(req.url ?? '/').split('?')[0]");
        for (const [name, value] of Object.entries(
          securityHeaders(
            path.startsWith('/api/') || path === '/healthz' || path === '/readyz' ? 'api' : 'web',
          ),
        ))
          res.setHeader(name, value);
        // Probes stay plain (a few bytes); export and backup bodies come encoded already.
        if (![EXPORT_PATH, BACKUP_PATH, '/healthz', '/readyz'].includes(path))
          await compressResponse(req, res, { bufferSmall: path.startsWith('/api/trpc/') });
        if (path === '/healthz') {
          res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: ready, database: database.kind }));
        } else if (path === '/readyz') {
          const status = await readiness();
          res.writeHead(status === 'ready' ? 200 : 503, {
            'content-type': 'application/json',
            'cache-control': 'no-store',
          });
          res.end(JSON.stringify({ ok: status === 'ready', status, database: database.kind }));
        } else if (path.startsWith('/api/trpc/')) {
          if (crossOriginCookieCall(req, SESSION_COOKIE, trustProxy)) {
            res.writeHead(403, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                error: {
                  message:
                    "Cross-origin request refused: a call signed in with the session cookie must come from this server's own pages (use an API token elsewhere).",
                  data: { ferryCode: 'FORBIDDEN', httpStatus: 403, requestId },
                },
              }),
            );
            return;
          }
          if (!(await answerDirectly(req, res, api))) await trpc(req, res);
        } else if (path === BACKUP_PATH) {
          await handleBackup(req, res, await contextOf(req, res, () => {}));
        } else if (path === EXPORT_PATH) {
          await handleExport(req, res, await contextOf(req, res, () => {}), exportCache);
        } else if (!(
          options.fallback &&
          (await options.fallback(
            Object.assign(req, {
              ferry: {
                requestId,
                log,
                session: async (setCookie: (cookie: string) => void) => {
                  const ctx = await contextOf(req, res, setCookie);
                  const user = ctx.caller && {
                    id: ctx.caller.id,
                    name: ctx.caller.name,
                    role: ctx.caller.role,
                    permissions: PERMISSIONS.filter((p) =>
                      can(must(ctx.caller, 'ctx.caller').role, p),
                    ),
                  };
                  return { api: createCaller(ctx), user };
                },
              },
            } satisfies Pick<WebRequest, 'ferry'>),
            res,
          ))
        )) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'Not found' }));
        }
      } catch (err) {
        const cause = unavailableCause(err);
        if (cause) {
          log.warn({ cause }, 'database unavailable');
          if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: new UnavailableError(requestId).message,
              code: 'UNAVAILABLE',
              requestId,
            }),
          );
          return;
        }
        log.error({ err: loggableError(err) }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `Internal error (request ${requestId}).` }));
      }
    };
    server.off('request', starting);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void handle(req, res));
    ready = true;
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host}:${address.port}`,
      services,
      close: () =>
        (closing ??= (async () => {
          // Still alive (/healthz), no longer ready (/readyz).
          draining = true;
          // Stop listening; idle keep-alive connections close now, busy ones after their response.
          const drained = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          let timer: NodeJS.Timeout | undefined;
          const graceOver = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), options.drainMs ?? DEFAULT_DRAIN_MS);
          });
          if ((await Promise.race([drained, graceOver])) === 'timeout') {
            logger.warn('grace period over: closing the connections of unfinished requests');
            server.closeAllConnections();
            await drained;
          }
          clearTimeout(timer);
          // Conversation test runs of requests cut off above (their workers would outlive us).
          await closeTestRuns();
          await jobs?.stop();
          await database.close();
        })()),
    };
  } catch (e) {
    await stopListening();
    await jobs?.stop();
    await database.close();
    throw e;
  }
}

/**
 * The web UI's request handler as a `fallback`: the `handler.js` of a SvelteKit adapter-node build
 * (`apps/web/build`). It answers every request it gets (its own 404 page included).
 */
export async function loadWebFallback(
  buildDir: string,
  options: { maxRequestBytes?: number } = {},
): Promise<NonNullable<ServerOptions['fallback']>> {
  // adapter-node reads its settings from the environment when handler.js loads.
  configureWebAdapter(options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
  type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => unknown;
  const { handler } = (await import(pathToFileURL(join(buildDir, 'handler.js')).href)) as {
    handler: Middleware;
  };
  return (req, res) =>
    new Promise<boolean>((resolve, reject) => {
      req.headers['x-forwarded-proto'] ??= 'http';
      res.once('close', () => resolve(true));
      try {
        void Promise.resolve(handler(req, res, () => resolve(false))).catch(reject);
      } catch (e) {
        reject(e as Error);
      }
    });
}

/** A client's own request id: at most 128 characters of letters, digits and `._:-`. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request: the client's X-Request-Id when it is a sane token (so a proxy's or a
 * script's logs line up with the server's), else a new one. Anything else (too long, odd
 * characters, several values) is replaced rather than trusted into the log.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : uuidv7();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
