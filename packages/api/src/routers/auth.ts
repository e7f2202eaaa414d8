// Sign-in for the web UI (a session cookie) and the caller's own identity.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SESSION_COOKIE, createSession } from '../accounts.js';
import { fail } from '../errors.js';
import { endSession, userByName } from '../repositories/user-repository.js';
import { hashPassword, hashToken, verifyPassword } from '../security.js';
import { admitSignIn, signInFailed, signInSucceeded } from '../sign-in-throttle.js';
import { procedure, publicProcedure, router } from '../trpc.js';
import { textInput } from './inputs.js';

/** A hash no password matches in practice, checked for unknown names so they take as long to refuse. */
let unknownUser: Promise<string> | undefined;
const unknownUserHash = () => (unknownUser ??= hashPassword(randomBytes(32).toString('base64')));

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ name: textInput().min(1), password: textInput().min(1) }))
    .mutation(async ({ ctx, input }) => {
      const admitted = await admitSignIn(ctx, {
        name: input.name,
        ...(ctx.clientAddress && { address: ctx.clientAddress }),
      });
      const user = await userByName(ctx.db, input.name);
      // The same answer, and the same work, whether the user or the password is wrong.
      const passwordOk = await verifyPassword(
        input.password,
        user?.passwordHash ?? (await unknownUserHash()),
      );
      if (!user || user.disabledAt !== null || !passwordOk) {
        await signInFailed(ctx, admitted);
        return fail('UNAUTHORIZED', 'Wrong user name or password.', 'password');
      }
      await signInSucceeded(ctx, admitted);
      const { token, expiresAt } = await createSession(ctx.db, user.id);
      ctx.setCookie?.(
        `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Expires=${expiresAt.toUTCString()}`,
      );
      return {
        id: user.id,
        name: user.name,
        role: user.role,
        expiresAt: expiresAt.toISOString(),
      };
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await endSession(ctx.db, hashToken(ctx.sessionToken));
    ctx.setCookie?.(`${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
    return { signedOut: true };
  }),

  whoami: procedure('read').query(({ ctx }) => ({
    id: ctx.caller.id,
    name: ctx.caller.name,
    role: ctx.caller.role,
    via: ctx.caller.via,
  })),
});
