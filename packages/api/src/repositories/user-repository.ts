// Users and their web sessions: lookup by id or unique name, the user writes, and the guard that
// keeps at least one enabled admin.
import { schema, type Db } from '@ferry/db';
import { and, asc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import { assertCallersChanging } from '../caller-cache.js';
import { fail } from '../errors.js';

export type UserRow = typeof schema.users.$inferSelect;

/** Serialises changes to roles and enabled state, so two admins cannot demote each other at once. */
const USERS_LOCK_KEY = 7346127004;
/** Serialises the first admin's creation, even across servers starting at once. */
const BOOTSTRAP_LOCK_KEY = 7346127002;

export async function lockAdminBootstrap(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(BOOTSTRAP_LOCK_KEY))})`);
}

/** The enabled user behind an unexpired session's hash; null if none. */
export async function sessionOwner(
  db: Db,
  tokenHash: string,
  now: Date,
): Promise<{ id: string; name: string; role: string } | null> {
  const [row] = await db
    .select({ id: schema.users.id, name: schema.users.name, role: schema.users.role })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(
      and(
        eq(schema.sessions.tokenHash, tokenHash),
        gt(schema.sessions.expiresAt, now),
        isNull(schema.users.disabledAt),
      ),
    );
  return row ?? null;
}

export async function insertSession(
  db: Db,
  session: Pick<typeof schema.sessions.$inferInsert, 'id' | 'userId' | 'tokenHash' | 'expiresAt'>,
): Promise<void> {
  await db.insert(schema.sessions).values(session);
}

export async function findUser(db: Db, ref: string, field = 'user'): Promise<UserRow> {
  const rows = await db
    .select()
    .from(schema.users)
    .where(or(eq(schema.users.id, ref), eq(schema.users.name, ref)))
    .limit(2);
  const row = rows.find((r) => r.id === ref) ?? rows[0];
  return row ?? fail('NOT_FOUND', `There is no user "${ref}".`, field);
}

/** The user, locked (with every role change) until the transaction ends. */
export async function lockUser(tx: Db, ref: string, field = 'user'): Promise<UserRow> {
  await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(USERS_LOCK_KEY))})`);
  const found = await findUser(tx, ref, field);
  const [row] = await tx
    .select()
    .from(schema.users)
    .where(eq(schema.users.id, found.id))
    .for('update');
  return row ?? fail('NOT_FOUND', `There is no user "${ref}".`, field);
}

/** CONFLICT when `user` is the last enabled admin: the instance would have nobody to manage it. */
export async function requireAnotherAdmin(tx: Db, user: UserRow, field: string): Promise<void> {
  if (user.role !== 'admin' || user.disabledAt !== null) return;
  const [other] = await tx
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(
      and(
        eq(schema.users.role, 'admin'),
        isNull(schema.users.disabledAt),
        ne(schema.users.id, user.id),
      ),
    )
    .limit(1);
  if (!other)
    fail(
      'CONFLICT',
      `"${user.name}" is the last enabled admin; make another user admin first.`,
      field,
    );
}

/** The user with this exact name, or null (sign-in: no error, the caller answers alike). */
export async function userByName(db: Db, name: string): Promise<UserRow | null> {
  const [user] = await db.select().from(schema.users).where(eq(schema.users.name, name));
  return user ?? null;
}

/** Every user, by name. */
export const listUsers = (db: Db): Promise<UserRow[]> =>
  db.select().from(schema.users).orderBy(asc(schema.users.name));

export async function insertUser(
  tx: Db,
  user: Pick<typeof schema.users.$inferInsert, 'id' | 'name' | 'role' | 'passwordHash'>,
): Promise<UserRow> {
  const [row] = await tx.insert(schema.users).values(user).returning();
  if (!row) throw new Error('inserting a user returned no row');
  return row;
}

/** Change a user's role, password hash or disabled time. */
export async function updateUser(
  tx: Db,
  id: string,
  change: Partial<Pick<UserRow, 'role' | 'passwordHash' | 'disabledAt'>>,
): Promise<void> {
  assertCallersChanging('updateUser');
  await tx.update(schema.users).set(change).where(eq(schema.users.id, id));
}

/** End every web session of a user (a new password, a disabled account). */
export async function endSessions(tx: Db, userId: string): Promise<void> {
  await tx.delete(schema.sessions).where(eq(schema.sessions.userId, userId));
}

/** End the one session with this token hash (sign-out); none is fine. */
export async function endSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(schema.sessions).where(eq(schema.sessions.tokenHash, tokenHash));
}
