// Ferry's tables. Content lives in `nodes` (content addressed, shared by every automation, version
// and release); everything else points at root hashes.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  customType,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const stamp = (name: string) =>
  timestamp(name, { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const createdAt = () => stamp('created_at');

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * A SHA-256 stored as its 32 bytes, read and written as 64 hex characters. Anything else is
 * refused (it would not survive the conversion).
 */
const hashBytes = customType<{ data: string; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (hex) => {
    if (!HEX_HASH.test(hex)) throw new Error(`not a SHA-256 in hex: ${JSON.stringify(hex)}`);
    return Buffer.from(hex, 'hex');
  },
  fromDriver: (value) =>
    typeof value === 'string' && (value as string).startsWith('\\x')
      ? (value as string).slice(2)
      : Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex'),
});

/**
 * Canonical JSON of an entity or tree node, under its SHA-256 (32 bytes). The body is stored
 * plain, deflated, or as a delta against `base`: node-store.ts reads and writes it.
 */
export const nodes = pgTable('nodes', {
  hash: bytea('hash').primaryKey(),
  body: bytea('body').notNull(),
  base: bytea('base'),
});

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  role: text('role').notNull(),
  passwordHash: text('password_hash'),
  createdAt: createdAt(),
  disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
});

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** SHA-256 of the token: tokens are random and long, so a fast hash is safe and indexable. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
});

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const environments = pgTable(
  'environments',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('environments_name_lower').on(sql`lower(${t.name})`)],
);

export const envVariables = pgTable(
  'env_variables',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** Plain value; null for a secret, whose value is only in `ciphertext`. */
    value: text('value'),
    secret: boolean('secret').notNull().default(false),
    /** AES-256-GCM of a secret value (iv, tag and data, base64). */
    ciphertext: text('ciphertext'),
    updatedAt: stamp('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.key] })],
);

export const automations = pgTable(
  'automations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    revision: integer('revision').notNull().default(1),
    root: text('root').notNull(),
    environmentId: text('environment_id').references(() => environments.id, {
      onDelete: 'restrict',
    }),
    lastVersionNumber: integer('last_version_number').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: stamp('updated_at'),
  },
  // Names are unique ignoring case ("ShopifyBot" and "shopifybot" would be one name to a reader).
  (t) => [uniqueIndex('automations_name_lower').on(sql`lower(${t.name})`)],
);

export const agents = pgTable('agents', {
  id: text('id').primaryKey(),
  automationId: text('automation_id')
    .notNull()
    .references(() => automations.id, { onDelete: 'cascade' }),
  /** An agent (bot user) belongs to exactly one automation. */
  name: text('name').notNull().unique(),
  createdAt: createdAt(),
});

