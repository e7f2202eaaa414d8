// Users, API tokens and web sessions: creation, lookup of the caller, and the first admin.
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { cacheCaller, cachedCaller, callerLookup } from './caller-cache.js';
import type { Caller } from './context.js';
import { insertToken, tokenOwner, touchToken } from './repositories/token-repository.js';
import {
  insertSession,
  insertUser,
  lockAdminBootstrap,
  sessionOwner,
  userByName,
} from './repositories/user-repository.js';
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

/**
 * The caller behind an API token: the enabled user of an unrevoked token, or null. Answers are
 * kept for the process a short while (caller-cache.ts: at once on this server, within
 * CALLER_CACHE_MS on others, a revocation takes effect).
 */
export async function callerFromToken(db: Db, token: string): Promise<Caller | null> {
  const tokenHash = hashToken(token);
  let row = cachedCaller(db, tokenHash);
  if (row === undefined) {
    const lookup = callerLookup();
    const found = await tokenOwner(db, tokenHash);
    if (!found) return null;
    row = found;
    cacheCaller(db, tokenHash, row, lookup);
  }
  const now = new Date();
  const stale = new Date(now.getTime() - TOKEN_LAST_USED_GRANULARITY_MS);
  if (row.lastUsedAt === null || row.lastUsedAt < stale) {
    // Noted in the cached answer too, so that the next requests do not write it again.
    row.lastUsedAt = now;
    await touchToken(db, row.tokenId, now, stale);
  }
  return { id: row.id, name: row.name, role: row.role as Role, via: 'token' };
}

export async function callerFromSession(db: Db, token: string): Promise<Caller | null> {
  const row = await sessionOwner(db, hashToken(token), new Date());
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
  await insertToken(db, { id, userId, name, tokenHash: hashToken(token) });
  return { id, token };
}

export async function createSession(
  db: Db,
  userId: string,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken('fs');
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 24 * 3600 * 1000);
  await insertSession(db, { id: uuidv7(), userId, tokenHash: hashToken(token), expiresAt });
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
    await lockAdminBootstrap(tx);
    if (await userByName(tx, 'admin'))
      return { generatedPassword: null, generatedToken: null, created: false };
    const password = opts.password ?? newToken('pw').slice(3, 27);
    const token = opts.token ?? newToken();
    const id = uuidv7();
    await insertUser(tx, {
      id,
      name: 'admin',
      role: 'admin',
      passwordHash: await hashPassword(password),
    });
    await createToken(tx, id, 'bootstrap', token);
    return {
      generatedPassword: opts.password === undefined ? password : null,
      generatedToken: opts.token === undefined ? token : null,
      created: true,
    };
  });
}

export async function adminExists(db: Db): Promise<boolean> {
  return (await userByName(db, 'admin')) !== null;
}
