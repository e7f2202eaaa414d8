import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixture,
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

describe.each(testDatabaseKinds())('automations on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  it('imports a CB export as a new automation and exports it back identical but for identity', async () => {
    const text = fixture('returns-desk.json');
    const created = await api.as('editor').automations.import({ document: text });
    expect(created).toMatchObject({
      name: 'returnsDesk',
      revision: 1,
      created: true,
      counts: { dialogs: 3, interactions: 9 },
    });
    const exported = await api.as('viewer').automations.export({ automation: created.id });
    const original = JSON.parse(text);
    original.bot.id = created.id;
    for (const g of original.groups) g.chatBotId = created.id;
    for (const m of original.conversationMessage) m.chatBotId = created.id;
    original.globalFunctions.chatBotId = created.id;
    for (const p of original.platforms) p.chatbotId = created.id;
    expect(exported.document).toEqual(original);
  });

  it('importing one file twice gives two automations', async () => {
    const text = fixture('order-tracker.json');
    const a = await api.as('editor').automations.import({ document: text });
    const b = await api.as('editor').automations.import({ document: text });
    expect(a.id).not.toBe(b.id);
    expect(b.name).toBe(`${a.name} (2)`);
    const list = await api.as('viewer').automations.list();
    expect(list.map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('a malformed export is refused with the path and nothing is written', async () => {
    const before = await api.as('viewer').automations.list();
    const error = await failure(
      api.as('editor').automations.import({
        document: '{"bot":{},"groups":[{"id":""}],"conversationMessage":[]}',
      }),
    );
    expect(error).toMatchObject({ code: 'VALIDATION', path: 'document/groups/0/id' });
    expect(await api.as('viewer').automations.list()).toEqual(before);
  });

  it('an interaction whose dialog is missing is kept, exported again, and reported as a warning', async () => {
    const made = await api.as('editor').automations.import({
      document: '{"bot":{},"groups":[],"conversationMessage":[{"id":"x","group":"nope"}]}',
    });
    expect(made.warnings).toEqual([
      expect.objectContaining({
        path: '/conversationMessage/0/group',
        message: expect.stringContaining('"nope", which does not exist'),
      }),
    ]);
    const { text } = await api.as('viewer').automations.export({ automation: made.id });
    // Exactly as imported: that export had no chatBotId, so none is written back.
    expect(JSON.parse(text).conversationMessage).toEqual([{ id: 'x', group: 'nope' }]);
  });

  it('creates an empty automation that exports as a valid empty CB bot, and refuses a duplicate name', async () => {
    const made = await api.as('editor').automations.create({ name: 'Ünïcode <b>bot</b> 🚀' });
    const shown = await api.as('viewer').automations.show({ automation: 'Ünïcode <b>bot</b> 🚀' });
    expect(shown).toMatchObject({
      id: made.id,
      revision: 1,
      counts: { dialogs: 0, interactions: 0 },
    });
    const { document } = await api.as('viewer').automations.export({ automation: made.id });
    expect(document).toMatchObject({
      bot: { id: made.id, name: 'Ünïcode <b>bot</b> 🚀' },
      groups: [],
      conversationMessage: [],
    });
    expect(await failure(api.as('editor').automations.create({ name: made.name }))).toMatchObject({
      code: 'CONFLICT',
      path: 'name',
    });
  });

  it('names are unique ignoring case and one line: no tab or line break, even from an export', async () => {
    const editor = api.as('editor');
    const made = await editor.automations.create({ name: 'ShopifyBot' });
    for (const name of ['shopifybot', 'SHOPIFYBOT'])
      expect(await failure(editor.automations.create({ name }))).toMatchObject({
        code: 'CONFLICT',
        path: 'name',
      });
    for (const name of ['Shop\tBot', 'Shop\nBot'])
      expect(await failure(editor.automations.create({ name }))).toMatchObject({
        code: 'VALIDATION',
        path: 'name',
      });
    // Its own name in another case is a rename, not a clash.
    await editor.automations.rename({ automation: made.id, name: 'shopifyBOT', baseRevision: 1 });
    const doc = JSON.parse(fixture('hello-minimal.json'));
    doc.bot.name = 'Tabbed\tname\nbot';
    const imported = await editor.automations.import({ document: JSON.stringify(doc) });
    expect(imported.name).toBe('Tabbed name bot');
    doc.bot.name = 'SHOPIFYBOT';
    expect((await editor.automations.import({ document: JSON.stringify(doc) })).name).toBe(
      'SHOPIFYBOT (2)',
    );
    await api.as('admin').environments.create({ name: 'Staging' });
    expect(await failure(api.as('admin').environments.create({ name: 'staging' }))).toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('rename takes the base revision; a stale one is a conflict and changes nothing', async () => {
    const made = await api.as('editor').automations.create({ name: 'To rename' });
    const renamed = await api
      .as('editor')
      .automations.rename({ automation: made.id, name: 'Renamed', baseRevision: 1 });
    expect(renamed).toEqual({ id: made.id, name: 'Renamed', revision: 2 });
    expect(
      await failure(
        api
          .as('editor')
          .automations.rename({ automation: made.id, name: 'Again', baseRevision: 1 }),
      ),
    ).toMatchObject({
      code: 'CONFLICT',
      details: { expected: 1, actual: 2 },
    });
    expect((await api.as('viewer').automations.show({ automation: made.id })).name).toBe('Renamed');
  });

  it('viewers cannot create and nobody anonymous can read', async () => {
    expect(await failure(api.as('viewer').automations.create({ name: 'x' }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await failure(api.as('anonymous').automations.list())).toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });
});
