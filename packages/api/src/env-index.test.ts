// The per-root environment-variable counts must always equal a recount of the content, whatever
// edits produced the root: the upgrade check trusts them instead of reading the bot.
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from './content.js';
import { countContent } from './env-index.js';
import { createTestApi, testDatabaseKinds, type TestApi } from './test-support/harness.js';
import { ENV_WRAPPER_KEY, must } from '@ferry/core';

describe.each(testDatabaseKinds())('environment-variable counts on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const check = async (automation: string) => {
    const { root, content } = await api.as('viewer').automations.content({ automation });
    const stored = await new ContentStore(api.database.db).envCounts(root);
    expect(stored).toEqual(countContent(content));
    return stored;
  };

  it('follow every kind of edit, and an upgrade is blocked by a variable an edit introduced', async () => {
    const editor = api.as('editor');
    const doc = generateBotExport({ seed: 11, dialogs: 6, interactionsPerDialog: 5 });
    const dev = await editor.automations.import({ document: doc, name: 'Counted' });
    const before = await check(dev.id);
    // The generated bot's global functions define getEnvVar(arg), a wrapper: counted as one.
    expect(Object.keys(before).sort()).toEqual([
      ENV_WRAPPER_KEY,
      'API_BASE_URL',
      'BRAND',
      'SKILL_ID',
    ]);

    const { content } = await api.as('viewer').automations.content({ automation: dev.id });
    const [d0, d1] = content.dialogs;
    let revision = dev.revision;
    const step = async (p: Promise<{ revision: number }>) => {
      revision = (await p).revision;
      await check(dev.id);
    };
    await step(
      editor.editing.updateInteraction({
        automation: dev.id,
        baseRevision: revision,
        dialogId: must(d0, 'd0').dialog.id as string,
        interaction: {
          ...must(must(d0, 'd0').interactions[1], 'd0!.interactions[1]'),
          id: must(must(d0, 'd0').interactions[1], 'd0!.interactions[1]').id as string,
          text: 'Call {$env.HOTLINE} now',
        },
      }),
    );
    await step(
      editor.editing.addInteraction({
        automation: dev.id,
        baseRevision: revision,
        dialogId: must(d1, 'd1').dialog.id as string,
        interaction: { name: 'code', preProcessMessage: "botContext.getEnvVariable('QUEUE')" },
      }),
    );
    // A call of the wrapper with a constant name, in another entity than the wrapper.
    await step(
      editor.editing.addInteraction({
        automation: dev.id,
        baseRevision: revision,
        dialogId: must(d0, 'd0').dialog.id as string,
        interaction: { name: 'wrapped', preProcessMessage: 'var t = getEnvVar(`WRAPPED_VAR`);' },
      }),
    );
    await step(
      editor.editing.deleteDialog({
        automation: dev.id,
        baseRevision: revision,
        dialogId: must(d1, 'd1').dialog.id as string,
      }),
    );
    await step(
      editor.editing.setSettings({
        automation: dev.id,
        baseRevision: revision,
        settings: { description: '{$env.BRAND} bot' },
      }),
    );
    const after = await check(dev.id);
    expect(after.HOTLINE).toBe(1);
    expect(after.QUEUE).toBeUndefined(); // its dialog was deleted

    const prod = await editor.automations.create({ name: 'Counted prod' });
    await api.as('admin').environments.create({ name: 'prod-env' });
    await api.as('admin').environments.set({
      environment: 'prod-env',
      variables: ['API_BASE_URL', 'BRAND', 'SKILL_ID'].map((key) => ({ key, value: 'x' })),
    });
    const linked = await api
      .as('admin')
      .environments.link({ automation: prod.id, environment: 'prod-env' });
    await api
      .as('release-creator')
      .releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
    await expect(
      api.as('release-acceptor').releases.upgrade({ target: prod.id }),
    ).rejects.toMatchObject({
      ferryCode: 'PRECONDITION_FAILED',
      details: { missing: ['HOTLINE', 'WRAPPED_VAR'] },
    });
    // The whole-content analysis ran once for this root and is kept beside its counts.
    const releaseRoot = (await api.as('viewer').automations.content({ automation: dev.id })).root;
    const store = new ContentStore(api.database.db);
    expect(await store.referencedNames(releaseRoot)).toEqual(
      expect.arrayContaining(['HOTLINE', 'WRAPPED_VAR', 'API_BASE_URL']),
    );
    await api.as('admin').environments.set({
      environment: 'prod-env',
      variables: [
        { key: 'HOTLINE', value: '555' },
        { key: 'WRAPPED_VAR', value: 'w' },
      ],
    });
    expect(
      (await api.as('release-acceptor').releases.upgrade({ target: prod.id })).automation.revision,
    ).toBe(linked.automation.revision + 1);
  });

  it('count variables named after Object.prototype members like any other', async () => {
    const editor = api.as('editor');
    const text = (t: string) => ({ content: { results: { text: t } } });
    const doc = {
      bot: { id: 'b', name: 'Prototype names' },
      groups: [{ id: 'd1', name: 'D' }],
      conversationMessage: [
        { id: 'm1', group: 'd1', ...text('{$env.constructor} {$env.__proto__}') },
        { id: 'm2', group: 'd1', ...text('{$env.constructor} {$env.toString}') },
      ],
    };
    const created = await editor.automations.import({ document: doc });
    const counts = await check(created.id);
    expect(JSON.stringify(Object.entries(counts).sort())).toBe(
      '[["__proto__",1],["constructor",2],["toString",1]]',
    );
    // An edit that removes one reference adjusts the stored counts without touching the prototype.
    await editor.editing.deleteInteraction({
      automation: created.id,
      baseRevision: created.revision,
      dialogId: 'd1',
      interactionId: 'm1',
    });
    expect(JSON.stringify(Object.entries(await check(created.id)).sort())).toBe(
      '[["constructor",1],["toString",1]]',
    );
  });
});
