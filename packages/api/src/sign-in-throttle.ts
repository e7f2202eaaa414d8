// Limits failed sign-ins per account name and per client address, shared by every server on the
// database: rate-limiter-flexible's Drizzle store over the `sign_in_throttle` table (PGlite or PostgreSQL).
import { createHash } from 'node:crypto';
import type { TRPCError } from '@trpc/server';
import { RateLimiterRes, type RateLimiterDrizzle } from 'rate-limiter-flexible';
import { auditEntry, writeAudit } from './audit.js';
import type { Context, Services } from './context.js';
import { FerryApiError, fail } from './errors.js';
import { deleteEndedWindows, throttleLimiter } from './repositories/sign-in-throttle-repository.js';

export interface SignInLimit {
  /** Failed sign-ins allowed within the window; the next attempts are refused until it ends. */
  failures: number;
  windowSeconds: number;
}

export interface SignInLimits {
  /** Per attempted account name, whether or not such an account exists. */
  account: SignInLimit;
  /** Per client address, across every name tried from it. */
  address: SignInLimit;
}

/** The limits unless the server is given others (Services.signInLimits). */
export const SIGN_IN_LIMITS: SignInLimits = {
  account: { failures: 5, windowSeconds: 15 * 60 },
  address: { failures: 20, windowSeconds: 15 * 60 },
};

type Scope = keyof SignInLimits;

interface Limiters {
  account: RateLimiterDrizzle;
  address: RateLimiterDrizzle;
}

const limitersOf = new WeakMap<Services, Limiters>();

function limiters(services: Services): Limiters {
  let found = limitersOf.get(services);
  if (!found) {
    const limits = services.signInLimits ?? SIGN_IN_LIMITS;
    const limiter = (scope: Scope) =>
      throttleLimiter(services.database.db, {
        keyPrefix: scope,
        points: limits[scope].failures,
        duration: limits[scope].windowSeconds,
      });
    found = { account: limiter('account'), address: limiter('address') };
    limitersOf.set(services, found);
  }
  return found;
}

/** Hashed: a password typed into the name field never rests in the table. */
const accountKey = (name: string) => createHash('sha256').update(name).digest('hex');

export interface SignInAttempt {
  name: string;
  /** Absent outside HTTP (an in-process caller with no request): then only the account counts. */
  address?: string;
}

/** An attempt let through to the password check, with its counts in the current windows. */
export interface AdmittedSignIn {
  attempt: SignInAttempt;
  counts: { scope: Scope; key: string; failures: number; limit: number; msLeft: number }[];
}

/**
 * Counts a sign-in attempt before its password is checked — one atomic upsert per key, so parallel
 * guesses cannot slip past the limit — and refuses it (TOO_MANY_REQUESTS) while a limit is used
 * up, whether or not the password is right.
 */
export async function admitSignIn(ctx: Context, attempt: SignInAttempt): Promise<AdmittedSignIn> {
  const limiter = limiters(ctx.services);
  const keys: [Scope, string][] = [['account', accountKey(attempt.name)]];
  if (attempt.address) keys.push(['address', attempt.address]);
  const results = await Promise.all(
    keys.map(async ([scope, key]) => {
      let res: RateLimiterRes;
      try {
        res = await limiter[scope].consume(key);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        return { refused: true, msLeft: e.msBeforeNext } as const;
      }
      const count = {
        scope,
        key,
        failures: res.consumedPoints,
        limit: limiter[scope].points,
        msLeft: res.msBeforeNext,
      };
      return { refused: false, count } as const;
    }),
  );
  const refused = results.flatMap((r) => (r.refused ? [r.msLeft] : []));
  if (refused.length > 0) {
    const retryAfterSeconds = Math.max(1, ...refused.map((ms) => Math.ceil(ms / 1000)));
    const minutes = Math.ceil(retryAfterSeconds / 60);
    fail(
      'TOO_MANY_REQUESTS',
      `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      undefined,
      { retryAfterSeconds },
    );
  }
  return { attempt, counts: results.flatMap((r) => (r.refused ? [] : [r.count])) };
}

/**
 * A wrong password (already counted). The failure that uses up a limit starts a lockout and writes
 * `auth.throttled` with the name and address it came from; each count reaches its limit exactly
 * once per window, so each lockout is written once. Windows that ended are deleted here, so the
 * table stays small.
 */
export async function signInFailed(ctx: Context, admitted: AdmittedSignIn): Promise<void> {
  for (const { scope, failures, limit, msLeft } of admitted.counts) {
    if (failures !== limit) continue;
    await writeAudit(
      ctx.db,
      ctx,
      auditEntry(ctx, 'auth.throttled', null, {
        details: {
          scope,
          name: admitted.attempt.name,
          address: admitted.attempt.address ?? null,
          failures,
          until: new Date(Date.now() + msLeft).toISOString(),
        },
      }),
    );
  }
  await deleteEndedWindows(ctx.db, new Date());
}

/** A correct password (outside a lockout) clears the account's failures and refunds the address. */
export async function signInSucceeded(ctx: Context, admitted: AdmittedSignIn): Promise<void> {
  const limiter = limiters(ctx.services);
  for (const { scope, key } of admitted.counts)
    await (scope === 'account' ? limiter.account.delete(key) : limiter.address.reward(key));
}

/** HTTP headers for a failed response: `Retry-After` (seconds) when an error says when to retry. */
export function retryAfterHeaders(errors: readonly TRPCError[]): Record<string, string> {
  const seconds = errors.flatMap((e) =>
    e instanceof FerryApiError && typeof e.details?.retryAfterSeconds === 'number'
      ? [e.details.retryAfterSeconds]
      : [],
  );
  return seconds.length > 0 ? { 'retry-after': String(Math.max(...seconds)) } : {};
}
