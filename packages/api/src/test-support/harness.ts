// Test harness (after karakeep's testUtils): a fresh database with the real migrations, users of
// every role, and one tRPC caller per user. Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
import { schema } from '@ferry/db';
import { allFixtures, fixture } from '@ferry/fixtures';
import { openTestDatabase, testDatabaseKinds, type TestDatabase } from '@ferry/db/testing';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { uuidv7 } from 'uuidv7';
import { createContextInner, type Caller, type Services } from '../context.js';
import { appRouter } from '../router.js';
import { ROLES, type Role } from '../roles.js';
import { SecretBox, hashPassword } from '../security.js';
import { createCallerFactory } from '../trpc.js';

export { testDatabaseKinds };

/**
 * The CB exports tests run on (packages/fixtures): `FIXTURES` is what the "on every export" tests
 * iterate over, the project's own then the FERRY_CB_CORPUS corpus; `fixture(name)` reads one (the
 * old sample names such as 'go-back-bot.json' still resolve, to the fixture with the same role).
 */
export const FIXTURES = allFixtures();
export { fixture };

const createCaller = createCallerFactory(appRouter);
export type ApiCaller = ReturnType<typeof createCaller>;

export interface TestApi {
  database: TestDatabase;
  services: Services;
  /** The user of each role (named after the role, e.g. "editor"), password "secret-<role>". */
  users: Record<Role, Caller>;
  /** A caller acting as that role's user, or as nobody (with some of the services changed). */
  as(who: Role | 'anonymous' | Caller, services?: Partial<Services>): ApiCaller;
  close(): Promise<void>;
}

/**
 * Each role's password hash, computed once per test file (scrypt costs tens of milliseconds of CPU
 * on purpose, and every database of the file gets the same users).
 */
const passwordHashes = new Map<Role, Promise<string>>();
const passwordHash = (role: Role) => {
  let hash = passwordHashes.get(role);
  if (!hash) passwordHashes.set(role, (hash = hashPassword(`secret-${role}`)));
  return hash;
};

export async function createTestApi(kind: 'pglite' | 'postgres'): Promise<TestApi> {
  const database = await openTestDatabase(kind);
  const services: Services = {
    database,
    secrets: new SecretBox(randomBytes(32)),
    logger: pino({ level: 'silent' }),
    maxRequestBytes: 50 * 1024 * 1024,
  };
  const users = {} as Record<Role, Caller>;
  for (const role of ROLES) {
    const id = uuidv7();
    await database.db
      .insert(schema.users)
      .values({ id, name: role, role, passwordHash: await passwordHash(role) });
    users[role] = { id, name: role, role, via: 'token' };
  }
  return {
    database,
    services,
    users,
    as: (who, changed) =>
      createCaller(
        createContextInner({
          services: changed ? { ...services, ...changed } : services,
          caller: who === 'anonymous' ? null : typeof who === 'string' ? users[who] : who,
        }),
      ),
    close: () => database.close(),
  };
}

/** Waits until `check` holds (polling every 100 ms); fails with `what` when it never does. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  seconds = 60,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error a rejected call carries: Ferry's code, the field and the message. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; path?: string; message: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (e) {
    const err = e as {
      message: string;
      ferryCode?: string;
      code?: string;
      path?: string;
      details?: Record<string, unknown>;
      cause?: { issues?: { path: PropertyKey[] }[] };
    };
    const issues = err.cause?.issues;
    const code =
      err.ferryCode ??
      (issues || err.code === 'BAD_REQUEST' ? 'VALIDATION' : (err.code ?? 'UNKNOWN'));
    // Input-parsing (zod) failures carry their field in the cause.
    const path = err.path ?? issues?.[0]?.path.map(String).join('.');
    return {
      code,
      message: err.message,
      ...(path && { path }),
      ...(err.details && { details: err.details }),
    };
  }
  throw new Error('expected the call to fail, and it succeeded');
}
