// Environments and their variables: lookup by id or unique name, and the one place variables are
// written (plain values in `value`, secret ones only sealed in `ciphertext`).
import { schema, type Db } from '@ferry/db';
import { and, asc, count, eq, inArray, isNotNull, notInArray, or, sql } from 'drizzle-orm';
import { fail } from '../errors.js';
import { assertKeyIsCurrent } from '../secret-key.js';
import type { SecretBox } from '../security.js';
import { SECRET_MASK } from '../env-text.js';

export type EnvironmentRow = typeof schema.environments.$inferSelect;
export type VariableRow = typeof schema.envVariables.$inferSelect;

const byRef = (ref: string) =>
  or(eq(schema.environments.id, ref), eq(schema.environments.name, ref));

/** The environment named by id or unique name; NOT_FOUND otherwise. */
export async function findEnvironment(
  db: Db,
  ref: string,
  field = 'environment',
): Promise<EnvironmentRow> {
  const rows = await db.select().from(schema.environments).where(byRef(ref)).limit(2);
  const row = rows.find((r) => r.id === ref) ?? rows[0];
  return row ?? fail('NOT_FOUND', `There is no environment "${ref}".`, field);
}

/** Same, locking the row until the transaction ends: changes to one environment never interleave. */
export async function lockEnvironment(
  tx: Db,
  ref: string,
  field = 'environment',
): Promise<EnvironmentRow> {
  const found = await findEnvironment(tx, ref, field);
  const [row] = await tx
    .select()
    .from(schema.environments)
    .where(eq(schema.environments.id, found.id))
    .for('update');
  return row ?? fail('NOT_FOUND', `There is no environment "${ref}".`, field);
}

export const linkedAutomations = (db: Db, environmentId: string) =>
  db
    .select({ id: schema.automations.id, name: schema.automations.name })
    .from(schema.automations)
    .where(eq(schema.automations.environmentId, environmentId))
    .orderBy(asc(schema.automations.name));

export const variablesOf = (db: Db, environmentId: string): Promise<VariableRow[]> =>
  db
    .select()
    .from(schema.envVariables)
    .where(eq(schema.envVariables.environmentId, environmentId))
    .orderBy(asc(schema.envVariables.key));

/** A variable's value as a caller may see it: secrets masked unless revealed. */
export function visibleValue(secrets: SecretBox, row: VariableRow, reveal: boolean): string {
  if (!row.secret) return row.value ?? '';
  if (!reveal) return SECRET_MASK;
  return openSecret(secrets, row);
}

function openSecret(secrets: SecretBox, row: VariableRow): string {
  try {
    return secrets.open(row.ciphertext ?? '');
  } catch {
    return fail(
      'PRECONDITION_FAILED',
      `The secret ${row.key} cannot be decrypted: FERRY_SECRET_KEY is not the key it was stored with.`,
      'reveal',
      { key: row.key },
    );
  }
}

/** One variable to write, with where it came from (for error messages). */
export interface VariableInput {
  key: string;
  value: string;
  /** Absent: keep the existing variable's flag (a new variable is plain). */
  secret?: boolean;
  /** The input field (e.g. `variables.2.value` or `csv`). */
  path: string;
  /** How to name the input in a message (e.g. `variables.2` or `csv line 3`). */
  label: string;
}

export interface ApplyResult {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
}

/**
 * Write variables into an environment (merge: the listed keys; replace: exactly the listed keys).
 * A secret given as the mask keeps its stored value. Only changed rows are written. Throws before
 * writing anything when an input is unusable; callers run it inside their transaction.
 */
