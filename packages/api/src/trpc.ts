// tRPC set-up, top to bottom: init (with the error shape clients rely on) → middleware (auth, role)
// → the procedure builders every router uses.
import { initTRPC } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.js';
import {
  FERRY_CODE_OF,
  FerryApiError,
  UnavailableError,
  unavailableCause,
  type ApiErrorCode,
} from './errors.js';
import { inputSentence } from './input-messages.js';
import { can, type Permission } from './roles.js';

export interface ErrorData {
  /** Ferry's stable code (DESIGN.md error table). */
  ferryCode: ApiErrorCode | 'INTERNAL';
  /** The offending input field, when there is one. */
  path?: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Each procedure states the permission it needs; the role-matrix test reads it. */
export interface Meta {
  permission: Permission | 'public';
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      let data: ErrorData;
      let message = shape.message;
      let httpStatus = shape.data.httpStatus;
      if (error instanceof UnavailableError) {
        // Context creation may have failed (ctx undefined): the error knows its request.
        const requestId = ctx?.requestId ?? error.requestId;
        data = { ferryCode: 'UNAVAILABLE', ...(requestId && { requestId }) };
      } else if (error instanceof FerryApiError) {
        data = {
          ferryCode: error.ferryCode,
          ...(error.path && { path: error.path }),
          ...(error.details && { details: error.details }),
        };
      } else if (error.cause instanceof ZodError) {
        const issue = error.cause.issues[0];
        const path = issue?.path.join('.') ?? '';
        data = { ferryCode: 'VALIDATION', path };
        message = issue ? inputSentence(issue) : 'The input is not valid.';
      } else if (error.code === 'INTERNAL_SERVER_ERROR') {
        data = { ferryCode: 'INTERNAL', ...(ctx && { requestId: ctx.requestId }) };
        message = `Internal error${ctx ? ` (request ${ctx.requestId})` : ''}.`;
      } else if (FERRY_CODE_OF[error.code] === undefined && httpStatus < 500) {
        // tRPC refusing a request it cannot read (a wrong content type or method, …): the
        // client's mistake, reported like any other bad input.
        data = { ferryCode: 'VALIDATION' };
        httpStatus = 400;
        if (error.code === 'UNSUPPORTED_MEDIA_TYPE')
          message = 'Send the input as JSON, with content-type application/json.';
      } else {
        data = { ferryCode: FERRY_CODE_OF[error.code] ?? 'INTERNAL' };
      }
      // No stack traces to clients, ever.
      return {
        message,
        code: shape.code,
        data: { code: shape.data.code, httpStatus, ...data },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * A procedure whose database went away mid-way answers 503 UNAVAILABLE (a client may retry it),
 * not 500: the error keeps its driver cause for the log but says only that to the client.
 */
function unavailableIfDatabaseGone<R extends { ok: boolean }>(ctx: Context, result: R): R {
  if (result.ok) return result;
  const error = (result as unknown as { error: Error }).error;
  if (!(error instanceof FerryApiError) && unavailableCause(error))
    throw new UnavailableError(ctx.requestId, error.cause ?? error);
  return result;
}

// One middleware per procedure (each tRPC middleware is a call and a context object per request):
// the request's logger names the procedure (`path`) for everything logged inside it, the caller
// and role are checked, and a vanished database becomes 503.

export const publicProcedure = t.procedure
  .meta({ permission: 'public' })
  .use(async ({ ctx, path, next }) =>
    unavailableIfDatabaseGone(ctx, await next({ ctx: { log: ctx.log.child({ path }) } })),
  );

/** A procedure only callers whose role grants `permission` may run. */
export const procedure = (permission: Permission) =>
  t.procedure.meta({ permission }).use(async ({ ctx, path, next }) => {
    const { caller } = ctx;
    if (caller === null) throw new FerryApiError('UNAUTHORIZED', 'Sign in or pass an API token.');
    if (!can(caller.role, permission))
      throw new FerryApiError(
        'FORBIDDEN',
        `The ${caller.role} role may not do this (needs "${permission}").`,
      );
    return unavailableIfDatabaseGone(
      ctx,
      await next({ ctx: { log: ctx.log.child({ path }), caller } }),
    );
  });
