import { chainOrder, must, newInteraction } from '@ferry/core';
import { schema } from '@ferry/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixture,
  createTestApi,
  failure,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from '../test-support/harness.js';

// returns-desk.json (packages/fixtures): dialog "1 Start" and its interactions in export order,
// and dialog "2 Back".
const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12';
const GO_BACK = '9d1f7d66-64a2-4f71-8325-81918cc8375e';
const WELCOME_INTERACTIONS = [
  '1dd8fcb8752b188ee9274492b26b9bab02591f22',
  '38c07fb248efc664113d143ba4d471745dd05551',
  '4e5d421265f7922cbc5bf86d61ce43ab4f5e6638',
  '621fc8e6ac36ce3826159482f482467ec324afa1',
  '99437526955633dd4fdf8e57f7015b97b724019a',
  'e47dada547cf9c1013860364262beb716d9791b4',
] as const;
const GO_BACK_STARTER = 'c280f68ccd654c7027d209f7057a37dd943973dc';
const FALLBACK = '36c602e4-8b75-4794-a797-b8ccffb7e1d3';

/** A valid call of every editing procedure, on returns-desk content, at the given revision. */
const EDITS: [
  string,
  (c: ApiCaller, automation: string, baseRevision: number) => Promise<unknown>,
][] = [
  [
    'setSettings',
    (c, a, r) =>
      c.editing.setSettings({ automation: a, baseRevision: r, settings: { language: 'fr-FR' } }),
  ],
  [
    'addDialog',
    (c, a, r) => c.editing.addDialog({ automation: a, baseRevision: r, dialog: { name: 'New' } }),
  ],
  [
    'renameDialog',
    (c, a, r) =>
      c.editing.renameDialog({ automation: a, baseRevision: r, dialogId: WELCOME, name: 'Hi' }),
  ],
  [
    'updateDialog',
    (c, a, r) =>
      c.editing.updateDialog({
        automation: a,
        baseRevision: r,
        dialog: { id: WELCOME, name: 'Hi' },
      }),
  ],
  [
    'deleteDialog',
    (c, a, r) => c.editing.deleteDialog({ automation: a, baseRevision: r, dialogId: FALLBACK }),
  ],
  [
    'addInteraction',
    (c, a, r) =>
      c.editing.addInteraction({
        automation: a,
        baseRevision: r,
        dialogId: GO_BACK,
        interaction: { type: 'BOT_MESSAGE' },
      }),
  ],
  [
    'addInteraction after an interaction',
    (c, a, r) =>
      c.editing.addInteraction({
        automation: a,
        baseRevision: r,
        dialogId: GO_BACK,
        interaction: { type: 'BOT_MESSAGE' },
        after: GO_BACK_STARTER,
      }),
  ],
  [
    'updateInteraction',
    (c, a, r) =>
      c.editing.updateInteraction({
        automation: a,
        baseRevision: r,
        dialogId: GO_BACK,
        interaction: { id: GO_BACK_STARTER, name: 'x' },
      }),
  ],
  [
    'deleteInteraction',
    (c, a, r) =>
      c.editing.deleteInteraction({
        automation: a,
        baseRevision: r,
        dialogId: GO_BACK,
        interactionId: GO_BACK_STARTER,
      }),
  ],
  [
    'reorderInteractions',
    (c, a, r) =>
      c.editing.reorderInteractions({
        automation: a,
        baseRevision: r,
        dialogId: WELCOME,
        interactionIds: [...WELCOME_INTERACTIONS].reverse(),
      }),
  ],
];