export const versions = pgTable(
  'versions',
  {
    id: text('id').primaryKey(),
    automationId: text('automation_id')
      .notNull()
      .references(() => automations.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    author: text('author').notNull(),
    createdAt: createdAt(),
    root: hashBytes('root').notNull(),
    automatic: boolean('automatic').notNull(),
    kind: text('kind').notNull(),
    pinned: boolean('pinned').notNull().default(false),
  },
  (t) => [uniqueIndex('versions_automation_number').on(t.automationId, t.number)],
);

export const releases = pgTable(
  'releases',
  {
    id: text('id').primaryKey(),
    /**
     * No foreign keys to automations: releases are an append-only ledger that outlives either end
     * (rule 15). The ids stay, so a deleted automation is still one stage of its pipeline.
     */
    sourceId: text('source_id').notNull(),
    targetId: text('target_id').notNull(),
    /** The source's name, written when the source is deleted (null while it exists). */
    sourceName: text('source_name'),
    /** The target's name, written when the target is deleted (null while it exists). */
    targetName: text('target_name'),
    version: text('version').notNull(),
    description: text('description').notNull().default(''),
    root: text('root').notNull(),
    fromVersionId: text('from_version_id'),
    promotedFromId: text('promoted_from_id'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    status: text('status').notNull(),
    supersededById: text('superseded_by_id'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    rejectReason: text('reject_reason'),
  },
  (t) => [
    index('releases_target').on(t.targetId, t.createdAt),
    index('releases_source').on(t.sourceId, t.createdAt),
    // Rule 4: at most one pending release per target, enforced by the database too.
    uniqueIndex('releases_one_pending')
      .on(t.targetId)
      .where(sql`status = 'pending'`),
  ],
);

/**
 * Approvals of a release (issue 14): one per user and release, never by its creator. A release
 * with fewer than the policy's `requiredApprovals` cannot be upgraded to.
 */
export const releaseApprovals = pgTable(
  'release_approvals',
  {
    releaseId: text('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    by: text('by').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    comment: text('comment').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.by] })],
);

/** Comments on a release, in the order they were written. */
export const releaseComments = pgTable(
  'release_comments',
  {
    id: text('id').primaryKey(),
    releaseId: text('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    by: text('by').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    text: text('text').notNull(),
  },
  (t) => [index('release_comments_release').on(t.releaseId, t.at)],
);

/**
 * An automation's conversation test suite (issue 15): the file as written (YAML or JSON) and its
 * parsed form. One per automation; it goes with the automation.
 */
export const testSuites = pgTable('test_suites', {
  automationId: text('automation_id')
    .primaryKey()
    .references(() => automations.id, { onDelete: 'cascade' }),
  text: text('text').notNull(),
  suite: jsonb('suite').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: stamp('updated_at'),
});

/** The source's test suite as it was when a release was created: frozen with the release. */
export const releaseTestSuites = pgTable('release_test_suites', {
  releaseId: text('release_id')
    .primaryKey()
    .references(() => releases.id, { onDelete: 'cascade' }),
  text: text('text').notNull(),
  suite: jsonb('suite').notNull(),
});

export const upgrades = pgTable(
  'upgrades',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull().unique(),
    /** No foreign key: a target's ledger outlives the automations its releases came from. */
    targetId: text('target_id').notNull(),
    releaseId: text('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    releaseVersion: text('release_version').notNull(),
    backupVersionId: text('backup_version_id').notNull(),
    resultVersionId: text('result_version_id').notNull(),
    root: text('root').notNull(),
    by: text('by').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    rolledBack: boolean('rolled_back').notNull().default(false),
  },
  (t) => [index('upgrades_target').on(t.targetId, t.seq)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** No foreign key: the trail outlives what it talks about. */
    automationId: text('automation_id'),
    versionId: text('version_id'),
    releaseId: text('release_id'),
    /** Root hashes (32 bytes) of the automation before and after. */
    before: hashBytes('before'),
    after: hashBytes('after'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    /**
     * The automation's revision when the entry was written (null for entries about no automation,
     * and for those written before migration 0008): what changed after a revision someone saw.
     */
    revision: integer('revision'),
  },
  (t) => [
    index('audit_automation').on(t.automationId, t.seq),
    index('audit_actor').on(t.actor, t.seq),
    index('audit_action').on(t.action, t.seq),
  ],
);

/** Instance-wide settings (the policy), one JSON value per key. */
export const instanceSettings = pgTable('instance_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
});

/**
 * The environment variables each snapshot references, as name → number of references. Kept for
 * every root Ferry writes (edits update it from the changed entities only), so an upgrade's
 * environment check costs the same at any bot size.
 */
export const contentEnv = pgTable('content_env', {
  root: hashBytes('root').primaryKey(),
  names: jsonb('names').$type<Record<string, number>>().notNull(),
  /**
   * For a root whose content defines getEnvVariable wrappers: every name the whole-content
   * analysis found (wrappers followed), once computed (null until then).
   */
  resolved: jsonb('resolved').$type<string[]>(),
});

/**
 * Failed sign-ins per key (an account name's hash, or a client address) within a window, shared by
 * every server on the database. The layout `rate-limiter-flexible`'s Drizzle store expects: points
 * consumed, and when the window ends.
 */
export const signInThrottle = pgTable(
  'sign_in_throttle',
  {
    key: text('key').primaryKey(),
    points: integer('points').notNull().default(0),
    expire: timestamp('expire', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('sign_in_throttle_expire').on(t.expire)],
);

/**
 * Webhooks (issue 14): a URL that receives a POST for each event it subscribes to. The secret that
 * signs the bodies is sealed with the instance's key, like secret environment variables.
 */
export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  /** The signing secret, sealed (SecretBox); null: bodies go unsigned. */
  secretCiphertext: text('secret_ciphertext'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
});

/**
 * One event for one webhook: the exact body sent (so every retry signs and sends the same bytes)
 * and where its delivery stands. Written in the transaction of the change that raised the event;
 * the job queue (pg-boss, schema `pgboss`) carries it to a worker after the commit.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    body: text('body').notNull(),
    /** pending → delivered, or failed (retries exhausted) or refused (the address is not allowed). */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('webhook_deliveries_webhook').on(t.webhookId, t.createdAt)],
);

/** Every attempt to deliver: when, the HTTP status or the error, how long it took. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    ms: integer('ms').notNull(),
  },
  (t) => [uniqueIndex('webhook_attempts_delivery').on(t.deliveryId, t.attempt)],
);

/**
 * An upgrade to run later (`release upgrade --at`): at `runAt` a worker runs the upgrade as
 * `createdBy`, with every check again; it is never forced. scheduled → done, blocked (with the
 * reason) or cancelled.
 */
export const scheduledUpgrades = pgTable(
  'scheduled_upgrades',
  {
    id: text('id').primaryKey(),
    targetId: text('target_id')
      .notNull()
      .references(() => automations.id, { onDelete: 'cascade' }),
    releaseId: text('release_id')
      .notNull()
      .references(() => releases.id, { onDelete: 'cascade' }),
    runAt: timestamp('run_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The target revision the scheduler's preview showed (rule 7); null: not checked. */
    ifRevision: integer('if_revision'),
    status: text('status').notNull(),
    reason: text('reason'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    finishedBy: text('finished_by'),
  },
  (t) => [
    index('scheduled_upgrades_target').on(t.targetId, t.runAt),
    // One waiting schedule per target.
    uniqueIndex('scheduled_upgrades_one_waiting')
      .on(t.targetId)
      .where(sql`status = 'scheduled'`),
  ],
);
