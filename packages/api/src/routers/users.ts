// Users and API tokens (admin only, but `me`). Passwords are stored as scrypt hashes and tokens as
// SHA-256: answers never carry either, and a new token is shown exactly once.
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { createToken } from '../accounts.js';
import { auditEntry, writeAudit } from '../audit.js';
import { callersChanging } from '../caller-cache.js';
import { fail } from '../errors.js';
import {
  listTokens,
  lockToken,
  revokeToken,
  tokenCounts,
  type TokenRow,
} from '../repositories/token-repository.js';
import {
  endSessions,
  findUser,
  insertUser,
  listUsers,
  lockUser,
  requireAnotherAdmin,
  updateUser,
  userByName,
  type UserRow,
} from '../repositories/user-repository.js';
import { ROLES } from '../roles.js';
import { hashPassword } from '../security.js';
import { procedure, router } from '../trpc.js';
import { isUniqueViolation } from '../unique-violation.js';
import { name, refInput, shortName, textInput } from './inputs.js';

const role = z.enum(ROLES);
const password = textInput()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'must be at most 1024 characters');
/** A user by id or unique name. */
const userRef = refInput('must name a user by id or name');
const tokenName = shortName().min(1, 'must not be empty');

const userView = (u: UserRow, tokens: number) => ({
  id: u.id,
  name: u.name,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
  disabled: u.disabledAt !== null,
  disabledAt: u.disabledAt?.toISOString() ?? null,
  hasPassword: u.passwordHash !== null,
  tokens,
});

const tokenView = (t: TokenRow, userName: string) => ({
  id: t.id,
  name: t.name,
  user: { id: t.userId, name: userName },
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
  active: t.revokedAt === null,
});

