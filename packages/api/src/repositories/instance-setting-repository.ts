// Instance-wide settings (one jsonb value per key): the policy, the secret key's check value.
import { schema, type Db } from '@ferry/db';
import { eq } from 'drizzle-orm';

/** The value under `key` (undefined if unset), row-locked until the transaction ends when asked. */
export async function readSetting(
  db: Db,
  key: string,
  lock?: 'update' | 'share',
): Promise<unknown> {
  const query = db
    .select({ value: schema.instanceSettings.value })
    .from(schema.instanceSettings)
    .where(eq(schema.instanceSettings.key, key));
  const [row] = await (lock ? query.for(lock) : query);
  return row?.value;
}

/** Sets `key` unless it is set: of several writers at once, the first wins. */
export async function insertSettingIfAbsent(db: Db, key: string, value: unknown): Promise<void> {
  await db.insert(schema.instanceSettings).values({ key, value }).onConflictDoNothing();
}

export async function writeSetting(db: Db, key: string, value: unknown): Promise<void> {
  await db
    .insert(schema.instanceSettings)
    .values({ key, value })
    .onConflictDoUpdate({ target: schema.instanceSettings.key, set: { value } });
}
