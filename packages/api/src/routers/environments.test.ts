import { must } from '@ferry/core';
import { schema } from '@ferry/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

const MASK = '••••••';

describe.each(testDatabaseKinds())('environments on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const admin = () => api.as('admin').environments;
  const auditText = async () =>
    JSON.stringify(await api.database.db.select().from(schema.auditLog));
  const rowsOf = async (environmentId: string) =>
    api.database.db
      .select()
      .from(schema.envVariables)
      .where(eq(schema.envVariables.environmentId, environmentId));

  it('creates environments with trimmed Unicode names, lists them, and refuses a duplicate name', async () => {
    const made = await admin().create({ name: '  Prödüction 🚀  ' });
    expect(made).toMatchObject({ name: 'Prödüction 🚀' });
    expect(await failure(admin().create({ name: 'Prödüction 🚀' }))).toMatchObject({
      code: 'CONFLICT',
      path: 'name',
    });
    const list = await api.as('viewer').environments.list();
    expect(list.find((e) => e.id === made.id)).toMatchObject({
      name: 'Prödüction 🚀',
      variables: 0,
      secrets: 0,
      automations: [],
    });
  });

  it('stores a secret only encrypted: the row holds no plaintext and the key opens it', async () => {
    const env = await admin().create({ name: 'Secret store' });
    const answer = await admin().set({
      environment: env.id,
      variables: [
        { key: 'apiDomain', value: 'https://api.example.com' },
        { key: 'API_TOKEN', value: 'tok-very-secret-123', secret: true },
      ],
    });
    expect(answer).toMatchObject({ added: ['apiDomain', 'API_TOKEN'], variables: 2 });
    expect(JSON.stringify(answer)).not.toContain('tok-very-secret-123');
    const rows = await rowsOf(env.id);
    const secret = must(
      rows.find((r) => r.key === 'API_TOKEN'),
      'the stored API_TOKEN variable',
    );
    expect(secret).toMatchObject({ secret: true, value: null });
    expect(secret.ciphertext).toBeTruthy();
    expect(JSON.stringify(rows)).not.toContain('tok-very-secret-123');
    expect(api.services.secrets.open(must(secret.ciphertext, 'the ciphertext of API_TOKEN'))).toBe(
      'tok-very-secret-123',
    );
    expect(rows.find((r) => r.key === 'apiDomain')).toMatchObject({
      secret: false,
      value: 'https://api.example.com',
      ciphertext: null,
    });
  });

  it('masks secret values for every role but an admin who asks to reveal them', async () => {
    const env = await admin().create({ name: 'Masking' });
    await admin().set({
      environment: env.name,
      variables: [
        { key: 'plain', value: 'visible' },
        { key: 'pw', value: 'hunter2-secret', secret: true },
      ],
    });
    for (const role of ['viewer', 'editor', 'release-acceptor', 'admin'] as const) {
      const shown = await api.as(role).environments.show({ environment: env.name });
      expect(shown.revealed).toBe(false);
      expect(shown.variables.map((v) => [v.key, v.value, v.secret])).toEqual([
        ['plain', 'visible', false],
        ['pw', MASK, true],
      ]);
    }
    const revealed = await admin().show({ environment: env.id, reveal: true });
    expect(revealed.variables.find((v) => v.key === 'pw')?.value).toBe('hunter2-secret');
    for (const role of ['viewer', 'editor', 'release-creator'] as const) {
      expect(
        await failure(api.as(role).environments.show({ environment: env.id, reveal: true })),
      ).toMatchObject({ code: 'FORBIDDEN', path: 'reveal' });
      expect(
        await failure(api.as(role).environments.exportCsv({ environment: env.id, reveal: true })),
      ).toMatchObject({ code: 'FORBIDDEN', path: 'reveal' });
    }
    const csv = await api.as('viewer').environments.exportCsv({ environment: env.id });
    expect(csv.csv).toBe(`key,value,secret\nplain,visible,false\npw,${MASK},true\n`);
    expect(JSON.stringify(await api.as('viewer').environments.list())).not.toContain('hunter2');
  });

  it('never writes a secret value to the audit trail, even when revealing or importing it', async () => {
    const env = await admin().create({ name: 'Audited' });
    await admin().set({
      environment: env.id,
      variables: [{ key: 'S1', value: 'audit-leak-check-1', secret: true }],
    });
    await admin().set({
      environment: env.id,
      variables: [{ key: 'S1', value: 'audit-leak-check-2' }],
    });
    await admin().importCsv({
      environment: env.id,
      csv: 'key,value,secret\nS2,audit-leak-check-3,true\n',
    });
    await admin().importLines({
      environment: env.id,
      lines: 'S3=audit-leak-check-4',
      secret: true,
    });
    await admin().show({ environment: env.id, reveal: true });
    await admin().exportCsv({ environment: env.id, reveal: true });
    await admin().unset({ environment: env.id, keys: ['S3'] });
    const trail = await auditText();
    expect(trail).not.toContain('audit-leak-check');
    const entries = await api.as('viewer').audit.list({ action: 'environment.*', limit: 500 });
    const mine = entries.entries.filter((e) => e.details?.environment === 'Audited');
    expect(mine.map((e) => e.action)).toEqual([
      'environment.unset',
      'environment.reveal',
      'environment.reveal',
      'environment.import',
      'environment.import',
      'environment.set',
      'environment.set',
      'environment.create',
    ]);
    expect(mine[6]).toMatchObject({ actor: 'admin', details: { added: ['S1'] } });
  });

  it('set: secret omitted keeps the flag; the mask keeps a stored secret; replace mode removes the rest', async () => {
    const env = await admin().create({ name: 'Updating' });
    await admin().set({
      environment: env.id,
      variables: [
        { key: 'A', value: '1', secret: true },
        { key: 'B', value: '2' },
      ],
    });
    const same = await admin().set({
      environment: env.id,
      variables: [
        { key: 'A', value: MASK },
        { key: 'B', value: '2' },
      ],
    });
    expect(same).toMatchObject({ added: [], updated: [], unchanged: 2 });
    await admin().set({ environment: env.id, variables: [{ key: 'A', value: 'one' }] });
    let shown = await admin().show({ environment: env.id, reveal: true });
    expect(shown.variables.map((v) => [v.key, v.value, v.secret])).toEqual([
      ['A', 'one', true],
      ['B', '2', false],
    ]);
    expect(
      await failure(
        admin().set({ environment: env.id, variables: [{ key: 'C', value: MASK, secret: true }] }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'variables.0.value' });
    const replaced = await admin().set({
      environment: env.id,
      variables: [{ key: 'C', value: '3' }],
      mode: 'replace',
    });
    expect(replaced).toMatchObject({ added: ['C'], removed: ['A', 'B'], variables: 1 });
    shown = await admin().show({ environment: env.id });
    expect(shown.variables.map((v) => v.key)).toEqual(['C']);
  });

  it('refuses a bad key naming it, with the field path, and changes nothing', async () => {
    const env = await admin().create({ name: 'Keys' });
    await admin().set({ environment: env.id, variables: [{ key: 'ok_1', value: 'x' }] });
    const before = await admin().show({ environment: env.id, reveal: true });
    const trail = await auditText();
    for (const key of ['1abc', 'with space', 'dash-ed', 'ünï']) {
      const error = await failure(
        admin().set({
          environment: env.id,
          variables: [
            { key: 'fine', value: 'y' },
            { key, value: 'z' },
          ],
        }),
      );
      expect(error).toMatchObject({ code: 'VALIDATION', path: 'variables.1.key' });
      expect(error.message).toContain(key);
    }
    expect(
      await failure(
        admin().set({
          environment: env.id,
          variables: [
            { key: 'D', value: '1' },
            { key: 'D', value: '2' },
          ],
        }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'variables.1.key' });
    expect(await failure(admin().set({ environment: env.id, variables: [] }))).toMatchObject({
      code: 'VALIDATION',
      path: 'variables',
    });
    expect(await failure(admin().create({ name: '   ' }))).toMatchObject({
      code: 'VALIDATION',
      path: 'name',
    });
    expect(await failure(admin().create({ name: 'x'.repeat(201) }))).toMatchObject({
      code: 'VALIDATION',
      path: 'name',
    });
    expect(await admin().show({ environment: env.id, reveal: true })).toEqual(before);
    expect(await auditText()).toBe(trail);
  });

  it('unset removes keys; an undefined key is NOT_FOUND and removes nothing', async () => {
    const env = await admin().create({ name: 'Unsetting' });
    await admin().set({
      environment: env.id,
      variables: [
        { key: 'A', value: '1' },
        { key: 'B', value: '2' },
      ],
    });
    expect(
      await failure(admin().unset({ environment: env.id, keys: ['A', 'NOPE'] })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'keys', details: { missing: ['NOPE'] } });
    expect((await admin().show({ environment: env.id })).variables).toHaveLength(2);
    expect(await admin().unset({ environment: env.id, keys: ['A'] })).toMatchObject({
      removed: ['A'],
      variables: 1,
    });
  });

  it('links and unlinks automations, moving their revision on (with ifRevision), and refuses to delete a linked environment', async () => {
    const env = await admin().create({ name: 'Linked env' });
    const other = await admin().create({ name: 'Other env' });
    const bot = await api.as('editor').automations.create({ name: 'Linked bot' });
    const linked = await admin().link({
      automation: 'Linked bot',
      environment: 'Linked env',
      ifRevision: bot.revision,
    });
    expect(linked).toMatchObject({
      automation: { id: bot.id, revision: bot.revision + 1 },
      environment: { id: env.id },
      previous: null,
      changed: true,
    });
    const shown = await api.as('viewer').automations.show({ automation: bot.id });
    expect(shown).toMatchObject({
      revision: bot.revision + 1,
      environment: { name: 'Linked env' },
    });
    // Linking again to the same environment changes nothing, the revision included.
    expect(
      await admin().link({ automation: bot.id, environment: env.id, ifRevision: bot.revision + 1 }),
    ).toMatchObject({ changed: false, automation: { revision: bot.revision + 1 } });
    // A stale revision is refused as every other change's is, and nothing is written.
    expect(
      await failure(
        admin().link({ automation: bot.id, environment: other.id, ifRevision: bot.revision }),
      ),
    ).toMatchObject({
      code: 'CONFLICT',
      path: 'ifRevision',
      details: { expected: bot.revision, actual: bot.revision + 1 },
    });
    expect(
      await failure(admin().unlink({ automation: bot.id, ifRevision: bot.revision })),
    ).toMatchObject({ code: 'CONFLICT', path: 'ifRevision' });
    expect((await api.as('viewer').automations.show({ automation: bot.id })).environment).toEqual(
      expect.objectContaining({ name: 'Linked env' }),
    );
    const list = await api.as('viewer').environments.list();
    expect(list.find((e) => e.id === env.id)?.automations).toEqual([
      { id: bot.id, name: 'Linked bot' },
    ]);
    expect((await api.as('viewer').environments.show({ environment: env.id })).automations).toEqual(
      [{ id: bot.id, name: 'Linked bot' }],
    );

    const refused = await failure(admin().delete({ environment: env.id }));
    expect(refused).toMatchObject({
      code: 'CONFLICT',
      details: { automations: ['Linked bot'] },
    });
    expect(refused.message).toContain('Linked bot');

    expect(await admin().link({ automation: bot.id, environment: other.id })).toMatchObject({
      previous: { id: env.id, name: 'Linked env' },
    });
    const audit = await api
      .as('viewer')
      .audit.list({ automation: bot.id, action: 'environment.*' });
    expect(audit.entries.map((e) => e.action)).toEqual(['environment.link', 'environment.link']);
    expect(
      await admin().unlink({ automation: bot.id, ifRevision: bot.revision + 2 }),
    ).toMatchObject({
      automation: { revision: bot.revision + 3 },
      previous: { id: other.id },
      changed: true,
    });
    expect((await api.as('viewer').automations.show({ automation: bot.id })).environment).toBe(
      null,
    );
    expect(await admin().delete({ environment: env.id })).toMatchObject({ deleted: true });
    expect(await failure(admin().show({ environment: env.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(
      await failure(admin().link({ automation: 'no such bot', environment: other.id })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'automation' });
  });

  it('CSV round trip: an export imported into another environment gives equal variables', async () => {
    const source = await admin().create({ name: 'CSV source' });
    const variables = [
      { key: 'comma', value: 'a,b,c' },
      { key: 'quote', value: 'say "hi"' },
      { key: 'newline', value: 'line 1\nline 2\r\nline 3' },
      { key: 'spaces', value: '  padded  ' },
      { key: 'empty', value: '' },
      { key: 'unicode', value: 'Grüße 🚀 — ok' },
      { key: 'formula', value: '=1+2' },
      { key: 'system_intermediateBotResponseTimeout', value: '15000' },
      { key: 'token', value: 'p@ss,"w\nrd', secret: true },
    ];
    await admin().set({ environment: source.id, variables });
    const exported = await admin().exportCsv({ environment: source.id, reveal: true });
    expect(exported).toMatchObject({ revealed: true, variables: variables.length });
    const target = await admin().create({ name: 'CSV target' });
    const imported = await admin().importCsv({ environment: target.id, csv: exported.csv });
    expect(imported).toMatchObject({ variables: variables.length, added: expect.any(Array) });
    const a = await admin().show({ environment: source.id, reveal: true });
    const b = await admin().show({ environment: target.id, reveal: true });
    const strip = (vs: typeof a.variables) =>
      vs.map(({ key, value, secret }) => ({ key, value, secret }));
    expect(strip(b.variables)).toEqual(strip(a.variables));
    expect((await rowsOf(target.id)).find((r) => r.key === 'token')).toMatchObject({
      value: null,
      secret: true,
    });
    // Importing it again changes nothing.
    expect(await admin().importCsv({ environment: target.id, csv: exported.csv })).toMatchObject({
      added: [],
      updated: [],
      unchanged: variables.length,
    });
  });

  it('a bad CSV row is refused naming its line, and nothing is written', async () => {
    const env = await admin().create({ name: 'CSV bad' });
    await admin().set({ environment: env.id, variables: [{ key: 'keep', value: 'me' }] });
    const before = await admin().show({ environment: env.id, reveal: true });
    const trail = await auditText();
    const cases: [string, number][] = [
      ['key,value\ngood,1\nbad key,2\n', 3],
      ['key,value,secret\ngood,1,false\n"multi\nline",x,maybe\n', 3],
      ['key,value\ngood,"multi\nline value"\n9lives,2\n', 4],
      ['key,value\na,1\nb,2,3\n', 3],
      ['key,value\r\ngood,"multi\r\nline"\r\n\r\n9lives,2\r\n', 5],
      ['key,value\na,1\na,2\n', 3],
      ['name,value\na,1\n', 1],
      ['key,value\na,"unterminated\n', 2],
      ['', 1],
    ];
    for (const [csv, line] of cases) {
      const error = await failure(admin().importCsv({ environment: env.id, csv }));
      expect(error, csv).toMatchObject({ code: 'VALIDATION', path: 'csv', details: { line } });
      expect(error.message, csv).toMatch(new RegExp(`^Line ${line}: .*; nothing was imported\\.$`));
    }
    const quoted = await failure(
      admin().importCsv({ environment: env.id, csv: 'key,value,secret\nA,top"secret,true\n' }),
    );
    expect(quoted).toMatchObject({ code: 'VALIDATION', details: { line: 2 } });
    expect(quoted.message).not.toContain('top');
    const lines = await failure(
      admin().importLines({ environment: env.id, lines: 'a=1\n\n# note\njust text\n' }),
    );
    expect(lines).toMatchObject({ code: 'VALIDATION', path: 'lines', details: { line: 4 } });
    expect(
      await failure(
        admin().importCsv({ environment: env.id, csv: 'key,value,secret\nnew,••••••,true\n' }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'csv' });
    expect(await admin().show({ environment: env.id, reveal: true })).toEqual(before);
    expect(await auditText()).toBe(trail);
  });

  it("imports CB's Bulk Add key=value lines, by importLines or importCsv with format 'lines'", async () => {
    const env = await admin().create({ name: 'Bulk add' });
    const answer = await admin().importLines({
      environment: env.id,
      lines: '\uFEFFbilling = 12345\r\naccount=678\n\n# comment\nurl=https://x.test/?a=b=c\n',
    });
    expect(answer).toMatchObject({ added: ['billing', 'account', 'url'], variables: 3 });
    await admin().importCsv({ environment: env.id, csv: 'help=999', format: 'lines' });
    const shown = await admin().show({ environment: env.id });
    expect(shown.variables.map((v) => [v.key, v.value])).toEqual([
      ['account', '678'],
      ['billing', '12345'],
      ['help', '999'],
      ['url', 'https://x.test/?a=b=c'],
    ]);
    await admin().importLines({ environment: env.id, lines: 'only=this', mode: 'replace' });
    expect((await admin().show({ environment: env.id })).variables.map((v) => v.key)).toEqual([
      'only',
    ]);
  });

  it('every admin procedure is FORBIDDEN for editors and viewers; anonymous callers are UNAUTHORIZED', async () => {
    const env = await admin().create({ name: 'Guarded' });
    await api.as('editor').automations.create({ name: 'Guarded bot' });
    for (const role of ['viewer', 'editor', 'release-creator', 'release-acceptor'] as const) {
      const e = api.as(role).environments;
      const calls = [
        e.create({ name: 'nope' }),
        e.rename({ environment: env.id, name: 'nope' }),
        e.delete({ environment: env.id }),
        e.set({ environment: env.id, variables: [{ key: 'A', value: '1' }] }),
        e.unset({ environment: env.id, keys: ['A'] }),
        e.link({ automation: 'Guarded bot', environment: env.id }),
        e.unlink({ automation: 'Guarded bot' }),
        e.importCsv({ environment: env.id, csv: 'key,value\nA,1\n' }),
        e.importLines({ environment: env.id, lines: 'A=1' }),
      ];
      for (const call of calls) expect(await failure(call)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await failure(api.as('anonymous').environments.list())).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(await admin().show({ environment: env.id })).toMatchObject({ variables: [] });
  });

  it('renames an environment; a taken name is a CONFLICT', async () => {
    const a = await admin().create({ name: 'Rename me' });
    await admin().create({ name: 'Taken' });
    expect(await admin().rename({ environment: a.id, name: 'Renamed' })).toEqual({
      id: a.id,
      name: 'Renamed',
    });
    expect(await failure(admin().rename({ environment: a.id, name: 'Taken' }))).toMatchObject({
      code: 'CONFLICT',
      path: 'name',
    });
  });
});
