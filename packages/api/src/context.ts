// What every procedure gets: the services of this process and who is calling. Request-free, so
// tests build it directly (createContextInner) and the HTTP server builds it from headers.
import type { Database, Db } from '@ferry/db';
import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import { logSerializers } from './log-errors.js';
import type { Role } from './roles.js';
import type { SecretBox } from './security.js';
import type { SignInLimits } from './sign-in-throttle.js';

export interface Services {
  database: Database;
  secrets: SecretBox;
  logger: Logger;
  /** Largest request body accepted, in bytes. */
  maxRequestBytes: number;
  /** FERRY_WEBHOOK_ALLOW_PRIVATE: webhooks may point at loopback and private addresses. */
  webhookAllowPrivate?: boolean;
  /** Failed sign-ins allowed per account and per address (default SIGN_IN_LIMITS). */
  signInLimits?: SignInLimits;
  /** Each conversation test's time budget, in milliseconds (default TEST_BUDGET_MS, 5 s). */
  testBudgetMs?: number;
}

export interface Caller {
  id: string;
  name: string;
  role: Role;
  via: 'token' | 'session';
}

export interface Context {
  services: Services;
  db: Db;
  caller: Caller | null;
  requestId: string;
  /**
   * The request's logger: the server's, bound to `requestId` and the caller's name (`user`); each
   * procedure adds its `path`. Log per-request events here, never through services.logger.
   */
  log: Logger;
  /** Set a response cookie (web sessions); absent outside HTTP. */
  setCookie?: (cookie: string) => void;
  /** The session cookie value of the request, for sign-out. */
  sessionToken?: string;
  /** The client's network address (sign-in throttling); absent outside HTTP. */
  clientAddress?: string;
}

/**
 * A request's logger: `bindings` on every line, and an error under `err` logged as loggableError
 * shows it (a database error without the values users sent), wherever it is logged from.
 */
export function requestLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  return lazyLogger(() =>
    logger.child(bindings, {
      serializers: logSerializers,
    }),
  );
}

/**
 * A logger made when it is first used, with children made the same way. A request makes one for
 * its context and one more for its procedure, and seldom logs through either (the line each
 * request gets is written by the server's own logger); a pino child costs tens of microseconds to
 * make, which at hundreds of requests a second is worth not paying for nothing.
 */
export function lazyLogger(make: () => Logger): Logger {
  let real: Logger | undefined;
  const logger = () => (real ??= make());
  return new Proxy({} as Logger, {
    get(_, prop) {
      if (prop === 'child' && real === undefined)
        return (bindings: Record<string, unknown>, options?: Parameters<Logger['child']>[1]) =>
          lazyLogger(() => logger().child<never>(bindings, options));
      const value: unknown = Reflect.get(logger(), prop);
      return typeof value === 'function' ? (value as () => unknown).bind(logger()) : value;
    },
    set(_, prop, value) {
      return Reflect.set(logger(), prop, value);
    },
    has(_, prop) {
      return Reflect.has(logger(), prop);
    },
  });
}

export function createContextInner(opts: {
  services: Services;
  caller?: Caller | null;
  requestId?: string;
  setCookie?: (cookie: string) => void;
  sessionToken?: string;
  clientAddress?: string;
}): Context {
  const requestId = opts.requestId ?? uuidv7();
  const caller = opts.caller ?? null;
  return {
    services: opts.services,
    db: opts.services.database.db,
    caller,
    requestId,
    log: requestLogger(opts.services.logger, {
      requestId,
      ...(caller && { user: caller.name }),
    }),
    ...(opts.setCookie && { setCookie: opts.setCookie }),
    ...(opts.sessionToken && { sessionToken: opts.sessionToken }),
    ...(opts.clientAddress && { clientAddress: opts.clientAddress }),
  };
}