export const usersRouter = router({
  /** The caller: any signed-in role. */
  me: procedure('read').query(async ({ ctx }) => {
    const user = await findUser(ctx.db, ctx.caller.id);
    return {
      ...userView(user, (await tokenCounts(ctx.db, user.id)).get(user.id) ?? 0),
      via: ctx.caller.via,
    };
  }),

  list: procedure('admin').query(async ({ ctx }) => {
    const users = await listUsers(ctx.db);
    const counts = await tokenCounts(ctx.db);
    return users.map((u) => userView(u, counts.get(u.id) ?? 0));
  }),

  /** A new user with a first API token, returned once under `token`. */
  create: procedure('admin')
    .input(z.object({ name, role, password: password.optional() }))
    .mutation(async ({ ctx, input }) => {
      const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
      const clash = () => fail('CONFLICT', `A user named "${input.name}" already exists.`, 'name');
      try {
        return await ctx.db.transaction(async (tx) => {
          if (await userByName(tx, input.name)) clash();
          const user = await insertUser(tx, {
            id: uuidv7(),
            name: input.name,
            role: input.role,
            passwordHash,
          });
          const token = await createToken(tx, user.id, 'initial');
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'user.create', null, {
              details: {
                user: user.name,
                role: user.role,
                password: passwordHash !== null,
                tokenId: token.id,
              },
            }),
          );
          return { ...userView(user, 1), tokenId: token.id, token: token.token };
        });
      } catch (e) {
        if (isUniqueViolation(e)) clash();
        throw e;
      }
    }),

  /** Refused (CONFLICT) when it would leave no enabled admin. */
  setRole: procedure('admin')
    .input(z.object({ user: userRef, role }))
    .mutation(({ ctx, input }) =>
      callersChanging(() =>
        ctx.db.transaction(async (tx) => {
          const user = await lockUser(tx, input.user);
          if (input.role !== 'admin') await requireAnotherAdmin(tx, user, 'role');
          if (user.role !== input.role) {
            await updateUser(tx, user.id, { role: input.role });
            await writeAudit(
              tx,
              ctx,
              auditEntry(ctx, 'user.role', null, {
                details: { user: user.name, from: user.role, to: input.role },
              }),
            );
          }
          return {
            id: user.id,
            name: user.name,
            role: input.role,
            changed: user.role !== input.role,
          };
        }),
      ),
    ),

  /** Sets a new password and ends the user's web sessions. */
  setPassword: procedure('admin')
    .input(z.object({ user: userRef, password }))
    .mutation(async ({ ctx, input }) => {
      const passwordHash = await hashPassword(input.password);
      return callersChanging(() =>
        ctx.db.transaction(async (tx) => {
          const user = await lockUser(tx, input.user);
          await updateUser(tx, user.id, { passwordHash });
          await endSessions(tx, user.id);
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'user.password', null, { details: { user: user.name } }),
          );
          return { id: user.id, name: user.name, passwordSet: true };
        }),
      );
    }),

  /**
   * Disable (default) or re-enable a user. A disabled user's tokens and sessions stop working;
   * refused (CONFLICT) for the last enabled admin.
   */
  disable: procedure('admin')
    .input(z.object({ user: userRef, disabled: z.boolean().default(true) }))
    .mutation(({ ctx, input }) =>
      callersChanging(() =>
        ctx.db.transaction(async (tx) => {
          const user = await lockUser(tx, input.user);
          if (input.disabled) await requireAnotherAdmin(tx, user, 'user');
          const changed = (user.disabledAt !== null) !== input.disabled;
          const disabledAt = input.disabled ? (user.disabledAt ?? new Date()) : null;
          if (changed) {
            await updateUser(tx, user.id, { disabledAt });
            if (input.disabled) await endSessions(tx, user.id);
            await writeAudit(
              tx,
              ctx,
              auditEntry(ctx, input.disabled ? 'user.disable' : 'user.enable', null, {
                details: { user: user.name },
              }),
            );
          }
          return {
            id: user.id,
            name: user.name,
            disabled: input.disabled,
            disabledAt: disabledAt?.toISOString() ?? null,
            changed,
          };
        }),
      ),
    ),

  /** A new API token for a user (default: the caller), returned once. */
  createToken: procedure('admin')
    .input(z.object({ user: userRef.optional(), name: tokenName.default('api') }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const user = await findUser(tx, input.user ?? ctx.caller.id);
        if (user.disabledAt !== null)
          fail('CONFLICT', `"${user.name}" is disabled; enable the user first.`, 'user');
        const token = await createToken(tx, user.id, input.name);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'token.create', null, {
            details: { user: user.name, tokenId: token.id, name: input.name },
          }),
        );
        return {
          id: token.id,
          name: input.name,
          user: { id: user.id, name: user.name },
          token: token.token,
        };
      }),
    ),

  /** Tokens (never their secrets) of a user (default: the caller), or of everyone with `allUsers`. */
  listTokens: procedure('admin')
    .input(
      z
        .object({ user: userRef.optional(), allUsers: z.boolean().default(false) })
        .default({ allUsers: false }),
    )
    .query(async ({ ctx, input }) => {
      if (input.allUsers && input.user !== undefined)
        fail('VALIDATION', 'Pass either user or allUsers, not both.', 'allUsers');
      const user = input.allUsers ? null : await findUser(ctx.db, input.user ?? ctx.caller.id);
      const rows = await listTokens(ctx.db, user?.id ?? null);
      return rows.map((r) => tokenView(r.token, r.userName));
    }),

  /** Revoke a token: it stops working at once. Revoking a revoked token changes nothing. */
  revokeToken: procedure('admin')
    .input(z.object({ id: refInput('must give the id of a token') }))
    .mutation(({ ctx, input }) =>
      callersChanging(() =>
        ctx.db.transaction(async (tx) => {
          const row = await lockToken(tx, input.id);
          if (!row) return fail('NOT_FOUND', `There is no token "${input.id}".`, 'id');
          const changed = row.token.revokedAt === null;
          const revokedAt = row.token.revokedAt ?? new Date();
          if (changed) {
            await revokeToken(tx, row.token.id, revokedAt);
            await writeAudit(
              tx,
              ctx,
              auditEntry(ctx, 'token.revoke', null, {
                details: { user: row.userName, tokenId: row.token.id, name: row.token.name },
              }),
            );
          }
          return { ...tokenView({ ...row.token, revokedAt }, row.userName), changed };
        }),
      ),
    ),
});
