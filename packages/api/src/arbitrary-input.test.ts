// Property test over HTTP: arbitrary and almost-valid JSON, sent to every procedure of the app
// router as every role and anonymously, never gets a 5xx or INTERNAL, and a refusal writes nothing.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { schema } from '@ferry/db';
import { openTestDatabase, migratedPgliteTemplate, type TestDatabase } from '@ferry/db/testing';
import { eq } from 'drizzle-orm';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import pino from 'pino';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from './accounts.js';
import { createContextInner } from './context.js';
import { ROLES, can, type Role } from './roles.js';
import { appRouter } from './router.js';
import { hashPassword } from './security.js';
import { startServer, type RunningServer } from './server.js';
import { countWrites, fingerprint } from './test-support/fingerprint.js';
import { testDatabaseKinds } from './test-support/harness.js';
import {
  PROCEDURES,
  sampleInput,
  withField,
  type ProcedureShape,
} from './test-support/input-shapes.js';
import { createCallerFactory } from './trpc.js';
import { must } from '@ferry/core';

/** Fixed, so a failure replays; each procedure × caller derives its own seed from it. */
const SEED = 20_261_130;
/** Runs per procedure for a caller whose role may call it, and for one refused before its input. */
const RUNS_ALLOWED = 6;
const RUNS_REFUSED = 2;

type CallerName = Role | 'anonymous';
const CALLERS: CallerName[] = [...ROLES, 'anonymous'];

// Placeholders the serialiser replaces: a number JSON.parse turns into Infinity, and the current
// revision of "Bot A" (so that edits are almost valid, not merely stale).
const HUGE = '\u0001huge\u0001';
const REVISION = '\u0001revision\u0001';

/** A CB export with two dialogs, interactions, an integration and nested content. */
const CB_DOC = {
  bot: { id: 'bot-1', name: 'Fuzz bot', language: 'en-US', botAttributes: { a: [1, { b: 'c' }] } },
  responder: [{ id: 'int-1', chatbotId: 'bot-1', name: 'API', headers: [{ k: 'v' }] }],
  groups: [
    { id: 'd1', chatBotId: 'bot-1', name: 'Welcome' },
    { id: 'd2', chatBotId: 'bot-1', name: 'Other' },
  ],
  conversationMessage: [
    {
      id: 'm1',
      chatBotId: 'bot-1',
      group: 'd1',
      type: 'TEXT',
      content: { results: { text: 'Hi {$env.FOO}', list: [{ x: 1 }] } },
      responseMatches: [{ action: { name: 'INTERACTION', value: 'm2' } }],
    },
    { id: 'm2', chatBotId: 'bot-1', group: 'd1', type: 'TEXT', content: { results: {} } },
    { id: 'm3', chatBotId: 'bot-1', group: 'd2', type: 'TEXT' },
  ],
  menus: [],
};

/** Real values by field name, so that inputs reach past "not found" into the procedures. */
const KNOWN: Record<string, unknown> = {
  automation: 'Bot A',
  source: 'Bot A',
  target: 'Bot B',
  from: 'Bot A',
  to: 'Bot B',
  into: 'Bot B',
  environment: 'Staging',
  user: 'target-user',
  agent: 'agent-1',
  dialogId: 'd1',
  interactionId: 'm1',
  interactionIds: ['m2', 'm1'],
  document: CB_DOC,
  name: 'Fuzz name',
  dialog: { id: 'd1', name: 'Welcome again', extra: { nested: [1, 2] } },
  interaction: { id: 'm1', type: 'TEXT', content: { results: { text: 'changed' } } },
  settings: { language: 'en-US', botAttributes: {} },
  variables: [{ key: 'FOO', value: 'bar', secret: false }],
  keys: ['FOO'],
  csv: 'key,value,secret\nFOO,baz,false\n',
  lines: 'FOO=baz\n',
  password: 'a long enough password',
  role: 'viewer',
  baseRevision: REVISION,
  version: 1,
  fromVersion: '1',
  reason: 'not now',
};
const KNOWN_IN: Record<string, Record<string, unknown>> = {
  releases: { version: '9.9.9' },
  automations: { version: '1' },
};

