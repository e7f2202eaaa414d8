import { schema } from '@ferry/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

describe.each(testDatabaseKinds())('agents on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const names = async (automation: string) =>
    (await api.as('viewer').agents.list({ automation })).agents.map((a) => a.name);

  it('adds, lists and removes agents of an automation, auditing each change', async () => {
    const bot = await api.as('editor').automations.create({ name: 'Agent bot' });
    const added = await api
      .as('admin')
      .agents.add({ automation: 'Agent bot', name: '  Sales Bot Ü  ' });
    expect(added).toMatchObject({
      automation: { id: bot.id, name: 'Agent bot' },
      agent: { name: 'Sales Bot Ü' },
    });
    await api.as('admin').agents.add({ automation: bot.id, name: 'Another agent' });
    expect(await api.as('viewer').agents.list({ automation: bot.id })).toMatchObject({
      automation: { id: bot.id },
      agents: [{ name: 'Another agent' }, { name: 'Sales Bot Ü' }],
    });
    expect(
      (await api.as('viewer').automations.show({ automation: bot.id })).agents.map((a) => a.name),
    ).toEqual(expect.arrayContaining(['Another agent', 'Sales Bot Ü']));
    const removed = await api
      .as('admin')
      .agents.remove({ automation: bot.id, agent: added.agent.id });
    expect(removed).toMatchObject({ agent: { name: 'Sales Bot Ü' }, removed: true });
    await api.as('admin').agents.remove({ automation: bot.id, agent: 'Another agent' });
    expect(await names(bot.id)).toEqual([]);
    const audit = await api.as('viewer').audit.list({ automation: bot.id, action: 'agent.*' });
    expect(audit.entries.map((e) => [e.action, e.details?.agent, e.actor])).toEqual([
      ['agent.remove', 'Another agent', 'admin'],
      ['agent.remove', 'Sales Bot Ü', 'admin'],
      ['agent.add', 'Another agent', 'admin'],
      ['agent.add', 'Sales Bot Ü', 'admin'],
    ]);
  });

  it('adding and removing an agent moves the revision on; a stale ifRevision is a CONFLICT that writes nothing', async () => {
    const bot = await api.as('editor').automations.create({ name: 'Revision agents' });
    const added = await api
      .as('admin')
      .agents.add({ automation: bot.id, name: 'rev-agent', ifRevision: bot.revision });
    expect(added.automation.revision).toBe(bot.revision + 1);
    expect((await api.as('viewer').automations.show({ automation: bot.id })).revision).toBe(
      bot.revision + 1,
    );
    const audited = (await api.database.db.select().from(schema.auditLog)).length;
    expect(
      await failure(
        api.as('admin').agents.add({ automation: bot.id, name: 'late', ifRevision: bot.revision }),
      ),
    ).toMatchObject({
      code: 'CONFLICT',
      path: 'ifRevision',
      details: { expected: bot.revision, actual: bot.revision + 1 },
    });
    expect(
      await failure(
        api
          .as('admin')
          .agents.remove({ automation: bot.id, agent: 'rev-agent', ifRevision: bot.revision }),
      ),
    ).toMatchObject({ code: 'CONFLICT', path: 'ifRevision' });
    expect(await names(bot.id)).toEqual(['rev-agent']);
    expect((await api.database.db.select().from(schema.auditLog)).length).toBe(audited);
    const removed = await api
      .as('admin')
      .agents.remove({ automation: bot.id, agent: 'rev-agent', ifRevision: bot.revision + 1 });
    expect(removed.automation.revision).toBe(bot.revision + 2);
    // Without ifRevision the change is unconditional, and still moves the revision on.
    expect(
      (await api.as('admin').agents.add({ automation: bot.id, name: 'again' })).automation.revision,
    ).toBe(bot.revision + 3);
  });

  it('never moves an agent between automations silently: a name another automation uses is a CONFLICT naming it', async () => {
    const dev = await api.as('editor').automations.create({ name: 'Dev bot' });
    const prod = await api.as('editor').automations.create({ name: 'Prod bot' });
    await api.as('admin').agents.add({ automation: prod.id, name: 'prod-agent' });
    const audited = (await api.database.db.select().from(schema.auditLog)).length;
    const error = await failure(
      api.as('admin').agents.add({ automation: dev.id, name: 'prod-agent' }),
    );
    expect(error).toMatchObject({
      code: 'CONFLICT',
      path: 'name',
      details: { automation: 'Prod bot' },
    });
    expect(error.message).toContain('Prod bot');
    expect(
      await failure(api.as('admin').agents.add({ automation: prod.id, name: 'prod-agent' })),
    ).toMatchObject({ code: 'CONFLICT', details: { automation: 'Prod bot' } });
    expect(await names(prod.id)).toEqual(['prod-agent']);
    expect(await names(dev.id)).toEqual([]);
    expect((await api.database.db.select().from(schema.auditLog)).length).toBe(audited);
  });

  it('two automations claiming one agent name at once: one wins, the other gets a CONFLICT', async () => {
    const bots = await Promise.all(
      [1, 2, 3, 4].map((i) => api.as('editor').automations.create({ name: `Racer ${i}` })),
    );
    const results = await Promise.allSettled(
      bots.map((b) => api.as('admin').agents.add({ automation: b.id, name: 'contested' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect(await failure(Promise.reject(r.reason))).toMatchObject({ code: 'CONFLICT' });
  });

  it('removing an agent another automation has is NOT_FOUND and removes nothing', async () => {
    const a = await api.as('editor').automations.create({ name: 'Owner A' });
    const b = await api.as('editor').automations.create({ name: 'Owner B' });
    await api.as('admin').agents.add({ automation: a.id, name: 'a-agent' });
    expect(
      await failure(api.as('admin').agents.remove({ automation: b.id, agent: 'a-agent' })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'agent' });
    expect(await names(a.id)).toEqual(['a-agent']);
    expect(
      await failure(api.as('viewer').agents.list({ automation: 'no such bot' })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'automation' });
  });

  it('only admins add or remove agents; bad input is VALIDATION with the field', async () => {
    const bot = await api.as('editor').automations.create({ name: 'Guarded agents' });
    await api.as('admin').agents.add({ automation: bot.id, name: 'guarded' });
    for (const role of ['viewer', 'editor', 'release-creator', 'release-acceptor'] as const) {
      expect(
        await failure(api.as(role).agents.add({ automation: bot.id, name: 'x' })),
      ).toMatchObject({ code: 'FORBIDDEN' });
      expect(
        await failure(api.as(role).agents.remove({ automation: bot.id, agent: 'guarded' })),
      ).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(
      await failure(api.as('admin').agents.add({ automation: bot.id, name: '  ' })),
    ).toMatchObject({ code: 'VALIDATION', path: 'name' });
    expect(
      await failure(api.as('admin').agents.add({ automation: bot.id, name: 'n'.repeat(201) })),
    ).toMatchObject({ code: 'VALIDATION', path: 'name' });
    expect(await failure(api.as('admin').agents.add({ automation: '', name: 'x' }))).toMatchObject({
      code: 'VALIDATION',
      path: 'automation',
    });
    expect(await names(bot.id)).toEqual(['guarded']);
  });
});
