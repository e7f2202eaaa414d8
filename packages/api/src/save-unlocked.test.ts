// versions.save at a stated base revision: one statement (commitSave) when the save needs nothing
// more, else the locked path, with the same outcome either way.
import { saveVersion } from '@ferry/core';
import { schema } from '@ferry/db';
import { asc, eq, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditRow, opContext } from './audit.js';
import {
  commitSave,
  findAutomation,
  toAutomation,
  type AutomationRow,
} from './repositories/automation-repository.js';
import { DEFAULT_POLICY, setPolicy } from './repositories/policy-repository.js';
import {
  createTestApi,
  fixture,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from './test-support/harness.js';

describe.each(testDatabaseKinds())('saving at a base revision on %s', (kind) => {
  let api: TestApi;
  let editor: ApiCaller;
  beforeAll(async () => {
    api = await createTestApi(kind);
    editor = api.as('editor');
  });
  afterAll(() => api.close());
  afterEach(async () => {
    await setPolicy(api.database.db, DEFAULT_POLICY);
    await api.database.db.delete(schema.webhooks);
  });

  const db = () => api.database.db;
  const importBot = async () =>
    (await editor.automations.import({ document: fixture('returns-desk.json') })).id;
  const versionsOf = (id: string) =>
    db()
      .select()
      .from(schema.versions)
      .where(eq(schema.versions.automationId, id))
      .orderBy(asc(schema.versions.number));
  const auditOf = (id: string) =>
    db()
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.automationId, id))
      .orderBy(asc(schema.auditLog.seq));
  /** What a save wrote, without what differs between any two saves (ids, times, sequence). */
  const written = async (id: string) => ({
    row: (({ lastVersionNumber, revision }) => ({ lastVersionNumber, revision }))(
      await findAutomation(db(), id),
    ),
    versions: (await versionsOf(id)).map(({ id: _, createdAt: __, automationId: ___, ...v }) => v),
    audit: (await auditOf(id)).map(
      ({ seq: _, at: __, automationId: ___, versionId, requestId: ____, ...e }) => ({
        ...e,
        version: versionId === null ? null : 'set',
      }),
    ),
  });
  /** A save of `row` as the core computes it, ready for commitSave. */
  const saveOf = (row: AutomationRow) => {
    const saved = saveVersion(
      toAutomation(row),
      { name: 'direct' },
      opContext({ caller: null }, uuidv7),
    );
    if (!saved.ok) throw new Error(saved.error.message);
    return {
      row,
      version: saved.value.version,
      audit: auditRow({ requestId: 'test' }, saved.value.audit),
      event: 'version.saved',
    };
  };

  it('stores the same version, row and audit entry as the locked save', async () => {
    const [fast, locked] = [await importBot(), await importBot()];
    const answer = await editor.versions.save({ automation: fast, name: 'v', baseRevision: 1 });
    await editor.versions.save({ automation: locked, name: 'v' }); // no base revision: locked
    expect(answer).toMatchObject({
      number: 1,
      name: 'v',
      author: 'editor',
      kind: 'manual',
      automatic: false,
      pinned: false,
      pruned: [],
      automation: { id: fast, revision: 1 },
    });
    expect(await written(fast)).toEqual(await written(locked));
    const [version] = await versionsOf(fast);
    const [, saveEntry] = await auditOf(fast);
    expect(version).toMatchObject({ id: answer.id, root: answer.contentHash });
    expect(saveEntry).toMatchObject({ action: 'version.save', versionId: answer.id, revision: 1 });
    // The next save, from the row this process remembered, takes the next number.
    const next = await editor.versions.save({ automation: fast, baseRevision: 1 });
    expect(next.number).toBe(2);
  });

  it('commitSave writes the save in one statement when the row is as read', async () => {
    const id = await importBot();
    const save = saveOf(await findAutomation(db(), id));
    const row = await commitSave(db(), save);
    expect(row).toMatchObject({ id, revision: 1, lastVersionNumber: 1 });
    expect((await versionsOf(id)).map((v) => [v.id, v.number, v.name])).toEqual([
      [save.version.id, 1, 'direct'],
    ]);
    expect((await auditOf(id)).map((e) => e.action)).toEqual(['automation.import', 'version.save']);
  });

  it('commitSave writes nothing when the row moved on, a webhook listens or the policy prunes', async () => {
    const id = await importBot();
    const row = await findAutomation(db(), id);
    const before = await written(id);
    const refused = [
      { ...row, revision: row.revision + 1 },
      { ...row, root: '0'.repeat(64) },
      { ...row, lastVersionNumber: row.lastVersionNumber + 1 },
    ];
    for (const stale of refused) expect(await commitSave(db(), saveOf(stale))).toBeNull();
    await db()
      .insert(schema.webhooks)
      .values({
        id: uuidv7(),
        url: 'https://hooks.example/x',
        events: ['version.saved'],
        createdBy: 'admin',
      });
    expect(await commitSave(db(), saveOf(row))).toBeNull();
    await db().delete(schema.webhooks);
    await setPolicy(db(), { ...DEFAULT_POLICY, keepAutomaticVersions: 3 });
    expect(await commitSave(db(), saveOf(row))).toBeNull();
    expect(await written(id)).toEqual(before);
    // A webhook for other events, or a policy keeping every version, changes nothing.
    await db()
      .insert(schema.webhooks)
      .values({
        id: uuidv7(),
        url: 'https://hooks.example/y',
        events: ['release.created'],
        createdBy: 'admin',
      });
    await setPolicy(db(), { ...DEFAULT_POLICY, keepAutomaticVersions: null });
    expect(await commitSave(db(), saveOf(row))).not.toBeNull();
  });

  it('a version saved by another server in between: the save takes the next number', async () => {
    const id = await importBot();
    await editor.versions.save({ automation: id, baseRevision: 1 }); // #1, remembered here
    // Another server saves #2: the revision stays, the version count this process saw is stale.
    await db().execute(sql`update automations set last_version_number = 2 where id = ${id}`);
    const saved = await editor.versions.save({ automation: id, name: 'third', baseRevision: 1 });
    expect(saved.number).toBe(3);
    expect((await findAutomation(db(), id)).lastVersionNumber).toBe(3);
  });

  it('a stale base revision is still a conflict, and writes nothing', async () => {
    const id = await importBot();
    const before = await written(id);
    await expect(editor.versions.save({ automation: id, baseRevision: 2 })).rejects.toMatchObject({
      message: expect.stringContaining('was changed since revision 2'),
    });
    expect(await written(id)).toEqual(before);
  });
});