// Generators. Strings: NUL and other controls, lone surrogates, any code points, prototype names,
// SQL and LIKE metacharacters, and long ones; weighted towards what databases refuse.
const hostileString = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.string({ maxLength: 6 }),
        fc.constantFrom('\u0000', '\ud800', '\udfff', '\u0000\u0000'),
      )
      .map(([s, bad]) => `${s}${bad}${s}`),
    weight: 4,
  },
  {
    arbitrary: fc.string({
      unit: fc.constantFrom(
        '\u0000',
        '\ud800',
        '\udfff',
        '\u0001',
        '\u001b',
        '\u007f',
        '\u2028',
        'a',
        '😀',
      ),
      maxLength: 8,
    }),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 16 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      '%',
      '_',
      '\\',
      "'; drop table users; --",
      'Bot A',
      'x'.repeat(1000),
    ),
    weight: 2,
  },
);
const specialKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
);
const anyKey = fc.oneof(specialKey, hostileString, fc.constantFrom(...Object.keys(KNOWN)));
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 2 ** 31, 2 ** 53 + 2, 1e21, 1.5, 1e308, -1e308, 5e-324, HUGE),
);
const objectOf = (entries: [string, unknown][]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
};
const { json: jsonValue } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    hostileString,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(anyKey, tie('json')), { maxLength: 4 }).map(objectOf),
  ),
}));
/** Nesting far past every limit, as text (a value this deep cannot be built and serialised). */
const deepText = fc.constantFrom(
  '['.repeat(3000) + ']'.repeat(3000),
  '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
);

/** Every path inside `value` (objects and arrays), dotted. */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((k) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...pathsOf((value as Record<string, unknown>)[k], p)];
  });
}

function without(value: unknown, path: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const parts = path.split('.');
  let target = copy;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  delete target[must(parts[parts.length - 1], 'parts[parts.length - 1]')];
  return copy;
}

/** The JSON text of an input for `p`: arbitrary, or its real shape with one thing wrong. */
function inputText(p: ProcedureShape): fc.Arbitrary<string | undefined> {
  const serialise = (v: unknown) => JSON.stringify(v);
  const anything = fc.oneof(jsonValue.map(serialise), deepText);
  if (p.input === undefined) return fc.oneof(fc.constant(undefined), anything);
  const base = sampleInput(p.input, {
    ...KNOWN,
    ...KNOWN_IN[must(p.path.split('.')[0], "p.path.split('.')[0]")],
  });
  const paths = pathsOf(base);
  const objects = ['', ...paths.filter((q) => typeof pick(base, q) === 'object')].filter(
    (q) => !Array.isArray(pick(base, q)),
  );
  const almost: fc.WeightedArbitrary<unknown>[] = [{ arbitrary: fc.constant(base), weight: 1 }];
  if (paths.length > 0)
    almost.push(
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...paths), hostileString)
          .map(([at, v]) => withField(base, at, v)),
        weight: 4,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...paths), jsonValue)
          .map(([at, v]) => withField(base, at, v)),
        weight: 2,
      },
      { arbitrary: fc.constantFrom(...paths).map((at) => without(base, at)), weight: 1 },
    );
  if (objects.length > 0 && typeof base === 'object' && base !== null)
    almost.push({
      arbitrary: fc
        .tuple(fc.constantFrom(...objects), specialKey, jsonValue)
        .map(([at, k, v]) => withField(base, at === '' ? k : `${at}.${k}`, v)),
      weight: 2,
    });
  return fc.oneof(
    { arbitrary: anything, weight: 2 },
    { arbitrary: fc.oneof(...almost).map(serialise), weight: 6 },
  );
}

const pick = (value: unknown, path: string): unknown =>
  path === ''
    ? value
    : path.split('.').reduce((v, k) => (v as Record<string, unknown>)?.[k], value);

/** How the request travels: mostly as a client sends it, sometimes with the wrong type or method. */
const TRANSPORTS = [
  'json',
  'json',
  'json',
  'json',
  'json',
  'json',
  'text/plain',
  'multipart',
  'urlencoded',
  'wrong-method',
  'malformed-query',
] as const;
type Transport = (typeof TRANSPORTS)[number];

