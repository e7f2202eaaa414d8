// Users, API tokens and web sessions: creation, lookup of the caller, and the first admin.
import { schema, type Db } from '@ferry/db';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Caller } from './context.js';
import type { Role } from './roles.js';
import { hashPassword, hashToken, newToken } from './security.js';

export const SESSION_COOKIE = 'ferry_session';
export const SESSION_DAYS = 14;

/**
 * How stale a token's "last used" time may get: it is written at most this often, not on every
 * request. A write per request made every call of one token (a pipeline, a busy client) queue on
 * that row's lock and pay a commit of its own.
 */
export const TOKEN_LAST_USED_GRANULARITY_MS = 60_000;

export async function callerFromToken(db: Db, token: string): Promise<Caller | null> {
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
        eq(schema.apiTokens.tokenHash, hashToken(token)),
        isNull(schema.apiTokens.revokedAt),
        isNull(schema.users.disabledAt),
      ),
    );
  if (!row) return null;
  const now = new Date();
  const stale = new Date(now.getTime() - TOKEN_LAST_USED_GRANULARITY_MS);
  if (row.lastUsedAt === null || row.lastUsedAt < stale)
    await db
      .update(schema.apiTokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(schema.apiTokens.id, row.tokenId),
          // Another request (or replica) may have just written it: then leave the row alone.
          or(isNull(schema.apiTokens.lastUsedAt), lt(schema.apiTokens.lastUsedAt, stale)),
        ),
      );
  return { id: row.id, name: row.name, role: row.role as Role, via: 'token' };
}

export async function callerFromSession(db: Db, token: string): Promise<Caller | null> {
  const [row] = await db
    .select({ id: schema.users.id, name: schema.users.name, role: schema.users.role })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(
      and(
        eq(schema.sessions.tokenHash, hashToken(token)),
        gt(schema.sessions.expiresAt, new Date()),
        isNull(schema.users.disabledAt),
      ),
    );
  return row ? { id: row.id, name: row.name, role: row.role as Role, via: 'session' } : null;
}

/** A new API token for a user: the token itself is returned once and stored only hashed. */
export async function createToken(
  db: Db,
  userId: string,
  name: string,
  token = newToken(),
): Promise<{ id: string; token: string }> {
  const id = uuidv7();
  await db.insert(schema.apiTokens).values({ id, userId, name, tokenHash: hashToken(token) });
  return { id, token };
}

export async function createSession(
  db: Db,
  userId: string,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken('fs');
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 24 * 3600 * 1000);
  await db
    .insert(schema.sessions)
    .values({ id: uuidv7(), userId, tokenHash: hashToken(token), expiresAt });
  return { token, expiresAt };
}

export interface AdminBootstrap {
  /** Set only when generated now: to print once to the console, never to the log. */
  generatedPassword: string | null;
  generatedToken: string | null;
  created: boolean;
}

/**
 * First start on an empty database: create user `admin` with the given password and token (used
 * exactly as given) or generated ones. Safe when several servers start at once.
 */
export async function ensureAdmin(
  db: Db,
  opts: { password?: string; token?: string },
): Promise<AdminBootstrap> {
  return db.transaction(async (tx) => {
    // One bootstrap at a time, even across processes.
    await tx.execute(sql`select pg_advisory_xact_lock(7346127002)`);
    const [existing] = await tx
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(eq(schema.users.name, 'admin'));
    if (existing) return { generatedPassword: null, generatedToken: null, created: false };
    const password = opts.password ?? newToken('pw').slice(3, 27);
    const token = opts.token ?? newToken();
    const id = uuidv7();
    await tx
      .insert(schema.users)
      .values({ id, name: 'admin', role: 'admin', passwordHash: await hashPassword(password) });
    await createToken(tx, id, 'bootstrap', token);
    return {
      generatedPassword: opts.password === undefined ? password : null,
      generatedToken: opts.token === undefined ? token : null,
      created: true,
    };
  });
}

export async function adminExists(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.name, 'admin'));
  return row !== undefined;
}
