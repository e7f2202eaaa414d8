// Environments (DESIGN.md rules 5, 8, 13): named sets of variables, linked to automations. Secret
// values are stored only sealed, shown masked to everyone but admins who ask to reveal them, and
// never written to the audit trail (which records keys only).
import { VARIABLE_NAME_MAX, variableNameProblem } from '@ferry/core';
import type { Db } from '@ferry/db';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { auditEntry, writeAudit } from '../audit.js';
import type { Caller, Context } from '../context.js';
import { fail } from '../errors.js';
import {
  lockAutomation,
  requireRevision,
  setAutomationEnvironment,
} from '../repositories/automation-repository.js';
import {
  applyVariables,
  deleteEnvironment,
  environmentIdByName,
  findEnvironment,
  insertEnvironment,
  linkedAutomations,
  listEnvironments,
  lockEnvironment,
  removeVariables,
  renameEnvironment,
  variableCount,
  variablesOf,
  visibleValue,
  type ApplyResult,
  type EnvironmentRow,
  type VariableInput,
} from '../repositories/environment-repository.js';
import {
  ENV_VALUE_MAX,
  formatEnvCsv,
  parseEnvCsv,
  parseEnvLines,
  type TextVariable,
} from '../env-text.js';
import { isUniqueViolation } from '../unique-violation.js';
import { can } from '../roles.js';
import { procedure, router } from '../trpc.js';
import { automationRef, ifRevision, name, refInput, textInput } from './inputs.js';

const MAX_VARIABLES = 10_000;
const MAX_TEXT = 10 * 1024 * 1024;

/** An environment by id or unique name. */
const environmentRef = refInput('must name an environment by its id or name');
const variableKey = textInput()
  .trim()
  .min(1, 'must not be empty')
  .max(VARIABLE_NAME_MAX, `must be at most ${VARIABLE_NAME_MAX} characters`);
