// Failed sign-ins per key and window in `sign_in_throttle`, kept by rate-limiter-flexible's Drizzle
// store (shared by every server on the database), and the clean-up of windows that ended.
import { schema, type Db } from '@ferry/db';
import { lt } from 'drizzle-orm';
import { RateLimiterDrizzle } from 'rate-limiter-flexible';

export function throttleLimiter(
  db: Db,
  options: { keyPrefix: string; points: number; duration: number },
): RateLimiterDrizzle {
  return new RateLimiterDrizzle({
    storeClient: db,
    schema: schema.signInThrottle,
    ...options,
    // Its timer would outlive a closed database; expired rows are deleted on failures instead.
    clearExpiredByTimeout: false,
  });
}

export async function deleteEndedWindows(db: Db, now: Date): Promise<void> {
  await db.delete(schema.signInThrottle).where(lt(schema.signInThrottle.expire, now));
}
