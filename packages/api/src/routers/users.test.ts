import { must } from '@ferry/core';
import { schema } from '@ferry/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFromToken, createSession, callerFromSession } from '../accounts.js';
import { verifyPassword } from '../security.js';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

describe.each(testDatabaseKinds())('users on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const users = () => api.as('admin').users;
  const db = () => api.database.db;

  it('creates a user whose once-returned token works, and lists users without any hash', async () => {
    const made = await users().create({
      name: ' Zoë Tester ',
      role: 'editor',
      password: 'long enough',
    });
    expect(made).toMatchObject({ name: 'Zoë Tester', role: 'editor', disabled: false, tokens: 1 });
    expect(made.token).toMatch(/^ferry_/);
    const caller = await callerFromToken(db(), made.token);
    expect(caller).toMatchObject({ id: made.id, name: 'Zoë Tester', role: 'editor' });
    const zoe = must(caller, 'the caller the new token signs in as');
    expect(await api.as(zoe).users.me()).toMatchObject({
      id: made.id,
      role: 'editor',
      tokens: 1,
      via: 'token',
    });
    const created = await api.as(zoe).automations.create({ name: 'Made by Zoë' });
    expect(created.name).toBe('Made by Zoë');

    const list = await users().list();
    expect(list.map((u) => u.name)).toEqual(expect.arrayContaining(['admin', 'Zoë Tester']));
    expect(list.find((u) => u.id === made.id)).toEqual({
      id: made.id,
      name: 'Zoë Tester',
      role: 'editor',
      createdAt: expect.any(String),
      disabled: false,
      disabledAt: null,
      hasPassword: true,
      tokens: 1,
    });
    const text = JSON.stringify(list);
    expect(text).not.toContain('scrypt$');
    expect(text).not.toContain(made.token);
    expect(await failure(users().create({ name: 'Zoë Tester', role: 'viewer' }))).toMatchObject({
      code: 'CONFLICT',
      path: 'name',
    });
  });

  it('creates, lists and revokes tokens; a revoked token stops working', async () => {
    const own = await users().createToken({ name: 'ci' });
    expect(own).toMatchObject({ name: 'ci', user: { name: 'admin' } });
    expect(await callerFromToken(db(), own.token)).toMatchObject({ name: 'admin', role: 'admin' });
    const other = await users().create({ name: 'token owner', role: 'viewer' });
    const extra = await users().createToken({ user: 'token owner', name: 'laptop' });
    expect(extra.user).toEqual({ id: other.id, name: 'token owner' });

    const mine = await users().listTokens();
    expect(mine.map((t) => t.name)).toEqual(['ci']);
    const theirs = await users().listTokens({ user: other.id });
    expect(theirs.map((t) => [t.name, t.active])).toEqual([
      ['initial', true],
      ['laptop', true],
    ]);
    const everyone = await users().listTokens({ allUsers: true });
    expect(everyone.length).toBeGreaterThanOrEqual(3);
    const text = JSON.stringify(everyone);
    for (const t of [own.token, other.token, extra.token]) expect(text).not.toContain(t);
    expect(text).not.toMatch(/tokenHash|[0-9a-f]{64}/);

    const revoked = await users().revokeToken({ id: extra.id });
    expect(revoked).toMatchObject({ id: extra.id, active: false, changed: true });
    expect(await callerFromToken(db(), extra.token)).toBeNull();
    expect(await callerFromToken(db(), other.token)).not.toBeNull();
    expect(await users().revokeToken({ id: extra.id })).toMatchObject({ changed: false });
    expect((await users().list()).find((u) => u.id === other.id)?.tokens).toBe(1);
    expect(await failure(users().revokeToken({ id: 'nope' }))).toMatchObject({
      code: 'NOT_FOUND',
      path: 'id',
    });
  });

  it('changes roles, but never demotes or disables the last enabled admin', async () => {
    const u = await users().create({ name: 'promoted', role: 'viewer' });
    expect(await users().setRole({ user: 'promoted', role: 'release-acceptor' })).toMatchObject({
      role: 'release-acceptor',
      changed: true,
    });
    expect(await callerFromToken(db(), u.token)).toMatchObject({ role: 'release-acceptor' });
    expect(await failure(users().setRole({ user: 'admin', role: 'viewer' }))).toMatchObject({
      code: 'CONFLICT',
      path: 'role',
    });
    expect(await failure(users().disable({ user: 'admin' }))).toMatchObject({ code: 'CONFLICT' });
    // With a second admin, the first may step down.
    await users().setRole({ user: 'promoted', role: 'admin' });
    await users().setRole({ user: 'promoted', role: 'viewer' });
    expect((await users().list()).find((u) => u.name === 'admin')?.role).toBe('admin');
  });

  it('sets a password (at least 8 characters) and ends the web sessions', async () => {
    const u = await users().create({ name: 'pw user', role: 'viewer', password: 'first-password' });
    const session = await createSession(db(), u.id);
    expect(await callerFromSession(db(), session.token)).not.toBeNull();
    expect(await failure(users().setPassword({ user: u.id, password: 'short' }))).toMatchObject({
      code: 'VALIDATION',
      path: 'password',
    });
    expect(await users().setPassword({ user: 'pw user', password: 'second-password' })).toEqual({
      id: u.id,
      name: 'pw user',
      passwordSet: true,
    });
    const [stored] = await db().select().from(schema.users).where(eq(schema.users.id, u.id));
    const row = must(stored, 'the stored row of "pw user"');
    expect(await verifyPassword('second-password', row.passwordHash)).toBe(true);
    expect(await verifyPassword('first-password', row.passwordHash)).toBe(false);
    expect(await callerFromSession(db(), session.token)).toBeNull();
    expect(
      await api.as('anonymous').auth.login({ name: 'pw user', password: 'second-password' }),
    ).toMatchObject({ name: 'pw user' });
  });

  it('a disabled user is locked out until enabled again', async () => {
    const u = await users().create({ name: 'disabled user', role: 'editor' });
    expect(await users().disable({ user: u.id })).toMatchObject({ disabled: true, changed: true });
    expect(await callerFromToken(db(), u.token)).toBeNull();
    expect((await users().list()).find((x) => x.id === u.id)).toMatchObject({ disabled: true });
    expect(await failure(users().createToken({ user: u.id }))).toMatchObject({ code: 'CONFLICT' });
    expect(await users().disable({ user: u.id, disabled: false })).toMatchObject({
      disabled: false,
      changed: true,
    });
    expect(await callerFromToken(db(), u.token)).not.toBeNull();
  });

  it('audits every change without passwords or tokens', async () => {
    const u = await users().create({
      name: 'audited user',
      role: 'viewer',
      password: 'pw-in-audit?',
    });
    const t = await users().createToken({ user: u.id, name: 'audited token' });
    await users().setPassword({ user: u.id, password: 'new-pw-in-audit?' });
    await users().setRole({ user: u.id, role: 'editor' });
    await users().disable({ user: u.id });
    await users().revokeToken({ id: t.id });
    const { entries } = await api.as('viewer').audit.list({ limit: 6 });
    expect(entries.map((e) => [e.action, e.details?.user])).toEqual([
      ['token.revoke', 'audited user'],
      ['user.disable', 'audited user'],
      ['user.role', 'audited user'],
      ['user.password', 'audited user'],
      ['token.create', 'audited user'],
      ['user.create', 'audited user'],
    ]);
    const trail = JSON.stringify(await db().select().from(schema.auditLog));
    for (const s of ['pw-in-audit?', 'new-pw-in-audit?', t.token, u.token, 'scrypt$'])
      expect(trail).not.toContain(s);
  });

  it('every procedure but me is FORBIDDEN for other roles; bad input is VALIDATION with the field', async () => {
    const target = await users().create({ name: 'target', role: 'viewer' });
    for (const role of ['viewer', 'editor', 'release-creator', 'release-acceptor'] as const) {
      const u = api.as(role).users;
      expect(await u.me()).toMatchObject({ name: role, role });
      const calls = [
        u.list(),
        u.create({ name: 'x', role: 'viewer' }),
        u.setRole({ user: target.id, role: 'admin' }),
        u.setPassword({ user: target.id, password: 'long enough' }),
        u.disable({ user: target.id }),
        u.createToken({}),
        u.listTokens(),
        u.revokeToken({ id: target.tokenId }),
      ];
      for (const call of calls) expect(await failure(call)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await callerFromToken(db(), target.token)).toMatchObject({ role: 'viewer' });
    const before = await users().list();
    expect(
      await failure(users().create({ name: 'bad role', role: 'root' as 'admin' })),
    ).toMatchObject({ code: 'VALIDATION', path: 'role' });
    expect(
      await failure(users().create({ name: 'short pw', role: 'viewer', password: '1234567' })),
    ).toMatchObject({ code: 'VALIDATION', path: 'password' });
    expect(await failure(users().create({ name: '', role: 'viewer' }))).toMatchObject({
      code: 'VALIDATION',
      path: 'name',
    });
    expect(await failure(users().setRole({ user: 'nobody', role: 'viewer' }))).toMatchObject({
      code: 'NOT_FOUND',
      path: 'user',
    });
    expect(await users().list()).toEqual(before);
  });
});