const variableValue = textInput().max(ENV_VALUE_MAX, `must be at most ${ENV_VALUE_MAX} characters`);
/** merge (default): set the listed keys, keep the others; replace: the environment becomes exactly the list. */
const mode = z.enum(['merge', 'replace']).default('merge');
const reveal = z.boolean().default(false);
const text = (what: string) =>
  textInput().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`).describe(what);

const ref = (row: EnvironmentRow) => ({ id: row.id, name: row.name });

/** Only admins may see secret values (rule 13); asking without the right is refused, not ignored. */
/** An admin saw secret values: the audit names the keys (never the values). */
async function auditReveal(
  ctx: Parameters<typeof writeAudit>[1] & Parameters<typeof auditEntry>[0] & { db: Db },
  env: EnvironmentRow,
  rows: readonly { key: string; secret: boolean }[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const keys = rows.filter((r) => r.secret).map((r) => r.key);
  if (keys.length === 0) return;
  await writeAudit(
    ctx.db,
    ctx,
    auditEntry(ctx, 'environment.reveal', null, {
      details: { environment: env.name, keys, ...extra },
    }),
  );
}

function requireReveal(ctx: { caller: Caller }, wanted: boolean): boolean {
  if (wanted && !can(ctx.caller.role, 'admin'))
    fail('FORBIDDEN', `The ${ctx.caller.role} role may not reveal secret values.`, 'reveal');
  return wanted;
}

/** Keys only: secret values never reach the audit trail or the log. */
const changeDetails = (env: EnvironmentRow, result: ApplyResult) => ({
  environment: env.name,
  added: result.added,
  updated: result.updated,
  removed: result.removed,
});

const changeAnswer = (env: EnvironmentRow, result: ApplyResult, variables: number) => ({
  environment: ref(env),
  added: result.added,
  updated: result.updated,
  removed: result.removed,
  unchanged: result.unchanged,
  variables,
});

async function importText(
  ctx: Context,
  input: { environment: string; mode: 'merge' | 'replace' },
  rows: TextVariable[],
  field: string,
  format: 'csv' | 'lines',
) {
  if (rows.length > MAX_VARIABLES)
    fail('VALIDATION', `An import may hold at most ${MAX_VARIABLES} variables.`, field);
  const inputs: VariableInput[] = rows.map((r) => ({
    key: r.key,
    value: r.value,
    ...(r.secret !== undefined && { secret: r.secret }),
    path: field,
    label: `${field} line ${r.line}`,
  }));
  return ctx.db.transaction(async (tx) => {
    const env = await lockEnvironment(tx, input.environment);
    const result = await applyVariables(tx, ctx.services.secrets, env.id, inputs, input.mode);
    await writeAudit(
      tx,
      ctx,
      auditEntry(ctx, 'environment.import', null, {
        details: { ...changeDetails(env, result), format, mode: input.mode },
      }),
    );
    return changeAnswer(env, result, await variableCount(tx, env.id));
  });
}

export const environmentsRouter = router({
  /** Every environment with its variable count and the automations linked to it. */
  list: procedure('read').query(async ({ ctx }) => {
    return (await listEnvironments(ctx.db)).map(({ row, variables, secrets, automations }) => ({
      ...ref(row),
      variables,
      secrets,
      automations,
      createdAt: row.createdAt.toISOString(),
    }));
  }),

  create: procedure('admin')
    .input(z.object({ name }))
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.db.transaction(async (tx) => {
          if ((await environmentIdByName(tx, input.name)) !== null)
            fail('CONFLICT', `An environment named "${input.name}" already exists.`, 'name');
          const row = await insertEnvironment(tx, { id: uuidv7(), name: input.name });
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'environment.create', null, { details: { environment: input.name } }),
          );
          return { ...ref(row), createdAt: row.createdAt.toISOString() };
        });
      } catch (e) {
        if (isUniqueViolation(e))
          fail('CONFLICT', `An environment named "${input.name}" already exists.`, 'name');
        throw e;
      }
    }),

  rename: procedure('admin')
    .input(z.object({ environment: environmentRef, name }))
    .mutation(async ({ ctx, input }) => {
      try {
        return await ctx.db.transaction(async (tx) => {
          const env = await lockEnvironment(tx, input.environment);
          const clash = await environmentIdByName(tx, input.name);
          if (clash !== null && clash !== env.id)
            fail('CONFLICT', `An environment named "${input.name}" already exists.`, 'name');
          await renameEnvironment(tx, env.id, input.name);
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'environment.rename', null, {
              details: { from: env.name, to: input.name },
            }),
          );
          return { id: env.id, name: input.name };
        });
      } catch (e) {
        if (isUniqueViolation(e))
          fail('CONFLICT', `An environment named "${input.name}" already exists.`, 'name');
        throw e;
      }
    }),

  /** Refused while automations link it: unlink them first. */
  delete: procedure('admin')
    .input(z.object({ environment: environmentRef }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const env = await lockEnvironment(tx, input.environment);
        const linked = await linkedAutomations(tx, env.id);
        if (linked.length > 0)
          fail(
            'CONFLICT',
            `Environment "${env.name}" is linked to ${linked.map((a) => `"${a.name}"`).join(', ')}; unlink ${linked.length === 1 ? 'it' : 'them'} first.`,
            'environment',
            { automations: linked.map((a) => a.name) },
          );
        const variables = await variableCount(tx, env.id);
        await deleteEnvironment(tx, env.id);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'environment.delete', null, {
            details: { environment: env.name, variables },
          }),
        );
        return { ...ref(env), deleted: true };
      }),
    ),

  /** The variables; secret values masked unless an admin passes `reveal: true`. */
  show: procedure('read')
    .input(z.object({ environment: environmentRef, reveal }))
    .query(async ({ ctx, input }) => {
      const revealed = requireReveal(ctx, input.reveal);
      const env = await findEnvironment(ctx.db, input.environment);
      const rows = await variablesOf(ctx.db, env.id);
      const variables = rows.map((r) => ({
        key: r.key,
        value: visibleValue(ctx.services.secrets, r, revealed),
        secret: r.secret,
        updatedAt: r.updatedAt.toISOString(),
      }));
      if (revealed) await auditReveal(ctx, env, rows);
      return {
        ...ref(env),
        createdAt: env.createdAt.toISOString(),
        automations: await linkedAutomations(ctx.db, env.id),
        revealed,
        variables,
      };
    }),

  /** Set (add or change) variables; `secret` omitted keeps an existing variable's flag. */
  set: procedure('admin')
    .input(
      z.object({
        environment: environmentRef,
        variables: z
          .array(
            z.object({ key: variableKey, value: variableValue, secret: z.boolean().optional() }),
          )
          .min(1, 'must list at least one variable')
          .max(MAX_VARIABLES, `must list at most ${MAX_VARIABLES} variables`),
        mode,
      }),
    )
    .mutation(({ ctx, input }) => {
      const seen = new Map<string, number>();
      const inputs = input.variables.map((v, i): VariableInput => {
        const problem = variableNameProblem(v.key);
        if (problem) fail('VALIDATION', `${problem}.`, `variables.${i}.key`);
        const first = seen.get(v.key);
        if (first !== undefined)
          fail('VALIDATION', `The variable ${v.key} is given twice.`, `variables.${i}.key`);
        seen.set(v.key, i);
        return {
          key: v.key,
          value: v.value,
          ...(v.secret !== undefined && { secret: v.secret }),
          path: `variables.${i}.value`,
          label: `variables.${i}`,
        };
      });
      return ctx.db.transaction(async (tx) => {
        const env = await lockEnvironment(tx, input.environment);
        const result = await applyVariables(tx, ctx.services.secrets, env.id, inputs, input.mode);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'environment.set', null, {
            details: { ...changeDetails(env, result), mode: input.mode },
          }),
        );
        return changeAnswer(env, result, await variableCount(tx, env.id));
      });
    }),

  /** Remove variables; NOT_FOUND (and nothing removed) if one is not defined. */
  unset: procedure('admin')
    .input(
      z.object({
        environment: environmentRef,
        keys: z
          .array(variableKey)
          .min(1, 'must list at least one key')
          .max(MAX_VARIABLES, `must list at most ${MAX_VARIABLES} keys`),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        const env = await lockEnvironment(tx, input.environment);
        const keys = [...new Set(input.keys)];
        await removeVariables(tx, env, keys);
        await writeAudit(
          tx,
          ctx,
          auditEntry(ctx, 'environment.unset', null, {
            details: { environment: env.name, removed: keys },
          }),
        );
        return {
          environment: ref(env),
          removed: keys,
          variables: await variableCount(tx, env.id),
        };
      }),
    ),

  /**
   * Link an automation to an environment (replacing its previous link). A change of the link moves
   * the automation's revision on (what a release check and an upgrade see depends on it).
   */
  link: procedure('admin')
    .input(z.object({ automation: automationRef, environment: environmentRef, ifRevision }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        let row = await lockAutomation(tx, input.automation);
        requireRevision(row, input.ifRevision, 'ifRevision');
        const env = await lockEnvironment(tx, input.environment);
        const previous = row.environmentId
          ? await findEnvironment(tx, row.environmentId).then(ref)
          : null;
        const changed = row.environmentId !== env.id;
        if (changed) {
          row = await setAutomationEnvironment(tx, row, env.id);
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'environment.link', row.id, {
              details: {
                automation: row.name,
                environment: env.name,
                previous: previous?.name ?? null,
              },
            }),
          );
        }
        return {
          automation: { id: row.id, name: row.name, revision: row.revision },
          environment: ref(env),
          previous,
          changed,
        };
      }),
    ),

  unlink: procedure('admin')
    .input(z.object({ automation: automationRef, ifRevision }))
    .mutation(({ ctx, input }) =>
      ctx.db.transaction(async (tx) => {
        let row = await lockAutomation(tx, input.automation);
        requireRevision(row, input.ifRevision, 'ifRevision');
        const previous = row.environmentId
          ? await findEnvironment(tx, row.environmentId).then(ref)
          : null;
        if (previous) {
          row = await setAutomationEnvironment(tx, row, null);
          await writeAudit(
            tx,
            ctx,
            auditEntry(ctx, 'environment.unlink', row.id, {
              details: { automation: row.name, previous: previous.name },
            }),
          );
        }
        return {
          automation: { id: row.id, name: row.name, revision: row.revision },
          previous,
          changed: previous !== null,
        };
      }),
    ),

  /**
   * Import a CSV (header `key,value[,secret]`) or, with `format: 'lines'`, CB Bulk Add text
   * (`key=value` lines). All or nothing: a bad line is a VALIDATION error naming it.
   */
  importCsv: procedure('admin')
    .input(
      z.object({
        environment: environmentRef,
        csv: text('the CSV text'),
        format: z.enum(['csv', 'lines']).default('csv'),
        mode,
      }),
    )
    .mutation(({ ctx, input }) => {
      const rows =
        input.format === 'csv' ? parseEnvCsv(input.csv, 'csv') : parseEnvLines(input.csv, 'csv');
      return importText(ctx, input, rows, 'csv', input.format);
    }),

  /** CB's Bulk Add: `key=value` lines; `secret: true` marks every imported variable secret. */
  importLines: procedure('admin')
    .input(
      z.object({
        environment: environmentRef,
        lines: text('key=value lines'),
        secret: z.boolean().optional(),
        mode,
      }),
    )
    .mutation(({ ctx, input }) => {
      const rows = parseEnvLines(input.lines, 'lines').map((r) =>
        input.secret === undefined ? r : { ...r, secret: input.secret },
      );
      return importText(ctx, input, rows, 'lines', 'lines');
    }),

  /** The variables as CSV (`key,value,secret`); secrets masked unless an admin passes `reveal`. */
  exportCsv: procedure('read')
    .input(z.object({ environment: environmentRef, reveal }))
    .query(async ({ ctx, input }) => {
      const revealed = requireReveal(ctx, input.reveal);
      const env = await findEnvironment(ctx.db, input.environment);
      const rows = await variablesOf(ctx.db, env.id);
      const csv = formatEnvCsv(
        rows.map((r) => ({
          key: r.key,
          value: visibleValue(ctx.services.secrets, r, revealed),
          secret: r.secret,
        })),
      );
      if (revealed) await auditReveal(ctx, env, rows, { export: true });
      return { environment: ref(env), revealed, variables: rows.length, csv };
    }),
});
