// The Ferry server: one process, one port — the API at /api/trpc, /healthz, and the web UI (a
// `fallback`). It keeps no state of its own, so several can run against one PostgreSQL.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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
import { createContextInner, type Caller, type Services } from './context.js';
import { can, type Permission, type Role } from './roles.js';
import { appRouter } from './router.js';
import { SecretBox } from './security.js';
import { retryAfterHeaders } from './sign-in-throttle.js';
import { createCallerFactory } from './trpc.js';

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
  logger?: Logger;
  /** Where to print the generated admin credentials once (never the structured log). */
  announce?: (line: string) => void;
  /** Handles requests the API does not (the web UI); returns false to answer 404. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface RunningServer {
  url: string;
  services: Services;
  close(): Promise<void>;
}

export const DEFAULT_MAX_REQUEST_BYTES = 50 * 1024 * 1024;

const createCaller = createCallerFactory(appRouter);
/** The whole API, called in-process (no HTTP, no serialisation) as one user. */
export type ApiCaller = ReturnType<typeof createCaller>;

const PERMISSIONS = [
  'read',
  'edit',
  'delete-version',
  'create-release',
  'accept-release',
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
    /** Cookies the API sets (sign-in, sign-out) go to `setCookie`, for the web UI's response. */
    session(setCookie: (cookie: string) => void): Promise<{ api: ApiCaller; user: WebUser | null }>;
  };
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: 'info' });
  const announce = options.announce ?? ((line: string) => process.stdout.write(line + '\n'));
  if (options.databaseUrl && !options.secretKey)
    throw new Error(
      'FERRY_SECRET_KEY is required with PostgreSQL, so that every server shares the key of secret variables.',
    );
  const database = await openDatabase(
    options.databaseUrl
      ? { databaseUrl: options.databaseUrl }
      : { dataDir: options.dataDir === undefined ? './.ferry/data' : options.dataDir },
  );
  let ready = false;
  try {
    const services: Services = {
      database,
      secrets: new SecretBox(secretKey(options.secretKey, database)),
      logger,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
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

    /** The API context of a request: its caller from the bearer token or the session cookie. */
    const contextOf = async (
      req: IncomingMessage,
      res: ServerResponse,
      setCookie: (cookie: string) => void,
    ) => {
      const requestId = (res.getHeader('x-request-id') as string | undefined) ?? uuidv7();
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const session = cookie(req, SESSION_COOKIE);
      const caller: Caller | null = bearer
        ? await callerFromToken(database.db, bearer)
        : session
          ? await callerFromSession(database.db, session)
          : null;
      (res as ServerResponse & { ferryCaller?: string }).ferryCaller = caller?.name;
      return createContextInner({
        services,
        caller,
        requestId,
        setCookie,
        ...(session && { sessionToken: session }),
        clientAddress: clientAddressOf(req),
      });
    };

    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: '/api/trpc/',
      maxBodySize: services.maxRequestBytes,
      responseMeta: ({ errors }) => ({ headers: retryAfterHeaders(errors) }),
      createContext: ({ req, res }) =>
        contextOf(req, res, (c) => res.appendHeader('Set-Cookie', c)),
      onError: ({ error, ctx, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          logger.error(
            { requestId: ctx?.requestId, path, err: error.cause ?? error },
            'request failed',
          );
      },
    });

    const server = createServer(async (req, res) => {
      const started = performance.now();
      const requestId = uuidv7();
      res.setHeader('x-request-id', requestId);
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
        const path = (req.url ?? '/').split('?')[0]!;
        if (path === '/healthz') {
          res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: ready, database: database.kind }));
        } else if (path.startsWith('/api/trpc/')) {
          await trpc(req, res);
        } else if (path === BACKUP_PATH) {
          await handleBackup(req, res, await contextOf(req, res, () => {}));
        } else if (!(
          options.fallback &&
          (await options.fallback(
            Object.assign(req, {
              ferry: {
                session: async (setCookie: (cookie: string) => void) => {
                  const ctx = await contextOf(req, res, setCookie);
                  const user = ctx.caller && {
                    id: ctx.caller.id,
                    name: ctx.caller.name,
                    role: ctx.caller.role,
                    permissions: PERMISSIONS.filter((p) => can(ctx.caller!.role, p)),
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
        logger.error({ requestId, err }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `Internal error (request ${requestId}).` }));
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
    });
    ready = true;
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host}:${address.port}`,
      services,
      close: () =>
        (closing ??= (async () => {
          ready = false;
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await database.close();
        })()),
    };
  } catch (e) {
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
  // adapter-node takes its settings only from the environment, read when handler.js loads: uploads
  // (CB exports) may be as large as the API accepts, and the scheme of the request's origin (which
  // SvelteKit's CSRF check compares with the browser's Origin) comes from X-Forwarded-Proto, which
  // this plain-HTTP server fills in unless a TLS-terminating proxy in front has set it.
  process.env.BODY_SIZE_LIMIT ??= String(options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
  process.env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
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

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The key of secret variables: given, or (embedded database only) generated into the data directory. */
function secretKey(given: string | undefined, database: Database): Buffer {
  if (given) {
    const key = /^[0-9a-f]{64}$/i.test(given)
      ? Buffer.from(given, 'hex')
      : Buffer.from(given, 'base64');
    if (key.length !== 32)
      throw new Error('FERRY_SECRET_KEY must be 32 bytes, as 64 hex digits or base64.');
    return key;
  }
  if (database.dataDir === null) return randomBytes(32);
  const path = join(database.dataDir, 'secret.key');
  if (!existsSync(path)) {
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
}
