import { must } from '@ferry/core';
import { schema } from '@ferry/db';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, setPolicy } from '../repositories/policy-repository.js';
import {
  fixture,
  createTestApi,
  failure,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from '../test-support/harness.js';

// returns-desk.json (packages/fixtures): dialog "1 Start" and its interaction text_6.
const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12';
const TEXT_6 = 'e47dada547cf9c1013860364262beb716d9791b4';

const DATE_TIME_NAME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;

describe.each(testDatabaseKinds())('versions on %s', (kind) => {
  let api: TestApi;
  let editor: ApiCaller;
  let viewer: ApiCaller;
  let creator: ApiCaller;
  beforeAll(async () => {
    api = await createTestApi(kind);
    editor = api.as('editor');
    viewer = api.as('viewer');
    creator = api.as('release-creator');
  });
  afterAll(() => api.close());
  afterEach(() => setPolicy(api.database.db, DEFAULT_POLICY));

  const importBot = async (file = 'returns-desk.json') =>
    (await editor.automations.import({ document: fixture(file) })).id;
  const exported = async (automation: string, version?: string) =>
    (await viewer.automations.export({ automation, ...(version && { version }) })).document;
  const auditActions = async (automationId: string) =>
    (
      await api.database.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.automationId, automationId))
        .orderBy(schema.auditLog.seq)
    ).map((r) => r.action);
  /** What a user can see of an automation: its state, its versions and the audit trail's length. */
  const observable = async (automation: string) => ({
    shown: await viewer.automations.show({ automation }),
    versions: await viewer.versions.list({ automation }),
    audit: (await api.database.db.select().from(schema.auditLog)).length,
  });
  /** Change the text of one interaction of the "1 Start" dialog. */
  const editText = async (automation: string, text: string) => {
    const { content, revision } = await viewer.automations.content({ automation });
    const welcome = must(
      content.dialogs.find((d) => d.dialog.id === WELCOME),
      'the "1 Start" dialog',
    );
    const interaction = must(
      welcome.interactions.find((i) => i.id === TEXT_6),
      `interaction ${TEXT_6} of the "1 Start" dialog`,
    );
    const changed = JSON.parse(JSON.stringify(interaction)) as typeof interaction & {
      id: string;
      content: { results: { tile: { tileData: { text: string }[] } } };
    };
    must(changed.content.results.tile.tileData[0], 'the first tile of the interaction').text = text;
    return editor.editing.updateInteraction({
      automation,
      baseRevision: revision,
      dialogId: WELCOME,
      interaction: changed,
    });
  };

  it('numbers versions #1, #2, … per automation, automatic ones included, and lists them newest first', async () => {
    const id = await importBot();
    const other = await importBot();
    const first = await editor.versions.save({ automation: id, name: 'First' });
    expect(first).toMatchObject({ number: 1, name: 'First', automatic: false, kind: 'manual' });
    expect((await editor.versions.save({ automation: other })).number).toBe(1);
    const restored = await editor.versions.restore({ automation: id, version: 1 });
    expect(restored.backup).toMatchObject({ number: 2, automatic: true });
    const third = await editor.versions.save({ automation: id, name: 'Third' });
    expect(third.number).toBe(3);
    const list = await viewer.versions.list({ automation: id });
    expect(list.map((v) => [v.number, v.name])).toEqual([
      [3, 'Third'],
      [2, 'Before restore of #1'],
      [1, 'First'],
    ]);
    expect(list[0]).toEqual({
      id: third.id,
      number: 3,
      name: 'Third',
      description: '',
      author: 'editor',
      createdAt: expect.any(String),
      automatic: false,
      kind: 'manual',
      pinned: false,
      contentHash: third.contentHash,
    });
  });

  it('save keeps the working copy as it is and answers the version with the automation revision', async () => {
    const id = await importBot();
    const before = await viewer.automations.show({ automation: id });
    const saved = await editor.versions.save({
      automation: id,
      name: '  Ready for review  ',
      description: 'Checked with QA',
      baseRevision: 1,
    });
    expect(saved).toMatchObject({
      number: 1,
      name: 'Ready for review',
      description: 'Checked with QA',
      author: 'editor',
      contentHash: before.root,
      automation: { id, revision: 1 },
      pruned: [],
    });
    const after = await viewer.automations.show({ automation: id });
    expect(after).toMatchObject({ root: before.root, revision: 1, lastVersionNumber: 1 });
    expect(await exported(id, '1')).toEqual(await exported(id));
    expect(await auditActions(id)).toEqual(['automation.import', 'version.save']);
  });

  it('a blank or missing version name becomes the date and time', async () => {
    const id = await importBot();
    expect((await editor.versions.save({ automation: id, name: '   ' })).name).toMatch(
      DATE_TIME_NAME,
    );
    expect((await editor.versions.save({ automation: id })).name).toMatch(DATE_TIME_NAME);
  });

  it('save with a stale revision is a conflict and writes nothing', async () => {
    const id = await importBot();
    await editText(id, 'changed');
    const before = await observable(id);
    expect(await failure(editor.versions.save({ automation: id, baseRevision: 1 }))).toMatchObject({
      code: 'CONFLICT',
      path: 'baseRevision',
      details: { expected: 1, actual: 2 },
    });
    expect(await observable(id)).toEqual(before);
  });

  it('bad input to save, restore, show, delete, pin and diff is refused with the field and changes nothing', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'v' });
    const before = await observable(id);
    const bad = (input: unknown) => input as never;
    const cases: [() => Promise<unknown>, string][] = [
      [() => editor.versions.save(bad({ automation: id, name: 'x'.repeat(201) })), 'name'],
      [
        () => editor.versions.save(bad({ automation: id, description: 'x'.repeat(4001) })),
        'description',
      ],
      [() => editor.versions.save(bad({ automation: id, baseRevision: 1.5 })), 'baseRevision'],
      [() => editor.versions.save(bad({ automation: '' })), 'automation'],
      [() => viewer.versions.list(bad({})), 'automation'],
      [() => viewer.versions.show(bad({ automation: id, version: ' ' })), 'version'],
      [() => viewer.versions.show(bad({ automation: id, version: 0 })), 'version'],
      [() => editor.versions.restore(bad({ automation: id })), 'version'],
      [
        () => editor.versions.restore(bad({ automation: id, version: '1', baseRevision: -1 })),
        'baseRevision',
      ],
      [() => creator.versions.delete(bad({ automation: id, version: '' })), 'version'],
      [() => editor.versions.pin(bad({ automation: id, version: '1', pinned: 'yes' })), 'pinned'],
      [() => viewer.versions.diff(bad({ automation: id, from: '' })), 'from'],
      [() => viewer.versions.diff(bad({ automation: id, to: {} })), 'to'],
    ];
    for (const [call, path] of cases)
      expect(await failure(call())).toMatchObject({ code: 'VALIDATION', path });
    expect(await observable(id)).toEqual(before);
  });

  it('an unknown automation or version is NOT_FOUND for every versions procedure, and nothing changes', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'only' });
    const before = await observable(id);
    const missing = 'no such automation';
    const cases: [() => Promise<unknown>, string][] = [
      [() => viewer.versions.list({ automation: missing }), 'automation'],
      [() => editor.versions.save({ automation: missing }), 'automation'],
      [() => viewer.versions.show({ automation: missing, version: 1 }), 'automation'],
      [() => editor.versions.restore({ automation: missing, version: 1 }), 'automation'],
      [() => creator.versions.delete({ automation: missing, version: 1 }), 'automation'],
      [() => editor.versions.pin({ automation: missing, version: 1, pinned: true }), 'automation'],
      [() => viewer.versions.diff({ automation: missing }), 'automation'],
      [() => viewer.versions.show({ automation: id, version: 2 }), 'version'],
      [() => viewer.versions.show({ automation: id, version: 'not a name' }), 'version'],
      [() => editor.versions.restore({ automation: id, version: '#9' }), 'version'],
      [() => creator.versions.delete({ automation: id, version: 'nope' }), 'version'],
      [() => editor.versions.pin({ automation: id, version: 3, pinned: true }), 'version'],
      [() => viewer.versions.diff({ automation: id, from: 'nope' }), 'from'],
      [() => viewer.versions.diff({ automation: id, from: '1', to: '#5' }), 'to'],
    ];
    for (const [call, path] of cases)
      expect(await failure(call())).toMatchObject({ code: 'NOT_FOUND', path });
    expect(await observable(id)).toEqual(before);
  });

  it('show finds a version by N, #N, id or name, and a repeated name picks the newest', async () => {
    const id = await importBot();
    const a = await editor.versions.save({ automation: id, name: 'Nightly' });
    await editor.editing.deleteInteraction({
      automation: id,
      baseRevision: 1,
      dialogId: WELCOME,
      interactionId: TEXT_6,
    });
    const b = await editor.versions.save({ automation: id, name: 'Nightly' });
    for (const ref of [1, '1', '#1', a.id])
      expect((await viewer.versions.show({ automation: id, version: ref })).id).toBe(a.id);
    const shown = await viewer.versions.show({ automation: id, version: 'Nightly' });
    expect(shown).toMatchObject({
      id: b.id,
      number: 2,
      name: 'Nightly',
      automation: { id, name: expect.stringMatching(/^returnsDesk/) },
      counts: { dialogs: 3, interactions: 8, integrations: 0 },
    });
    expect((await viewer.versions.show({ automation: id, version: 1 })).counts).toEqual({
      dialogs: 3,
      interactions: 9,
      integrations: 0,
    });
    const withIntegration = await importBot('order-tracker.json');
    await editor.versions.save({ automation: withIntegration });
    expect(
      (await viewer.versions.show({ automation: withIntegration, version: 1 })).counts,
    ).toEqual({ dialogs: 2, interactions: 7, integrations: 1 });
  });

  it('restore saves "Before restore of #N" first, then the working copy equals the restored version', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'Good' });
    await editText(id, 'edited after #1');
    const edited = await exported(id);
    const { name } = await viewer.automations.show({ automation: id });
    const answer = await editor.versions.restore({
      automation: id,
      version: 'Good',
      baseRevision: 2,
    });
    expect(answer).toMatchObject({
      automation: { id, revision: 3 },
      restored: { number: 1, name: 'Good' },
      backup: {
        number: 2,
        name: 'Before restore of #1',
        automatic: true,
        kind: 'before-restore',
        pinned: false,
      },
      pruned: [],
    });
    expect(await exported(id)).toEqual(await exported(id, '1'));
    // The restore can be undone: the backup holds the edits.
    expect(await exported(id, '#2')).toEqual(edited);
    const shown = await viewer.automations.show({ automation: id });
    expect(shown).toMatchObject({ name, revision: 3, lastVersionNumber: 2 });
    expect(await auditActions(id)).toEqual([
      'automation.import',
      'version.save',
      'interaction.update',
      'version.restore',
    ]);
  });

  it('editing then restoring round-trips the content exactly', async () => {
    const id = await importBot('tile-showcase.json');
    const original = await exported(id);
    await editor.versions.save({ automation: id, name: 'Original' });
    const { content } = await viewer.automations.content({ automation: id });
    const first = must(content.dialogs[0], 'the first dialog of tile-showcase');
    const second = must(content.dialogs[1], 'the second dialog of tile-showcase');
    let revision = 1;
    const next = () => revision++;
    await editor.editing.renameDialog({
      automation: id,
      baseRevision: next(),
      dialogId: String(first.dialog.id),
      name: 'Renamed',
    });
    await editor.editing.deleteDialog({
      automation: id,
      baseRevision: next(),
      dialogId: String(second.dialog.id),
    });
    await editor.editing.addInteraction({
      automation: id,
      baseRevision: next(),
      dialogId: String(first.dialog.id),
      interaction: { type: 'BOT_MESSAGE' },
      index: 0,
    });
    await editor.editing.setSettings({ automation: id, baseRevision: next(), settings: {} });
    expect(await exported(id)).not.toEqual(original);
    await editor.versions.restore({ automation: id, version: 'Original', baseRevision: revision });
    expect(await exported(id)).toEqual(original);
  });

  it('restore with a stale revision is a conflict and writes nothing', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id });
    await editText(id, 'newer');
    const before = await observable(id);
    expect(
      await failure(editor.versions.restore({ automation: id, version: 1, baseRevision: 1 })),
    ).toMatchObject({ code: 'CONFLICT', path: 'baseRevision' });
    expect(await observable(id)).toEqual(before);
  });

  it('delete removes a version and its number is never given again', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'one' });
    await editor.versions.save({ automation: id, name: 'two' });
    const answer = await creator.versions.delete({ automation: id, version: 'two' });
    expect(answer).toMatchObject({ automation: { id, revision: 1 }, deleted: { number: 2 } });
    expect((await viewer.versions.list({ automation: id })).map((v) => v.number)).toEqual([1]);
    expect((await editor.versions.save({ automation: id })).number).toBe(3);
    expect(await auditActions(id)).toContain('version.delete');
  });

  it('an editor may not delete versions', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id });
    const before = await observable(id);
    expect(await failure(editor.versions.delete({ automation: id, version: 1 }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await observable(id)).toEqual(before);
  });

  it('the backup a rollback would return to cannot be deleted', async () => {
    const source = await importBot();
    const target = await importBot();
    const backup = await editor.versions.save({ automation: target, name: 'backup' });
    const db = api.database.db;
    const [release] = await db
      .insert(schema.releases)
      .values({
        id: `release-${target}`,
        sourceId: source,
        targetId: target,
        version: '1.0.0',
        root: backup.contentHash,
        createdBy: 'release-creator',
        status: 'upgraded',
      })
      .returning();
    await db.insert(schema.upgrades).values({
      id: `upgrade-${target}`,
      targetId: target,
      releaseId: must(release, 'the inserted release row').id,
      releaseVersion: '1.0.0',
      backupVersionId: backup.id,
      resultVersionId: backup.id,
      root: backup.contentHash,
      by: 'release-acceptor',
      at: new Date(),
    });
    const before = await observable(target);
    expect(
      await failure(creator.versions.delete({ automation: target, version: 'backup' })),
    ).toMatchObject({ code: 'CONFLICT', path: 'version' });
    expect(await observable(target)).toEqual(before);
  });

  it('pin and unpin mark a version, and are audited', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'keep me' });
    expect(
      await editor.versions.pin({ automation: id, version: 'keep me', pinned: true }),
    ).toMatchObject({ number: 1, pinned: true, automation: { id, revision: 1 } });
    expect((await viewer.versions.show({ automation: id, version: 1 })).pinned).toBe(true);
    await editor.versions.pin({ automation: id, version: 1, pinned: false });
    expect(
      must((await viewer.versions.list({ automation: id }))[0], 'the newest version').pinned,
    ).toBe(false);
    expect(await auditActions(id)).toEqual([
      'automation.import',
      'version.save',
      'version.pin',
      'version.unpin',
    ]);
  });

  it('a retention policy prunes the oldest automatic versions after save and restore, never pinned ones', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'manual' }); // #1
    for (let i = 0; i < 3; i++) await editor.versions.restore({ automation: id, version: 1 }); // #2–#4
    await editor.versions.pin({ automation: id, version: 2, pinned: true });
    await setPolicy(api.database.db, { ...DEFAULT_POLICY, keepAutomaticVersions: 1 });
    // With its base revision: the one-statement save (saveUnlocked) must leave pruning to the locked path.
    const { revision } = await viewer.automations.show({ automation: id });
    const saved = await editor.versions.save({
      automation: id,
      name: 'after policy',
      baseRevision: revision,
    }); // #5
    expect(saved.pruned).toEqual([3]);
    expect((await viewer.versions.list({ automation: id })).map((v) => v.number)).toEqual([
      5, 4, 2, 1,
    ]);
    const restored = await editor.versions.restore({ automation: id, version: 5 }); // #6
    expect(restored.pruned).toEqual([4]);
    expect((await viewer.versions.list({ automation: id })).map((v) => v.number)).toEqual([
      6, 5, 2, 1,
    ]);
    const prunes = (
      await api.database.db
        .select()
        .from(schema.auditLog)
        .where(eq(schema.auditLog.action, 'version.prune'))
    ).filter((r) => r.automationId === id);
    expect(prunes.map((r) => r.details)).toEqual([
      { numbers: [3], keep: 1 },
      { numbers: [4], keep: 1 },
    ]);
  });

  it('a policy keeping no automatic versions still keeps the backup of the restore just made', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id }); // #1
    await editor.versions.restore({ automation: id, version: 1 }); // #2
    await setPolicy(api.database.db, { ...DEFAULT_POLICY, keepAutomaticVersions: 0 });
    const restored = await editor.versions.restore({ automation: id, version: 1 }); // #3
    expect(restored.pruned).toEqual([2]);
    expect((await viewer.versions.list({ automation: id })).map((v) => v.number)).toEqual([3, 1]);
  });

  it('diff after editing one interaction reports exactly that interaction', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, name: 'before' });
    await editText(id, 'Hello there!');
    const diff = await viewer.versions.diff({ automation: id, from: 'before' });
    expect(diff.from).toMatchObject({ label: '#1 before', version: { number: 1 } });
    expect(diff.to).toMatchObject({ label: 'working copy (revision 2)', version: null });
    expect(diff.to.root).toBe((await viewer.automations.show({ automation: id })).root);
    expect(diff.summary).toEqual({
      added: 0,
      removed: 0,
      changed: 1,
      moved: 0,
      text: '1 interaction changed.',
    });
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({
      kind: 'interaction',
      op: 'changed',
      id: TEXT_6,
      dialogId: WELCOME,
      fields: [
        {
          path: '/content/results/tile/tileData/0/text',
          after: 'Hello there!',
        },
      ],
    });
    // The same change, between two versions, and reversed.
    await editor.versions.save({ automation: id, name: 'after' });
    const between = await viewer.versions.diff({ automation: id, from: '#1', to: 'after' });
    expect(between.changes.map((c) => c.id)).toEqual([TEXT_6]);
    const back = await viewer.versions.diff({ automation: id, from: 'after', to: 1 });
    expect(must(back.changes[0], 'the one change of the reversed diff').fields[0]).toMatchObject({
      before: 'Hello there!',
    });
  });

  it('diff of the working copy with itself, or of equal versions, has no changes', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id });
    for (const input of [{}, { from: '1' }, { to: '1' }])
      expect(await viewer.versions.diff({ automation: id, ...input })).toMatchObject({
        summary: { added: 0, removed: 0, changed: 0, moved: 0, text: 'No changes.' },
        changes: [],
      });
  });

  it('a viewer gets FORBIDDEN on every versions mutation and changes nothing; anonymous callers cannot read', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id });
    const before = await observable(id);
    for (const call of [
      () => viewer.versions.save({ automation: id }),
      () => viewer.versions.restore({ automation: id, version: 1 }),
      () => viewer.versions.delete({ automation: id, version: 1 }),
      () => viewer.versions.pin({ automation: id, version: 1, pinned: true }),
    ])
      expect(await failure(call())).toMatchObject({ code: 'FORBIDDEN' });
    for (const call of [
      () => api.as('anonymous').versions.list({ automation: id }),
      () => api.as('anonymous').versions.show({ automation: id, version: 1 }),
      () => api.as('anonymous').versions.diff({ automation: id }),
    ])
      expect(await failure(call())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await observable(id)).toEqual(before);
  });
});
