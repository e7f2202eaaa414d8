// Secret environment variables as sealed values, across every environment: what proves which key
// the instance is under, and what a key rotation re-encrypts.
import { schema, type Db } from '@ferry/db';
import { and, eq, isNotNull } from 'drizzle-orm';

export interface SealedSecret {
  environmentId: string;
  key: string;
  ciphertext: string;
}

const sealed = and(eq(schema.envVariables.secret, true), isNotNull(schema.envVariables.ciphertext));

export async function anySecretVariable(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ key: schema.envVariables.key })
    .from(schema.envVariables)
    .where(eq(schema.envVariables.secret, true))
    .limit(1);
  return row !== undefined;
}

/** One sealed value, to try a key on; null when the instance has none. */
export async function oneSealedValue(db: Db): Promise<string | null> {
  const [row] = await db
    .select({ ciphertext: schema.envVariables.ciphertext })
    .from(schema.envVariables)
    .where(sealed)
    .limit(1);
  return row?.ciphertext ?? null;
}

/** Locks every environment, in id order: the order a secret write takes its environment's lock. */
export async function lockEveryEnvironment(tx: Db): Promise<void> {
  await tx
    .select({ id: schema.environments.id })
    .from(schema.environments)
    .orderBy(schema.environments.id)
    .for('update');
}

/** Every sealed secret, row-locked until the transaction ends. */
export async function lockSealedSecrets(tx: Db): Promise<SealedSecret[]> {
  const rows = await tx
    .select({
      environmentId: schema.envVariables.environmentId,
      key: schema.envVariables.key,
      ciphertext: schema.envVariables.ciphertext,
    })
    .from(schema.envVariables)
    .where(sealed)
    .for('update');
  return rows.flatMap((r) => (r.ciphertext === null ? [] : [{ ...r, ciphertext: r.ciphertext }]));
}

export async function resealSecret(tx: Db, secret: SealedSecret): Promise<void> {
  await tx
    .update(schema.envVariables)
    .set({ ciphertext: secret.ciphertext })
    .where(
      and(
        eq(schema.envVariables.environmentId, secret.environmentId),
        eq(schema.envVariables.key, secret.key),
      ),
    );
}
