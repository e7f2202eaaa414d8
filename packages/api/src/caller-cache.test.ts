// The process's cache of whom API tokens speak for (caller-cache.ts): a revocation, a disabled
// user or a new role takes effect at once on this server; a change this server did not make (as
// another replica's) within CALLER_CACHE_MS; and a change outside callersChanging() is refused.
import { schema } from '@ferry/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFromToken } from './accounts.js';
import {
  CALLER_CACHE_MS,
  cacheCaller,
  cachedCaller,
  callerLookup,
  callersChanging,
} from './caller-cache.js';
import { revokeToken } from './repositories/token-repository.js';
import { updateUser } from './repositories/user-repository.js';
import { hashToken } from './security.js';
import { createTestApi, testDatabaseKinds, type TestApi } from './test-support/harness.js';

describe.each(testDatabaseKinds())('cached callers on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const users = () => api.as('admin').users;
  const db = () => api.database.db;
  /** A new user with a token, its caller cached by a first lookup. */
  const cachedUser = async (name: string) => {
    const made = await users().create({ name, role: 'editor' });
    expect(await callerFromToken(db(), made.token)).toMatchObject({ name, role: 'editor' });
    expect(cachedCaller(db(), hashToken(made.token))).toMatchObject({ name });
    return made;
  };

  it('keeps a valid token’s caller a short while, never an unknown token', async () => {
    const made = await cachedUser('cached');
    const hash = hashToken(made.token);
    expect(cachedCaller(db(), hash, Date.now() + CALLER_CACHE_MS)).toBeUndefined();
    expect(await callerFromToken(db(), 'ferry_not-a-token')).toBeNull();
    expect(cachedCaller(db(), hashToken('ferry_not-a-token'))).toBeUndefined();
  });

  it('a revoked token, a disabled user and a new role take effect at once on this server', async () => {
    const revoked = await cachedUser('revoked');
    await users().revokeToken({ id: revoked.tokenId });
    expect(await callerFromToken(db(), revoked.token)).toBeNull();

    const disabled = await cachedUser('disabled');
    await users().disable({ user: disabled.id });
    expect(await callerFromToken(db(), disabled.token)).toBeNull();
    await users().disable({ user: disabled.id, disabled: false });
    expect(await callerFromToken(db(), disabled.token)).toMatchObject({ name: 'disabled' });

    const demoted = await cachedUser('demoted');
    await users().setRole({ user: demoted.id, role: 'viewer' });
    expect(await callerFromToken(db(), demoted.token)).toMatchObject({ role: 'viewer' });
    // The caller's role is what the procedures check: the demoted editor may no longer edit.
    const caller = await callerFromToken(db(), demoted.token);
    await expect(
      api.as(caller ?? 'viewer').automations.create({ name: 'not allowed' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a revocation made elsewhere (another replica) takes effect within CALLER_CACHE_MS', async () => {
    const made = await cachedUser('elsewhere');
    // As another server's transaction would: straight to the database, past this process's cache.
    await db()
      .update(schema.apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(schema.apiTokens.id, made.tokenId));
    await new Promise((resolve) => setTimeout(resolve, CALLER_CACHE_MS + 50));
    expect(await callerFromToken(db(), made.token)).toBeNull();
  });

  it('refuses a change of users or tokens made outside callersChanging', async () => {
    const made = await users().create({ name: 'guarded', role: 'editor' });
    await expect(updateUser(db(), made.id, { role: 'viewer' })).rejects.toThrow(/callersChanging/);
    await expect(revokeToken(db(), made.tokenId, new Date())).rejects.toThrow(/callersChanging/);
    expect(await callerFromToken(db(), made.token)).toMatchObject({ role: 'editor' });
    await callersChanging(() => updateUser(db(), made.id, { role: 'viewer' }));
    expect(await callerFromToken(db(), made.token)).toMatchObject({ role: 'viewer' });
  });
});

describe('the cache itself', () => {
  const caller = { id: 'u1', name: 'someone', role: 'editor', tokenId: 't1', lastUsedAt: null };

  it('does not keep the answer of a lookup that overlapped a change', async () => {
    const database = {};
    const lookup = callerLookup();
    await callersChanging(async () => {
      // Nothing is kept while a change runs, nor served.
      cacheCaller(database, 'h', caller, callerLookup());
      expect(cachedCaller(database, 'h')).toBeUndefined();
    });
    cacheCaller(database, 'h', caller, lookup);
    expect(cachedCaller(database, 'h')).toBeUndefined();
    cacheCaller(database, 'h', caller, callerLookup());
    expect(cachedCaller(database, 'h')).toBe(caller);
  });

  it('forgets what it kept once a change starts', async () => {
    const database = {};
    cacheCaller(database, 'h', caller, callerLookup());
    await callersChanging(async () => {});
    expect(cachedCaller(database, 'h')).toBeUndefined();
  });

  it('keeps each database’s callers apart (two servers in one process)', () => {
    const a = {};
    const b = {};
    cacheCaller(a, 'same token', caller, callerLookup());
    expect(cachedCaller(a, 'same token')).toBe(caller);
    expect(cachedCaller(b, 'same token')).toBeUndefined();
  });
});
