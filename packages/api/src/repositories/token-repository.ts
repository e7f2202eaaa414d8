// API tokens: the caller behind a token's hash, counts per user, listings with the owner's name, and
// revocation. Making a token (and hashing a presented one) is in accounts.ts.
import { schema, type Db } from '@ferry/db';
import { and, asc, count, eq, isNull, lt, or } from 'drizzle-orm';
import { assertCallersChanging } from '../caller-cache.js';

export type TokenRow = typeof schema.apiTokens.$inferSelect;
export interface TokenWithUser {
  token: TokenRow;
  userName: string;
}

/** Active (unrevoked) tokens per user (of one user when named). */
export async function tokenCounts(db: Db, userId?: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ userId: schema.apiTokens.userId, n: count() })
    .from(schema.apiTokens)
    .where(
      and(
        isNull(schema.apiTokens.revokedAt),
        userId ? eq(schema.apiTokens.userId, userId) : undefined,
      ),
    )
    .groupBy(schema.apiTokens.userId);
  return new Map(rows.map((r) => [r.userId, r.n]));
}

/** Tokens of one user (null: of everyone), by user name, then oldest first. */
export const listTokens = (db: Db, userId: string | null): Promise<TokenWithUser[]> =>
  db
    .select({ token: schema.apiTokens, userName: schema.users.name })
    .from(schema.apiTokens)
    .innerJoin(schema.users, eq(schema.users.id, schema.apiTokens.userId))
    .where(userId !== null ? eq(schema.apiTokens.userId, userId) : undefined)
    .orderBy(asc(schema.users.name), asc(schema.apiTokens.createdAt), asc(schema.apiTokens.id));

/** A token by id with its owner's name, locked until the transaction ends; null if none. */
export async function lockToken(tx: Db, id: string): Promise<TokenWithUser | null> {
  const [row] = await tx
    .select({ token: schema.apiTokens, userName: schema.users.name })
    .from(schema.apiTokens)
    .innerJoin(schema.users, eq(schema.users.id, schema.apiTokens.userId))
    .where(eq(schema.apiTokens.id, id))
    .for('update', { of: schema.apiTokens });
  return row ?? null;
}

export async function revokeToken(tx: Db, id: string, revokedAt: Date): Promise<void> {
  assertCallersChanging('revokeToken');
  await tx.update(schema.apiTokens).set({ revokedAt }).where(eq(schema.apiTokens.id, id));
}

/** The enabled user behind an unrevoked token's hash, with the token's id; null if none. */
export async function tokenOwner(
  db: Db,
  tokenHash: string,
): Promise<{
  id: string;
  name: string;
  role: string;
  tokenId: string;
  lastUsedAt: Date | null;
} | null> {
  const [row] = await db
    .select({
      id: schema.users.id,
      name: schema.users.name,
      role: schema.users.role,
      tokenId: schema.apiTokens.id,
      lastUsedAt: schema.apiTokens.lastUsedAt,
    })
    .from(schema.apiTokens)
    .innerJoin(schema.users, eq(schema.users.id, schema.apiTokens.userId))
    .where(
      and(
        eq(schema.apiTokens.tokenHash, tokenHash),
        isNull(schema.apiTokens.revokedAt),
        isNull(schema.users.disabledAt),
      ),
    );
  return row ?? null;
}

/**
 * Record that a token was used at `at`, unless another request (or replica) already recorded a use
 * after `unlessAfter`: then the row is left alone.
 */
export async function touchToken(db: Db, id: string, at: Date, unlessAfter: Date): Promise<void> {
  await db
    .update(schema.apiTokens)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(schema.apiTokens.id, id),
        or(isNull(schema.apiTokens.lastUsedAt), lt(schema.apiTokens.lastUsedAt, unlessAfter)),
      ),
    );
}

export async function insertToken(
  db: Db,
  token: Pick<typeof schema.apiTokens.$inferInsert, 'id' | 'userId' | 'name' | 'tokenHash'>,
): Promise<void> {
  await db.insert(schema.apiTokens).values(token);
}