describe.each(testDatabaseKinds())('arbitrary input over HTTP on %s', (kind) => {
  let server: RunningServer;
  let testDb: TestDatabase | null = null;
  const tokens = {} as Record<CallerName, string | null>;
  const errorLog: string[] = [];
  const tally = { requests: 0, byStatus: {} as Record<number, number> };

  const db = () => server.services.database.db;
  /** Rows written so far (triggers on every table): a fingerprint is taken only after a write. */
  let writes: () => Promise<number>;
  const admin = () =>
    createCallerFactory(appRouter)(
      createContextInner({
        services: server.services,
        caller: { id: adminId, name: 'admin', role: 'admin', via: 'token' },
      }),
    );
  let adminId = '';

  /**
   * The objects KNOWN names, created again when a previous run deleted or renamed them. Best
   * effort: a fixture that clashes with what earlier runs made (an agent name kept by a renamed
   * automation) only lowers how deep some inputs get.
   */
  async function ensureFixtures(): Promise<void> {
    // No row written since they were last ensured: they are all still there (and what could not be
    // made then still cannot), so the reads below would change nothing.
    if (fixturesAt !== null && (await writes()) === fixturesAt) return;
    const api = admin();
    const expected = (e: unknown) => {
      if (!(e instanceof TRPCError) || e.code === 'INTERNAL_SERVER_ERROR') throw e;
    };
    const names = new Set((await api.automations.list()).map((a) => a.name));
    for (const name of ['Bot A', 'Bot B'])
      if (!names.has(name)) await api.automations.import({ document: CB_DOC, name });
    if (!(await api.environments.list()).some((e) => e.name === 'Staging')) {
      await api.environments.create({ name: 'Staging' });
      await api.environments.set({
        environment: 'Staging',
        variables: [{ key: 'FOO', value: 'bar' }],
      });
    }
    if (!(await api.users.list()).some((u) => u.name === 'target-user'))
      await api.users.create({ name: 'target-user', role: 'viewer' });
    if ((await api.versions.list({ automation: 'Bot A' })).length === 0)
      await api.versions.save({ automation: 'Bot A', name: 'first' });
    if ((await api.agents.list({ automation: 'Bot A' })).agents.length === 0)
      await api.agents.add({ automation: 'Bot A', name: 'agent-1' }).catch(expected);
    if ((await api.releases.list({ automation: 'Bot B', pending: true })).length === 0)
      await api.releases
        .create({ source: 'Bot A', target: 'Bot B', version: `1.0.${releaseCount++}` })
        .catch(expected);
    fixturesAt = await writes();
  }
  let releaseCount = 0;
  /** The count of rows written when the fixtures were last ensured. */
  let fixturesAt: number | null = null;

  /**
   * The fingerprint of the database and the count of rows written when it was taken: taken again
   * only when rows were written since (`writes`), so a procedure after one that wrote nothing starts
   * from the one its predecessor ended with.
   */
  let taken: { writes: number; state: Record<string, string> } | null = null;
  async function currentState(): Promise<{ writes: number; state: Record<string, string> }> {
    const now = await writes();
    if (taken?.writes !== now) taken = { writes: now, state: await fingerprint(db()) };
    return taken;
  }

  async function revisionOfBotA(): Promise<number> {
    const [row] = await db()
      .select({ revision: schema.automations.revision })
      .from(schema.automations)
      .where(eq(schema.automations.name, 'Bot A'));
    return row?.revision ?? 1;
  }

  async function send(
    p: ProcedureShape,
    caller: CallerName,
    input: string | undefined,
    transport: Transport,
  ): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = {};
    if (tokens[caller]) headers.authorization = `Bearer ${tokens[caller]}`;
    const url = `${server.url}/api/trpc/${p.path}`;
    const asGet = (p.type === 'query') !== (transport === 'wrong-method');
    let res: Response;
    if (asGet || transport === 'malformed-query') {
      const query =
        transport === 'malformed-query'
          ? '?input=%7B%22'
          : input === undefined
            ? ''
            : `?input=${encodeURIComponent(input)}`;
      res = await fetch(url + query, { headers });
    } else if (transport === 'multipart') {
      const form = new FormData();
      form.set('input', input ?? '');
      res = await fetch(url, { method: 'POST', headers, body: form });
    } else {
      const type = {
        json: 'application/json',
        'text/plain': 'text/plain',
        urlencoded: 'application/x-www-form-urlencoded',
        'wrong-method': 'application/json',
      }[transport];
      res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': type },
        ...(input !== undefined && { body: input }),
      });
    }
    return { status: res.status, body: await res.text() };
  }

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _enc, done) {
        errorLog.push(String(chunk));
        done();
      },
    });
    const adminToken = `fz_${randomBytes(16).toString('hex')}`;
    const common = {
      port: 0,
      adminToken,
      adminPassword: 'admin password for the fuzz test',
      logger: pino({ level: 'error' }, logStream),
      announce: () => {},
    };
    if (kind === 'postgres') {
      testDb = await openTestDatabase('postgres');
      server = await startServer({
        ...common,
        databaseUrl: must(testDb.url, 'testDb.url'),
        secretKey: randomBytes(32).toString('hex'),
      });
    } else
      server = await startServer({
        ...common,
        dataDir: null,
        pgliteTemplate: (await migratedPgliteTemplate()).tarball,
      });
    const [adminRow] = await db().select().from(schema.users).where(eq(schema.users.name, 'admin'));
    adminId = must(adminRow, 'adminRow').id;
    writes = await countWrites(db());
    tokens.admin = adminToken;
    tokens.anonymous = null;
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const id = uuidv7();
      await db()
        .insert(schema.users)
        .values({ id, name: role, role, passwordHash: await hashPassword(`secret-${role}`) });
      tokens[role] = (await createToken(db(), id, 'fuzz')).token;
    }
  });
  afterAll(async () => {
    await server?.close();
    await testDb?.close();
    // The figure the README's reliability section quotes.
    console.log(
      `arbitrary input on ${kind}: ${tally.requests} requests to ${PROCEDURES.length} procedures ` +
        `as ${CALLERS.length} callers; statuses ${JSON.stringify(tally.byStatus)}`,
    );
  });

  it.each(PROCEDURES.map((p) => [p.path, p] as const))(
    '%s: never a 5xx or INTERNAL, and a refusal changes nothing',
    async (_path, p) => {
      await ensureFixtures();
      let { state, writes: seen } = await currentState();
      for (const caller of CALLERS) {
        const allowed =
          p.permission === 'public' || (caller !== 'anonymous' && can(caller, p.permission));
        const seed = SEED ^ hashOf(`${p.path} ${caller}`);
        const property = fc.asyncProperty(
          inputText(p),
          fc.constantFrom(...TRANSPORTS),
          async (input, transport) => {
            let text = input?.replaceAll(JSON.stringify(HUGE), '1e400');
            // Bot A's revision is read only for an input that uses it (not a query per request).
            if (text?.includes(JSON.stringify(REVISION)))
              text = text.replaceAll(JSON.stringify(REVISION), String(await revisionOfBotA()));
            errorLog.length = 0;
            const { status, body } = await send(p, caller, text, transport);
            tally.requests++;
            tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
            const what = `${p.path} as ${caller} (${transport}) → ${status} ${body.slice(0, 300)}\n${errorLog.join('')}`;
            expect(status, what).toBeLessThan(500);
            expect(body, what).not.toContain('"ferryCode":"INTERNAL"');
            // No row written since `state` was taken: it still holds (a refusal changed nothing).
            const now = await currentState();
            if (now.writes !== seen) {
              if (status >= 400) expect(now.state, what).toEqual(state);
              ({ state, writes: seen } = now);
            }
          },
        );
        try {
          await fc.assert(property, {
            seed,
            numRuns: allowed ? RUNS_ALLOWED : RUNS_REFUSED,
            endOnFailure: true,
          });
        } catch (e) {
          throw new Error(`${p.path} as ${caller}, seed ${seed}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
    },
  );

  it('a wrong content type or method is a client error: 400 VALIDATION, never INTERNAL', async () => {
    const url = `${server.url}/api/trpc/automations.create`;
    const auth = { authorization: `Bearer ${tokens.editor}` };
    const form = new FormData();
    form.set('name', 'x');
    for (const init of [
      { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'not json' },
      { method: 'POST', headers: { ...auth, 'content-type': 'application/xml' }, body: '<a/>' },
      { method: 'POST', headers: auth, body: form },
      { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{bad' },
      { method: 'GET', headers: auth },
      { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' },
    ] satisfies RequestInit[]) {
      const res = await fetch(url, init);
      const body = (await res.json()) as {
        error: { message: string; data: { ferryCode: string } };
      };
      expect([init.method, init.headers, res.status, body.error.data.ferryCode]).toEqual([
        init.method,
        init.headers,
        400,
        'VALIDATION',
      ]);
      expect(body.error.message.length).toBeGreaterThan(5);
    }
    const badQuery = await fetch(`${server.url}/api/trpc/automations.show?input=%7B%22`, {
      headers: auth,
    });
    expect(badQuery.status).toBe(400);
  });
});

/** A 31-bit hash of a string (FNV-1a), to derive a seed per procedure and caller. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 1;
}
