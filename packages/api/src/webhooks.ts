// Webhook events: which there are, how a change raises one (emitEvent, inside its own transaction),
// and how one delivery attempt is made (a signed JSON POST to a public address). The worker that
// runs the attempts after the commit is in job-queue.ts.
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Db } from '@ferry/db';
import PgBoss from 'pg-boss';
import { uuidv7 } from 'uuidv7';
import {
  guardedLookup,
  hostOf,
  isPrivateAddress,
  PrivateAddressError,
} from './outbound-address.js';
import { insertDelivery, webhooksFor } from './repositories/webhook-repository.js';
import { JOB_SCHEMA, jobExecutor } from './repositories/job-queue-repository.js';
import type { WebhookEvent } from './webhook-events.js';

export { WEBHOOK_EVENTS, type WebhookEvent } from './webhook-events.js';

/** The queues (created with the job schema, migration 0007). */
export const WEBHOOK_QUEUE = 'ferry.webhook';
export const SCHEDULE_QUEUE = 'ferry.scheduled-upgrade';

/** Headers of every delivery. */
export const EVENT_HEADER = 'x-ferry-event';
export const DELIVERY_HEADER = 'x-ferry-delivery';
export const SIGNATURE_HEADER = 'x-ferry-signature-256';

/**
 * pg-boss used only to write jobs, never started: every send names the executor of the caller's
 * transaction, so a job exists exactly when the change that enqueued it commits.
 */
let sender: PgBoss | undefined;
export function jobSender(): PgBoss {
  return (sender ??= new PgBoss({
    db: { executeSql: () => Promise.reject(new Error('jobSender: pass { db } to send')) },
    schema: JOB_SCHEMA,
  }));
}

/**
 * Raises `event` inside the transaction `tx` of the change it reports: one delivery per subscribed
 * webhook (with the exact body every attempt sends) and one job each. Nothing leaves the process
 * here; a worker posts the deliveries once the transaction has committed, and a rollback takes them
 * back with the change. `data` is JSON: what happened, as the change's API answer shows it.
 */
export async function emitEvent(
  tx: Db,
  event: WebhookEvent,
  data: unknown,
  subscribed?: Awaited<ReturnType<typeof webhooksFor>>,
): Promise<void> {
  // `subscribed`: webhooksFor(tx, event), read by the caller in the same transaction (alongside
  // its writes, in one round trip).
  const hooks = subscribed ?? (await webhooksFor(tx, event));
  if (hooks.length === 0) return;
  const id = uuidv7();
  const body = JSON.stringify({ id, event, at: new Date().toISOString(), data });
  for (const hook of hooks) {
    const deliveryId = uuidv7();
    await insertDelivery(tx, {
      id: deliveryId,
      webhookId: hook.id,
      event,
      body,
      status: 'pending',
    });
    await jobSender().send(WEBHOOK_QUEUE, { deliveryId }, { db: jobExecutor(tx) });
  }
}

/** emitEvent, answering `data`: `return emitted(tx, 'release.upgraded', { … })` in a procedure. */
export async function emitted<T>(tx: Db, event: WebhookEvent, data: T): Promise<T> {
  await emitEvent(tx, event, data);
  return data;
}

/** The signature header's value: HMAC-SHA256 of the raw body under the webhook's secret. */
export const signature = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

export interface AttemptOutcome {
  /** The receiver's HTTP status (2xx: delivered). */
  httpStatus?: number;
  /** Why there was no 2xx answer (no secret in it). */
  error?: string;
  /** The address is not allowed: retrying cannot help. */
  refused?: boolean;
}

export interface DeliveryRequest {
  url: string;
  event: string;
  deliveryId: string;
  body: string;
  secret: string | null;
  allowPrivate: boolean;
  timeoutMs: number;
}

/** One POST of a delivery. Redirects are not followed (a 3xx is a failed attempt). */
export function attemptDelivery(req: DeliveryRequest): Promise<AttemptOutcome> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve({ error: 'not a valid URL', refused: true });
  }
  const host = hostOf(url);
  if (!req.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host))
    return Promise.resolve({ error: new PrivateAddressError(host, host).message, refused: true });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Ferry-Webhook/1',
    [EVENT_HEADER]: req.event,
    [DELIVERY_HEADER]: req.deliveryId,
    'content-length': String(Buffer.byteLength(req.body)),
  };
  if (req.secret !== null) headers[SIGNATURE_HEADER] = signature(req.secret, req.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers,
        lookup: guardedLookup(req.allowPrivate),
        timeout: req.timeoutMs,
      },
      (res) => {
        // The answer's body is not kept; reading it lets the connection finish.
        res.resume();
        res.on('end', () => resolve({ httpStatus: res.statusCode ?? 0 }));
        res.on('error', (e) => resolve({ httpStatus: res.statusCode ?? 0, error: e.message }));
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)),
    );
    outgoing.on('error', (e) =>
      resolve({ error: e.message, ...(e instanceof PrivateAddressError && { refused: true }) }),
    );
    outgoing.end(req.body);
  });
}