describe.each(testDatabaseKinds())('editing the working copy on %s', (kind) => {
  let api: TestApi;
  let editor: ApiCaller;
  let viewer: ApiCaller;
  beforeAll(async () => {
    api = await createTestApi(kind);
    editor = api.as('editor');
    viewer = api.as('viewer');
  });
  afterAll(() => api.close());

  const importBot = async () =>
    (await editor.automations.import({ document: fixture('returns-desk.json') })).id;
  const content = async (automation: string) =>
    (await viewer.automations.content({ automation })).content;
  const dialogOf = async (automation: string, dialogId: string) =>
    must(
      (await content(automation)).dialogs.find((d) => d.dialog.id === dialogId),
      `dialog ${dialogId} in the working copy`,
    );
  const auditRows = async (automationId: string) =>
    (await api.database.db.select().from(schema.auditLog)).filter(
      (r) => r.automationId === automationId,
    );
  /** What a user can see of an automation: its state, its versions and the audit trail's length. */
  const observable = async (automation: string) => ({
    shown: await viewer.automations.show({ automation }),
    versions: await viewer.versions.list({ automation }),
    audit: (await api.database.db.select().from(schema.auditLog)).length,
  });

  it('setSettings replaces the bot settings, bumps the revision and answers metadata only', async () => {
    const id = await importBot();
    const before = await viewer.automations.show({ automation: id });
    const answer = await editor.editing.setSettings({
      automation: id,
      baseRevision: 1,
      settings: { language: 'de-DE', botAttributes: { ENABLE_DEBUG: 'false' }, name: 'ignored' },
    });
    expect(answer).toEqual({
      id,
      name: 'returnsDesk',
      revision: 2,
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const { document } = await viewer.automations.export({ automation: id });
    expect(document.bot).toEqual({
      id,
      name: 'returnsDesk',
      language: 'de-DE',
      botAttributes: { ENABLE_DEBUG: 'false' },
    });
    const [entry] = (await auditRows(id)).filter((r) => r.action === 'settings.update');
    expect(entry).toMatchObject({
      actor: 'editor',
      before: before.root,
      after: answer.contentHash,
    });
  });

  it('addDialog creates an enabled dialog with a fresh id at the position asked for', async () => {
    const id = await importBot();
    const answer = await editor.editing.addDialog({
      automation: id,
      baseRevision: 1,
      dialog: { name: 'Ünïcode <b>dialog</b>', description: 'kept' },
      index: 0,
    });
    expect(answer).toMatchObject({ id, revision: 2, dialogName: 'Ünïcode <b>dialog</b>' });
    expect(answer.dialogId).toMatch(/^[0-9a-f-]{36}$/);
    const { dialogs } = await content(id);
    expect(dialogs[0]).toEqual({
      dialog: {
        id: answer.dialogId,
        name: 'Ünïcode <b>dialog</b>',
        description: 'kept',
        dialogType: 'DIALOG',
        status: 'ENABLED',
      },
      interactions: [],
    });
    expect(dialogs).toHaveLength(4);
    const { document } = await viewer.automations.export({ automation: id });
    expect(document.groups).toContainEqual(
      expect.objectContaining({ id: answer.dialogId, chatBotId: id }),
    );
  });

  it('addDialog with an id that exists is a conflict on dialog.id and writes nothing', async () => {
    const id = await importBot();
    const before = await observable(id);
    expect(
      await failure(
        editor.editing.addDialog({
          automation: id,
          baseRevision: 1,
          dialog: { id: WELCOME, name: 'Twin' },
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT', path: 'dialog.id' });
    expect(await observable(id)).toEqual(before);
  });

  it('renameDialog changes only the name of the dialog', async () => {
    const id = await importBot();
    const original = await dialogOf(id, WELCOME);
    const answer = await editor.editing.renameDialog({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      name: '  Welcome, renamed  ',
    });
    expect(answer).toMatchObject({
      revision: 2,
      dialogId: WELCOME,
      dialogName: 'Welcome, renamed',
    });
    const renamed = await dialogOf(id, WELCOME);
    expect(renamed).toEqual({
      dialog: { ...original.dialog, name: 'Welcome, renamed' },
      interactions: original.interactions,
    });
  });

  it('updateDialog replaces the dialog entity and keeps its interactions', async () => {
    const id = await importBot();
    const original = await dialogOf(id, WELCOME);
    await editor.editing.updateDialog({
      automation: id,
      baseRevision: 1,
      dialog: { id: WELCOME, name: 'Welcome', status: 'DISABLED' },
    });
    expect(await dialogOf(id, WELCOME)).toEqual({
      dialog: { id: WELCOME, name: 'Welcome', status: 'DISABLED' },
      interactions: original.interactions,
    });
  });

  it('deleteDialog removes the dialog with its interactions', async () => {
    const id = await importBot();
    const answer = await editor.editing.deleteDialog({
      automation: id,
      baseRevision: 1,
      dialogId: GO_BACK,
    });
    expect(answer).toMatchObject({ revision: 2, dialogId: GO_BACK, removedInteractions: 2 });
    const shown = await viewer.automations.show({ automation: id });
    expect(shown.counts).toMatchObject({ dialogs: 2, interactions: 7 });
    const { document } = await viewer.automations.export({ automation: id });
    expect(document.conversationMessage).not.toContainEqual(
      expect.objectContaining({ group: GO_BACK }),
    );
  });

  it('addInteraction puts a new interaction, with a fresh id, into the dialog at the index', async () => {
    const id = await importBot();
    const answer = await editor.editing.addInteraction({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interaction: { type: 'BOT_MESSAGE', name: 'greeting', content: { contentType: 'STATIC' } },
      index: 1,
    });
    expect(answer).toMatchObject({ revision: 2, dialogId: WELCOME });
    const welcome = await dialogOf(id, WELCOME);
    expect(welcome.interactions.map((i) => i.id)).toEqual([
      WELCOME_INTERACTIONS[0],
      answer.interactionId,
      ...WELCOME_INTERACTIONS.slice(1),
    ]);
    const before = chainOrder(welcome.interactions.filter((i) => i.id !== answer.interactionId));
    expect(welcome.interactions[1]).toEqual({
      id: answer.interactionId,
      type: 'BOT_MESSAGE',
      name: 'greeting',
      content: { contentType: 'STATIC' },
      // CB links it after the interaction before it, and that one's successor after it.
      prevMessageId: WELCOME_INTERACTIONS[0],
      nextMessageId: before[before.indexOf(WELCOME_INTERACTIONS[0]) + 1],
      group: WELCOME,
    });
    const order = chainOrder(welcome.interactions);
    expect(order[order.indexOf(WELCOME_INTERACTIONS[0]) + 1]).toBe(answer.interactionId);
  });

  it('addInteraction refuses an id used anywhere in the bot, and an unknown dialog', async () => {
    const id = await importBot();
    const before = await observable(id);
    expect(
      await failure(
        editor.editing.addInteraction({
          automation: id,
          baseRevision: 1,
          dialogId: WELCOME,
          interaction: { id: GO_BACK_STARTER },
        }),
      ),
    ).toMatchObject({ code: 'CONFLICT', path: 'interaction.id' });
    expect(
      await failure(
        editor.editing.addInteraction({
          automation: id,
          baseRevision: 1,
          dialogId: 'no-such-dialog',
          interaction: {},
        }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'dialogId' });
    expect(await observable(id)).toEqual(before);
  });

  it('addInteraction puts an interaction of any kind right before or after the one named', async () => {
    const id = await importBot();
    const x = WELCOME_INTERACTIONS[3];
    const made = (spec: Parameters<typeof newInteraction>[0]) => {
      const result = newInteraction(spec);
      if (!result.ok) throw new Error(result.error.message);
      return result.value;
    };
    const quickReplies = made({
      type: 'QUICK_REPLY',
      name: 'pick one',
      text: 'Which?',
      options: ['Yes', 'No'],
      code: { preProcessMessage: 'setVar("x", 1);' },
    });
    const after = await editor.editing.addInteraction({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interaction: quickReplies,
      after: x,
    });
    expect(after).toMatchObject({ revision: 2, index: 4 });
    const integration = made({
      type: 'API_INTEGRATION',
      name: 'call it',
      integration: { name: 'Lookup' },
    });
    const before = await editor.editing.addInteraction({
      automation: id,
      baseRevision: 2,
      dialogId: WELCOME,
      interaction: integration,
      before: x,
    });
    expect(before).toMatchObject({ revision: 3, index: 3 });
    const welcome = (await dialogOf(id, WELCOME)).interactions;
    expect(welcome.map((i) => i.id)).toEqual([
      ...WELCOME_INTERACTIONS.slice(0, 3),
      before.interactionId,
      x,
      after.interactionId,
      ...WELCOME_INTERACTIONS.slice(4),
    ]);
    // As given, with an id, its dialog and its links; CB runs them right before and after x.
    const { prevMessageId, nextMessageId, ...stored } = must(welcome[5], 'the quick replies');
    expect(stored).toEqual({ ...quickReplies, id: after.interactionId, group: WELCOME });
    expect([prevMessageId, nextMessageId]).not.toContain(undefined);
    const order = chainOrder(welcome);
    expect(order.slice(order.indexOf(x) - 1, order.indexOf(x) + 2)).toEqual([
      before.interactionId,
      x,
      after.interactionId,
    ]);
    const readable = await viewer.automations.dialog({ automation: id, dialogId: WELCOME });
    expect(readable.interactions[3]).toMatchObject({ interactionType: 'API_INTEGRATION' });
  });

  it('addInteraction next to an interaction the dialog lacks is NOT_FOUND there and writes nothing', async () => {
    const id = await importBot();
    const before = await observable(id);
    const base = { automation: id, baseRevision: 1, dialogId: WELCOME, interaction: {} };
    const gone = await failure(editor.editing.addInteraction({ ...base, after: GO_BACK_STARTER }));
    expect(gone).toMatchObject({ code: 'NOT_FOUND', path: 'after' });
    expect(gone.message).toMatch(/^The dialog has no interaction with id ".+" to add after: /);
    expect(await failure(editor.editing.addInteraction({ ...base, before: 'nope' }))).toMatchObject(
      { code: 'NOT_FOUND', path: 'before' },
    );
    expect(
      await failure(
        editor.editing.addInteraction({ ...base, index: 0, before: WELCOME_INTERACTIONS[0] }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'before' });
    expect(await observable(id)).toEqual(before);
  });

  it('updateInteraction replaces the interaction in place', async () => {
    const id = await importBot();
    const answer = await editor.editing.updateInteraction({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interaction: { id: WELCOME_INTERACTIONS[2], type: 'TEXT_QUESTION', name: 'changed' },
    });
    expect(answer).toMatchObject({ revision: 2, interactionId: WELCOME_INTERACTIONS[2] });
    const welcome = await dialogOf(id, WELCOME);
    expect(welcome.interactions.map((i) => i.id)).toEqual(WELCOME_INTERACTIONS);
    expect(welcome.interactions[2]).toEqual({
      id: WELCOME_INTERACTIONS[2],
      type: 'TEXT_QUESTION',
      name: 'changed',
      group: WELCOME,
    });
  });

  it('deleteInteraction removes exactly that interaction', async () => {
    const id = await importBot();
    await editor.editing.deleteInteraction({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interactionId: WELCOME_INTERACTIONS[3],
    });
    const welcome = await dialogOf(id, WELCOME);
    expect(welcome.interactions.map((i) => i.id)).toEqual(
      WELCOME_INTERACTIONS.filter((_, i) => i !== 3),
    );
  });

  it('reorderInteractions puts the interactions of a dialog in the order given', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'as imported' });
    const wanted = [
      WELCOME_INTERACTIONS[5],
      WELCOME_INTERACTIONS[0],
      WELCOME_INTERACTIONS[2],
      WELCOME_INTERACTIONS[1],
      WELCOME_INTERACTIONS[4],
      WELCOME_INTERACTIONS[3],
    ];
    const answer = await editor.editing.reorderInteractions({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interactionIds: wanted,
    });
    expect(answer).toMatchObject({ revision: 2, dialogId: WELCOME });
    const welcome = (await dialogOf(id, WELCOME)).interactions;
    expect(welcome.map((i) => i.id)).toEqual(wanted);
    // CB runs the dialog along its prevMessageId/nextMessageId chain: it follows the new order,
    // the first without prevMessageId and the last without nextMessageId, as CB writes them.
    expect(chainOrder(welcome)).toEqual(wanted);
    expect(welcome[0]).not.toHaveProperty('prevMessageId');
    expect(welcome.at(-1)).not.toHaveProperty('nextMessageId');
    // Nothing else changed: only moves and link fields.
    const diff = await viewer.versions.diff({ automation: id, from: 'as imported' });
    expect(diff.summary).toMatchObject({ added: 0, removed: 0 });
    for (const c of diff.changes) {
      expect(c.kind).toBe('interaction');
      for (const f of c.fields) expect(f.path).toMatch(/^\/(prevMessageId|nextMessageId)$/);
    }
  });

  it('deleteInteraction and addInteraction keep the CB link chain whole', async () => {
    const id = await importBot();
    const before = chainOrder((await dialogOf(id, WELCOME)).interactions);
    const middle = must(before[2], 'a middle interaction');
    await editor.editing.deleteInteraction({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interactionId: middle,
    });
    const afterDelete = (await dialogOf(id, WELCOME)).interactions;
    expect(chainOrder(afterDelete)).toEqual(before.filter((i) => i !== middle));
    const added = await editor.editing.addInteraction({
      automation: id,
      baseRevision: 2,
      dialogId: WELCOME,
      interaction: { id: 'new-one', type: 'TEXT' },
    });
    expect(added.interactionId).toBe('new-one');
    const afterAdd = (await dialogOf(id, WELCOME)).interactions;
    // Added last (no index): linked after the chain's former last interaction.
    expect(chainOrder(afterAdd)).toEqual([...before.filter((i) => i !== middle), 'new-one']);
  });

  it('reorderInteractions refuses a list that is not exactly the dialog’s interactions', async () => {
    const id = await importBot();
    const before = await observable(id);
    for (const interactionIds of [
      WELCOME_INTERACTIONS.slice(1),
      [...WELCOME_INTERACTIONS.slice(1), WELCOME_INTERACTIONS[1]],
      [...WELCOME_INTERACTIONS.slice(1), GO_BACK_STARTER],
      [...WELCOME_INTERACTIONS, GO_BACK_STARTER],
    ])
      expect(
        await failure(
          editor.editing.reorderInteractions({
            automation: id,
            baseRevision: 1,
            dialogId: WELCOME,
            interactionIds,
          }),
        ),
      ).toMatchObject({ code: 'VALIDATION', path: 'interactionIds' });
    expect(await observable(id)).toEqual(before);
  });

  it('an unknown dialog or interaction is NOT_FOUND on the field that names it, and nothing changes', async () => {
    const id = await importBot();
    const before = await observable(id);
    const base = { automation: id, baseRevision: 1 };
    const cases: [() => Promise<unknown>, string][] = [
      [() => editor.editing.renameDialog({ ...base, dialogId: 'nope', name: 'x' }), 'dialogId'],
      [
        () => editor.editing.updateDialog({ ...base, dialog: { id: 'nope', name: 'x' } }),
        'dialog.id',
      ],
      [() => editor.editing.deleteDialog({ ...base, dialogId: 'nope' }), 'dialogId'],
      [
        () =>
          editor.editing.updateInteraction({
            ...base,
            dialogId: WELCOME,
            interaction: { id: GO_BACK_STARTER },
          }),
        'interaction.id',
      ],
      [
        () =>
          editor.editing.deleteInteraction({ ...base, dialogId: WELCOME, interactionId: 'nope' }),
        'interactionId',
      ],
      [
        () =>
          editor.editing.deleteInteraction({
            ...base,
            dialogId: 'nope',
            interactionId: GO_BACK_STARTER,
          }),
        'dialogId',
      ],
      [
        () => editor.editing.reorderInteractions({ ...base, dialogId: 'nope', interactionIds: [] }),
        'dialogId',
      ],
    ];
    for (const [call, path] of cases)
      expect(await failure(call())).toMatchObject({ code: 'NOT_FOUND', path });
    expect(await observable(id)).toEqual(before);
  });

  it('bad input is refused with the field and nothing changes', async () => {
    const id = await importBot();
    const before = await observable(id);
    const base = { automation: id, baseRevision: 1 };
    const bad = (input: unknown) => input as never;
    const cases: [() => Promise<unknown>, string][] = [
      [() => editor.editing.setSettings(bad({ ...base, settings: 'x' })), 'settings'],
      [
        () => editor.editing.setSettings(bad({ ...base, baseRevision: 0, settings: {} })),
        'baseRevision',
      ],
      [() => editor.editing.setSettings(bad({ automation: id, settings: {} })), 'baseRevision'],
      [
        () => editor.editing.setSettings(bad({ ...base, automation: ' ', settings: {} })),
        'automation',
      ],
      [() => editor.editing.addDialog(bad({ ...base, dialog: { name: '  ' } })), 'dialog.name'],
      [() => editor.editing.addDialog(bad({ ...base, dialog: { id: 7, name: 'x' } })), 'dialog.id'],
      [() => editor.editing.addDialog(bad({ ...base, dialog: { name: 'x' }, index: -1 })), 'index'],
      [
        () => editor.editing.addDialog(bad({ ...base, dialog: { name: 'x', n: Number.NaN } })),
        'dialog.n',
      ],
      [
        () =>
          editor.editing.renameDialog(bad({ ...base, dialogId: WELCOME, name: 'x'.repeat(201) })),
        'name',
      ],
      [() => editor.editing.updateDialog(bad({ ...base, dialog: { name: 'no id' } })), 'dialog.id'],
      [() => editor.editing.deleteDialog(bad({ ...base, dialogId: '' })), 'dialogId'],
      [
        () => editor.editing.addInteraction(bad({ ...base, dialogId: WELCOME, interaction: [] })),
        'interaction',
      ],
      [
        () =>
          editor.editing.updateInteraction(bad({ ...base, dialogId: WELCOME, interaction: {} })),
        'interaction.id',
      ],
      [
        () => editor.editing.deleteInteraction(bad({ ...base, dialogId: WELCOME })),
        'interactionId',
      ],
      [
        () =>
          editor.editing.reorderInteractions(
            bad({ ...base, dialogId: WELCOME, interactionIds: 'a' }),
          ),
        'interactionIds',
      ],
    ];
    for (const [call, path] of cases)
      expect(await failure(call())).toMatchObject({ code: 'VALIDATION', path });
    expect(await observable(id)).toEqual(before);
  });

  it.each(EDITS)('%s with a stale revision is a conflict and writes nothing', async (_, edit) => {
    const id = await importBot();
    await editor.automations.rename({ automation: id, name: `stale ${id}`, baseRevision: 1 });
    const before = await observable(id);
    expect(await failure(edit(editor, id, 1))).toMatchObject({
      code: 'CONFLICT',
      path: 'baseRevision',
      details: { expected: 1, actual: 2 },
    });
    expect(await observable(id)).toEqual(before);
    // Reloading and retrying with the current revision works.
    expect(await edit(editor, id, 2)).toMatchObject({ id, revision: 3 });
  });

  it.each(EDITS)('%s of an unknown automation is NOT_FOUND', async (_, edit) => {
    expect(await failure(edit(editor, 'no such automation', 1))).toMatchObject({
      code: 'NOT_FOUND',
      path: 'automation',
    });
  });

  it.each(EDITS)('%s is forbidden to a viewer, who changes nothing', async (_, edit) => {
    const id = await importBot();
    const before = await observable(id);
    expect(await failure(edit(viewer, id, 1))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failure(edit(api.as('anonymous'), id, 1))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(await observable(id)).toEqual(before);
  });

  it('every edit writes one audit entry with the content hashes before and after', async () => {
    const id = await importBot();
    const hashes = [(await viewer.automations.show({ automation: id })).root];
    for (const [, edit] of EDITS) {
      const answer = (await edit(editor, id, hashes.length)) as { contentHash: string };
      hashes.push(answer.contentHash);
    }
    const rows = (await auditRows(id)).filter((r) => r.action !== 'automation.import');
    expect(rows.map((r) => [r.before, r.after])).toEqual(
      hashes.slice(1).map((after, i) => [hashes[i], after]),
    );
    expect(rows.map((r) => r.action)).toEqual([
      'settings.update',
      'dialog.add',
      'dialog.rename',
      'dialog.update',
      'dialog.delete',
      'interaction.add',
      'interaction.add',
      'interaction.update',
      'interaction.delete',
      'interaction.reorder',
    ]);
    expect((await viewer.automations.show({ automation: id })).revision).toBe(EDITS.length + 1);
  });
});
