// Users: lookup by id or unique name, and the guard that keeps at least one enabled admin.
import { schema, type Db } from '@ferry/db';
import { and, eq, isNull, ne, or, sql } from 'drizzle-orm';
import { fail } from '../errors.js';

export type UserRow = typeof schema.users.$inferSelect;

/** Serialises changes to roles and enabled state, so two admins cannot demote each other at once. */
const USERS_LOCK_KEY = 7346127004;

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
