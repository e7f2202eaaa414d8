// PostgreSQL connections cut under load (as a database restart does, through a fault-injecting
// proxy): each affected transaction fails with a connection error, the process survives, the pool
// serves again. postgres-js 3.4.9 crashed the process here (see patches/README.md).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBehindFaultProxy, type FaultyDatabase } from './test-db.js';

const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
]);

/** The driver's code in an error's cause chain (Drizzle wraps it). */
function codeOf(err: unknown): string {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return String(err);
}

const settleWithin = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(
      () => 'committed',
      (e: unknown) => codeOf(e),
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('hung'), ms).unref()),
  ]);

describe.skipIf(!process.env.DATABASE_URL)('PostgreSQL connections cut mid-transaction', () => {
  let database: FaultyDatabase;
  beforeAll(async () => {
    database = await openBehindFaultProxy();
  });
  afterAll(() => database?.close());

  it('fails only the transactions on the cut connections, never hangs, and serves again', async () => {
    const outcomes = new Map<string, number>();
    let cuts = 0;
    for (let round = 0; round < 16; round++) {
      const transactions = Array.from({ length: 8 }, () =>
        settleWithin(
          database.db.transaction(async (tx) => {
            await tx.execute(sql`select pg_sleep(0.02)`);
            await tx.execute(sql`select 1`);
          }),
          20_000,
        ),
      );
      // Cut at a different point of the transactions' traffic each round (before, mid-query, at
      // commit, during the ROLLBACK), alternating a clean close and a reset.
      await new Promise((resolve) => setTimeout(resolve, (round * 7) % 50));
      cuts += database.proxy.cut(round % 2 ? 'reset' : 'end');
      for (const outcome of await Promise.all(transactions))
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }

    expect(cuts).toBeGreaterThan(0);
    expect(outcomes.get('hung')).toBeUndefined();
    for (const outcome of outcomes.keys())
      expect(outcome === 'committed' || CONNECTION_CODES.has(outcome), outcome).toBe(true);
    // Some transactions were really cut, and the pool still works.
    expect([...outcomes.keys()].some((o) => o !== 'committed')).toBe(true);
    const rows = await database.db.execute(sql`select 42 as answer`);
    expect(Array.from(rows as unknown as Iterable<unknown>)).toEqual([{ answer: 42 }]);
  });
});