export async function applyVariables(
  tx: Db,
  secrets: SecretBox,
  environmentId: string,
  inputs: readonly VariableInput[],
  mode: 'merge' | 'replace',
): Promise<ApplyResult> {
  const existing = new Map((await variablesOf(tx, environmentId)).map((v) => [v.key, v]));
  const writes: (typeof schema.envVariables.$inferInsert)[] = [];
  const result: ApplyResult = { added: [], updated: [], removed: [], unchanged: 0 };
  for (const input of inputs) {
    const old = existing.get(input.key);
    const secret = input.secret ?? old?.secret ?? false;
    if (secret && input.value === SECRET_MASK) {
      // The masked value a non-revealed listing showed: keep the stored secret.
      if (old?.secret) {
        result.unchanged++;
        continue;
      }
      fail(
        'VALIDATION',
        `${input.label}: the value of secret ${input.key} is the mask "${SECRET_MASK}", not a value; export with reveal to copy secrets.`,
        input.path,
        { key: input.key },
      );
    }
    if (old && old.secret === secret) {
      const same = secret
        ? safeOpen(secrets, old) === input.value
        : old.value === input.value && old.ciphertext === null;
      if (same) {
        result.unchanged++;
        continue;
      }
    }
    (old ? result.updated : result.added).push(input.key);
    writes.push({
      environmentId,
      key: input.key,
      secret,
      value: secret ? null : input.value,
      ciphertext: secret ? secrets.seal(input.value) : null,
      updatedAt: new Date(),
    });
  }
  if (writes.some((w) => w.secret)) await assertKeyIsCurrent(tx, secrets);
  for (let i = 0; i < writes.length; i += 500)
    await tx
      .insert(schema.envVariables)
      .values(writes.slice(i, i + 500))
      .onConflictDoUpdate({
        target: [schema.envVariables.environmentId, schema.envVariables.key],
        set: {
          value: sql`excluded.value`,
          secret: sql`excluded.secret`,
          ciphertext: sql`excluded.ciphertext`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  if (mode === 'replace') {
    const keep = new Set(inputs.map((i) => i.key));
    result.removed = [...existing.keys()].filter((k) => !keep.has(k));
    if (result.removed.length > 0)
      await tx
        .delete(schema.envVariables)
        .where(
          and(
            eq(schema.envVariables.environmentId, environmentId),
            keep.size > 0 ? notInArray(schema.envVariables.key, [...keep]) : undefined,
          ),
        );
  }
  return result;
}

function safeOpen(secrets: SecretBox, row: VariableRow): string | null {
  try {
    return secrets.open(row.ciphertext ?? '');
  } catch {
    return null;
  }
}

/** Remove keys from an environment; NOT_FOUND (and nothing removed) when one is not defined. */
export async function removeVariables(
  tx: Db,
  environment: EnvironmentRow,
  keys: readonly string[],
): Promise<void> {
  const present = new Set(
    (
      await tx
        .select({ key: schema.envVariables.key })
        .from(schema.envVariables)
        .where(
          and(
            eq(schema.envVariables.environmentId, environment.id),
            inArray(schema.envVariables.key, [...keys]),
          ),
        )
    ).map((r) => r.key),
  );
  const absent = keys.filter((k) => !present.has(k));
  if (absent.length > 0)
    fail(
      'NOT_FOUND',
      `Environment "${environment.name}" does not define ${absent.join(', ')}.`,
      'keys',
      { missing: absent },
    );
  await tx
    .delete(schema.envVariables)
    .where(
      and(
        eq(schema.envVariables.environmentId, environment.id),
        inArray(schema.envVariables.key, [...keys]),
      ),
    );
}

/**
 * The variable names the environment defines (what release checks compare against), or null when
 * no environment is linked. Only keys are read: secret values never leave their table here.
 */
export async function environmentVariableNames(
  db: Db,
  environmentId: string | null,
): Promise<string[] | null> {
  if (environmentId === null) return null;
  const rows = await db
    .select({ key: schema.envVariables.key })
    .from(schema.envVariables)
    .where(eq(schema.envVariables.environmentId, environmentId));
  return rows.map((r) => r.key);
}

/** The environment linked to an automation, as `{ id, name }`, or null. */
export async function environmentOf(
  db: Db,
  environmentId: string | null,
): Promise<{ id: string; name: string } | null> {
  if (environmentId === null) return null;
  const [row] = await db
    .select({ id: schema.environments.id, name: schema.environments.name })
    .from(schema.environments)
    .where(eq(schema.environments.id, environmentId));
  return row ?? null;
}

/** How many variables an environment defines. */
export const variableCount = async (db: Db, environmentId: string): Promise<number> =>
  (
    await db
      .select({ n: count() })
      .from(schema.envVariables)
      .where(eq(schema.envVariables.environmentId, environmentId))
  )[0]?.n ?? 0;

/** One line of the environment list: the row, its variable and secret counts, its automations. */
export interface EnvironmentListing {
  row: EnvironmentRow;
  variables: number;
  secrets: number;
  automations: { id: string; name: string }[];
}

/** Every environment by name, with what the list shows, in three queries whatever the count. */
export async function listEnvironments(db: Db): Promise<EnvironmentListing[]> {
  const envs = await db.select().from(schema.environments).orderBy(schema.environments.name);
  const counts = await db
    .select({
      environmentId: schema.envVariables.environmentId,
      n: count(),
      secrets: sql<number>`count(*) filter (where ${schema.envVariables.secret})`.mapWith(Number),
    })
    .from(schema.envVariables)
    .groupBy(schema.envVariables.environmentId);
  const links = await db
    .select({
      id: schema.automations.id,
      name: schema.automations.name,
      environmentId: schema.automations.environmentId,
    })
    .from(schema.automations)
    .where(isNotNull(schema.automations.environmentId))
    .orderBy(schema.automations.name);
  return envs.map((row) => {
    const c = counts.find((x) => x.environmentId === row.id);
    return {
      row,
      variables: c?.n ?? 0,
      secrets: c?.secrets ?? 0,
      automations: links
        .filter((l) => l.environmentId === row.id)
        .map((l) => ({ id: l.id, name: l.name })),
    };
  });
}

/** The id of the environment with this exact name, or null. */
/** The environment whose name is `name` ignoring case (names are unique ignoring case). */
export async function environmentIdByName(db: Db, name: string): Promise<string | null> {
  const [row] = await db
    .select({ id: schema.environments.id })
    .from(schema.environments)
    .where(sql`lower(${schema.environments.name}) = lower(${name})`);
  return row?.id ?? null;
}

export async function insertEnvironment(
  tx: Db,
  environment: { id: string; name: string },
): Promise<EnvironmentRow> {
  const [row] = await tx.insert(schema.environments).values(environment).returning();
  if (!row) throw new Error('inserting an environment returned no row');
  return row;
}

export async function renameEnvironment(tx: Db, id: string, name: string): Promise<void> {
  await tx.update(schema.environments).set({ name }).where(eq(schema.environments.id, id));
}

/** Delete an environment and (by cascade) its variables; the caller checked nothing links it. */
export async function deleteEnvironment(tx: Db, id: string): Promise<void> {
  await tx.delete(schema.environments).where(eq(schema.environments.id, id));
}
