// Every procedure, checked generically: who may call it (each role and no credentials), and that
// bad input is refused with VALIDATION and leaves the database exactly as it was.
import { must } from '@ferry/core';
import { schema } from '@ferry/db';
import { getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../router.js';
import { ROLES, can, type Permission, type Role } from '../roles.js';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from '../test-support/harness.js';
import type { Meta } from '../trpc.js';

interface ProcedureInfo {
  path: string;
  type: string;
  permission: Permission | 'public';
  hasInput: boolean;
}

const procedures: ProcedureInfo[] = Object.entries(
  appRouter._def.procedures as unknown as Record<
    string,
    { _def: { meta?: Meta; type: string; inputs: unknown[] } }
  >,
).map(([path, p]) => ({
  path,
  type: p._def.type,
  permission: p._def.meta?.permission ?? 'public',
  hasInput: p._def.inputs.length > 0,
}));

const call = (caller: ApiCaller, path: string, input: unknown): Promise<unknown> => {
  let target: unknown = caller;
  for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
  return (target as (input: unknown) => Promise<unknown>)(input);
};

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch {
    return (await failure(promise)).code;
  }
}

/** Row counts of every table, and a fingerprint of the rows that change in place. */
async function databaseState(api: TestApi): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const table of Object.values(schema) as PgTable[]) {
    if (typeof table !== 'object' || !('getSQL' in table)) continue;
    const name = getTableName(table);
    const [row] = await api.database.db.select({ n: sql<number>`count(*)::int` }).from(table);
    state[name] = must(row, `the row count of table ${name}`).n;
  }
  state.automations = await api.database.db
    .select()
    .from(schema.automations)
    .orderBy(schema.automations.id);
  state.releases = await api.database.db.select().from(schema.releases).orderBy(schema.releases.id);
  state.env = await api.database.db
    .select()
    .from(schema.envVariables)
    .orderBy(schema.envVariables.key);
  state.users = (await api.database.db.select().from(schema.users).orderBy(schema.users.id)).map(
    (u) => [u.id, u.role, u.passwordHash, u.disabledAt],
  );
  return state;
}

describe.each(testDatabaseKinds())('every procedure on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
    await api.as('editor').automations.create({ name: 'Matrix bot' });
  });
  afterAll(() => api.close());

  it('states the permission it needs', () => {
    expect(procedures.length).toBeGreaterThan(40);
    const publicOnes = procedures.filter((p) => p.permission === 'public').map((p) => p.path);
    expect(publicOnes.sort()).toEqual(['auth.login', 'auth.logout']);
  });

  it('refuses callers without credentials (UNAUTHORIZED)', async () => {
    for (const p of procedures.filter((x) => x.permission !== 'public')) {
      expect([p.path, await outcome(call(api.as('anonymous'), p.path, {}))]).toEqual([
        p.path,
        'UNAUTHORIZED',
      ]);
    }
  });

  it.each(ROLES)('lets the %s role call exactly what its permissions allow', async (role: Role) => {
    for (const p of procedures.filter((x) => x.permission !== 'public')) {
      const got = await outcome(call(api.as(role), p.path, {}));
      const allowed = can(role, p.permission as Permission);
      expect([p.path, allowed ? got !== 'FORBIDDEN' && got !== 'UNAUTHORIZED' : got]).toEqual([
        p.path,
        allowed ? true : 'FORBIDDEN',
      ]);
    }
  });

  it('refuses malformed input on every procedure with VALIDATION and changes nothing', async () => {
    for (const p of procedures.filter((x) => x.hasInput)) {
      const before = await databaseState(api);
      for (const input of ['not an object', 42, null, []]) {
        const got = await failure(call(api.as('admin'), p.path, input)).catch(() => ({
          code: 'ok',
          message: '',
        }));
        expect([p.path, JSON.stringify(input), got.code]).toEqual([
          p.path,
          JSON.stringify(input),
          'VALIDATION',
        ]);
        expect(got.message.length).toBeGreaterThan(3);
      }
      expect([p.path, await databaseState(api)]).toEqual([p.path, before]);
    }
  });
});
