// Limits failed sign-ins per account name and per client address, shared by every server on the
// database: rate-limiter-flexible's Drizzle store over the `sign_in_throttle` table (PGlite or PostgreSQL).
import { createHash } from 'node:crypto';
import { schema } from '@ferry/db';
import type { TRPCError } from '@trpc/server';
import { lt } from 'drizzle-orm';
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import { auditEntry, writeAudit } from './audit.js';
import type { Context, Services } from './context.js';
import { FerryApiError, fail } from './errors.js';

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
      new RateLimiterDrizzle({
        storeClient: services.database.db,
        schema: schema.signInThrottle,
        keyPrefix: scope,
        points: limits[scope].failures,
        duration: limits[scope].windowSeconds,
        // Its timer would outlive a closed database; expired rows are deleted on failures instead.
        clearExpiredByTimeout: false,
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

/**
 * Counts a sign-in attempt before its password is checked — one atomic upsert per key, so parallel
 * guesses cannot slip past the limit — and refuses it (TOO_MANY_REQUESTS) when a limit is exceeded,
 * whether or not the password is right. The attempt that starts a lockout writes `auth.throttled`.
 */
export async function admitSignIn(ctx: Context, attempt: SignInAttempt): Promise<void> {
  const { account, address } = limiters(ctx.services);
  const keys: [Scope, RateLimiterDrizzle, string][] = [
    ['account', account, accountKey(attempt.name)],
  ];
  if (attempt.address) keys.push(['address', address, attempt.address]);
  const results = await Promise.all(
    keys.map(async ([scope, limiter, key]) => {
      try {
        await limiter.consume(key);
        return null;
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        return { scope, limiter, refusal: e };
      }
    }),
  );
  const refused = results.filter((r) => r !== null);
  if (refused.length === 0) return;
  const retryAfterSeconds = Math.max(
    1,
    ...refused.map((r) => Math.ceil(r.refusal.msBeforeNext / 1000)),
  );
  for (const { scope, limiter, refusal } of refused) {
    // Exactly one request sees the count pass the limit by one: that is when the lockout starts.
    if (refusal.consumedPoints !== limiter.points + 1) continue;
    await writeAudit(
      ctx.db,
      ctx,
      auditEntry(ctx, 'auth.throttled', null, {
        details: {
          scope,
          name: attempt.name,
          address: attempt.address ?? null,
          failures: limiter.points,
          until: new Date(Date.now() + refusal.msBeforeNext).toISOString(),
        },
      }),
    );
  }
  const minutes = Math.ceil(retryAfterSeconds / 60);
  fail(
    'TOO_MANY_REQUESTS',
    `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    undefined,
    { retryAfterSeconds },
  );
}

/** A failed attempt is already counted; this clears windows that ended, so the table stays small. */
export async function signInFailed(ctx: Context): Promise<void> {
  await ctx.db.delete(schema.signInThrottle).where(lt(schema.signInThrottle.expire, new Date()));
}

/** A correct password (outside a lockout) clears the account's failures and refunds the address. */
export async function signInSucceeded(ctx: Context, attempt: SignInAttempt): Promise<void> {
  const { account, address } = limiters(ctx.services);
  await account.delete(accountKey(attempt.name));
  if (attempt.address) await address.reward(attempt.address);
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
