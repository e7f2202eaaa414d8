// Webhooks, their deliveries (one per event and webhook, with the exact body) and each delivery's
// attempts: the rows behind `ferry webhook …` and the worker that posts them.
import { schema, type Db } from '@ferry/db';
import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';

export type WebhookRow = typeof schema.webhooks.$inferSelect;
export type DeliveryRow = typeof schema.webhookDeliveries.$inferSelect;
export type AttemptRow = typeof schema.webhookAttempts.$inferSelect;

export async function insertWebhook(tx: Db, row: typeof schema.webhooks.$inferInsert) {
  await tx.insert(schema.webhooks).values(row);
}

export const listWebhooks = (db: Db): Promise<WebhookRow[]> =>
  db
    .select()
    .from(schema.webhooks)
    .orderBy(asc(schema.webhooks.createdAt), asc(schema.webhooks.id));

export async function webhookById(db: Db, id: string): Promise<WebhookRow | null> {
  const [row] = await db.select().from(schema.webhooks).where(eq(schema.webhooks.id, id));
  return row ?? null;
}

/** Removes a webhook with its deliveries and their attempts; false when there was none. */
export async function deleteWebhook(tx: Db, id: string): Promise<boolean> {
  const gone = await tx
    .delete(schema.webhooks)
    .where(eq(schema.webhooks.id, id))
    .returning({ id: schema.webhooks.id });
  return gone.length > 0;
}

/** The webhooks subscribed to `event`. */
export const webhooksFor = (db: Db, event: string): Promise<WebhookRow[]> =>
  db
    .select()
    .from(schema.webhooks)
    .where(sql`${schema.webhooks.events} @> ${JSON.stringify([event])}::jsonb`)
    .orderBy(asc(schema.webhooks.id));

export async function insertDelivery(tx: Db, row: typeof schema.webhookDeliveries.$inferInsert) {
  await tx.insert(schema.webhookDeliveries).values(row);
}

/** A delivery with its webhook, locked until the transaction ends (null: the webhook was removed). */
export async function lockDelivery(
  tx: Db,
  id: string,
): Promise<{ delivery: DeliveryRow; webhook: WebhookRow } | null> {
  const [row] = await tx
    .select({ delivery: schema.webhookDeliveries, webhook: schema.webhooks })
    .from(schema.webhookDeliveries)
    .innerJoin(schema.webhooks, eq(schema.webhooks.id, schema.webhookDeliveries.webhookId))
    .where(eq(schema.webhookDeliveries.id, id))
    .for('update', { of: schema.webhookDeliveries });
  return row ?? null;
}

/** Records one attempt and where the delivery now stands. */
export async function recordAttempt(
  tx: Db,
  attempt: typeof schema.webhookAttempts.$inferInsert,
  status: string,
): Promise<void> {
  await tx.insert(schema.webhookAttempts).values(attempt);
  await tx
    .update(schema.webhookDeliveries)
    .set({
      attempts: attempt.attempt,
      status,
      ...(status !== 'pending' && { finishedAt: attempt.at }),
    })
    .where(eq(schema.webhookDeliveries.id, attempt.deliveryId));
}

/** The latest deliveries (of one webhook, or of all), newest first, with their attempts. */
export async function recentDeliveries(
  db: Db,
  { webhookId, limit }: { webhookId?: string; limit: number },
): Promise<(DeliveryRow & { url: string; attemptLog: AttemptRow[] })[]> {
  const rows = await db
    .select({ delivery: schema.webhookDeliveries, url: schema.webhooks.url })
    .from(schema.webhookDeliveries)
    .innerJoin(schema.webhooks, eq(schema.webhooks.id, schema.webhookDeliveries.webhookId))
    .where(webhookId === undefined ? undefined : eq(schema.webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(schema.webhookDeliveries.createdAt), desc(schema.webhookDeliveries.id))
    .limit(limit);
  const ids = rows.map((r) => r.delivery.id);
  const attempts =
    ids.length === 0
      ? []
      : await db
          .select()
          .from(schema.webhookAttempts)
          .where(inArray(schema.webhookAttempts.deliveryId, ids))
          .orderBy(asc(schema.webhookAttempts.attempt));
  return rows.map((r) => ({
    ...r.delivery,
    url: r.url,
    attemptLog: attempts.filter((a) => a.deliveryId === r.delivery.id),
  }));
}

/** Every sealed webhook secret, row-locked until the transaction ends (key rotation). */
export const lockWebhookSecrets = (tx: Db) =>
  tx
    .select({ id: schema.webhooks.id, ciphertext: schema.webhooks.secretCiphertext })
    .from(schema.webhooks)
    .where(isNotNull(schema.webhooks.secretCiphertext))
    .for('update');

export async function resealWebhookSecret(tx: Db, id: string, ciphertext: string): Promise<void> {
  await tx
    .update(schema.webhooks)
    .set({ secretCiphertext: ciphertext })
    .where(and(eq(schema.webhooks.id, id), isNotNull(schema.webhooks.secretCiphertext)));
}
