// Comparing any two sides: an automation's working copy or any of its versions against another's
// (Dev's working copy against Prod's version #2, or two versions of one automation), the sides named
// in the answer, and the reads the add-interaction form uses (an automation's integrations).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApi,
  failure,
  fixture,
  testDatabaseKinds,
  type ApiCaller,
  type TestApi,
} from '../test-support/harness.js';

const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12'; // returns-desk's "1 Start" dialog

describe.each(testDatabaseKinds())('comparing any two sides on %s', (kind) => {
  let api: TestApi;
  let editor: ApiCaller;
  let viewer: ApiCaller;
  let dev: { id: string; revision: number };
  let prod: { id: string; revision: number };
  beforeAll(async () => {
    api = await createTestApi(kind);
    editor = api.as('editor');
    viewer = api.as('viewer');
    // Prod: returns-desk as imported, saved as #1. Dev: the same, saved as #1, then one
    // interaction added and saved as #2, then another added in the working copy only.
    prod = await editor.automations.import({
      document: fixture('returns-desk.json'),
      name: 'Prod',
    });
    await editor.versions.save({ automation: prod.id, name: 'as imported' });
    dev = await editor.automations.import({ document: fixture('returns-desk.json'), name: 'Dev' });
    await editor.versions.save({ automation: dev.id, name: 'as imported' });
    const add = async (name: string) => {
      dev = await editor.editing.addInteraction({
        automation: dev.id,
        baseRevision: dev.revision,
        dialogId: WELCOME,
        interaction: { type: 'BOT_MESSAGE', name },
      });
    };
    await add('saved');
    await editor.versions.save({ automation: dev.id, name: 'one more' });
    await add('unsaved');
  });
  afterAll(() => api.close());

  const added = (diff: { changes: { op: string; name: string | null }[] }) =>
    diff.changes.filter((c) => c.op === 'added').map((c) => c.name);

  it('compares working copies, as before, and any version on either side', async () => {
    const copies = await viewer.compare.automations({ automation: 'Dev', against: 'Prod' });
    expect(added(copies)).toEqual(['saved', 'unsaved']);
    expect(copies.from).toMatchObject({ label: 'Prod (revision 1)', version: null });

    const devVersion = await viewer.compare.automations({
      automation: 'Dev',
      version: 2,
      against: 'Prod',
      againstVersion: '#1',
    });
    expect(added(devVersion)).toEqual(['saved']);
    expect(devVersion.to).toMatchObject({
      label: 'Dev #2 one more',
      automation: { id: dev.id, name: 'Dev' },
      version: { number: 2, name: 'one more' },
    });
    expect(devVersion.from).toMatchObject({ label: 'Prod #1 as imported' });

    // Prod's version against Dev's working copy: the other way round, removals.
    const back = await viewer.compare.automations({
      automation: prod.id,
      version: 'as imported',
      against: dev.id,
    });
    expect(back.changes.filter((c) => c.op === 'removed').map((c) => c.name)).toEqual([
      'saved',
      'unsaved',
    ]);
  });

  it('compares two sides of one automation, but not one side with itself', async () => {
    const mine = await viewer.compare.automations({
      automation: 'Dev',
      against: 'Dev',
      againstVersion: 1,
    });
    expect(added(mine)).toEqual(['saved', 'unsaved']);
    expect(mine.from.label).toBe('Dev #1 as imported');
    expect(mine.to.label).toMatch(/^Dev \(revision \d+\)$/);

    const same = await failure(viewer.compare.automations({ automation: 'Dev', against: 'Dev' }));
    expect(same).toMatchObject({ code: 'VALIDATION', path: 'against' });
    expect(same.message).toBe(
      'Both sides are the working copy of "Dev": compare it against another automation or one of its versions.',
    );
    expect(
      await failure(
        viewer.compare.automations({
          automation: 'Dev',
          version: 2,
          against: dev.id,
          againstVersion: 'one more',
        }),
      ),
    ).toMatchObject({ code: 'VALIDATION', path: 'against' });
  });

  it('names the side whose version is unknown', async () => {
    expect(
      await failure(viewer.compare.automations({ automation: 'Dev', version: 9, against: 'Prod' })),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'version' });
    expect(
      await failure(
        viewer.compare.automations({ automation: 'Dev', against: 'Prod', againstVersion: 'nope' }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'againstVersion' });
    expect(
      await failure(
        api.as('anonymous').compare.automations({ automation: 'Dev', against: 'Prod' }),
      ),
    ).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('lists an automation’s integrations by id and name, of the working copy or a version', async () => {
    const tracker = await editor.automations.import({
      document: fixture('order-tracker.json'),
      name: 'Tracker',
    });
    const read = await viewer.automations.integrations({ automation: tracker.id });
    expect(read).toMatchObject({ id: tracker.id, revision: 1 });
    expect(read.integrations).toEqual([
      { id: 'b85e548a-5901-4bb5-bd40-ae453e0281df', name: 'OrderLookup' },
    ]);
    expect((await viewer.automations.integrations({ automation: 'Dev' })).integrations).toEqual([]);
    expect(
      (await viewer.automations.integrations({ automation: 'Dev', version: '1' })).integrations,
    ).toEqual([]);
  });
});
