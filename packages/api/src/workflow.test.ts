// The whole change-management workflow on every CB export (packages/fixtures, plus the corpus), through the API as users do it:
// import → edit → save → diff → restore → release → upgrade → reject → roll back, checking the
// content after each step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURES,
  fixture,
  createTestApi,
  testDatabaseKinds,
  type TestApi,
} from './test-support/harness.js';
import { must } from '@ferry/core';

/** The export without its identity: what must be equal between automations. */
function content(document: Record<string, unknown>): unknown {
  const text = JSON.stringify(document);
  const { id } = document.bot as { id: string };
  const bare = JSON.parse(text.split(id).join('ID')) as { bot: Record<string, unknown> };
  delete bare.bot.name;
  return bare;
}

describe.each(testDatabaseKinds())('the workflow on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  it.each(FIXTURES)(
    '%s: import, edit, save, diff, restore, release, upgrade, reject, roll back',
    async (file) => {
      const editor = api.as('editor');
      const exportOf = async (automation: string, version?: string) =>
        (await api.as('viewer').automations.export({ automation, ...(version && { version }) }))
          .document as Record<string, unknown>;

      // Import Dev and Prod (Prod starts empty).
      const dev = await editor.automations.import({ document: fixture(file), name: `Dev ${file}` });
      const prod = await editor.automations.create({ name: `Prod ${file}` });
      const original = await exportOf(dev.id);
      expect(content(original)).toEqual(content({ ...JSON.parse(fixture(file)) }));

      // Save, then edit: rename a dialog and change an interaction.
      const saved = await editor.versions.save({
        automation: dev.id,
        name: 'before edits',
        baseRevision: dev.revision,
      });
      const { content: model } = await api.as('viewer').automations.content({ automation: dev.id });
      const dialog = must(model.dialogs[0], 'model.dialogs[0]');
      let revision = dev.revision;
      revision = (
        await editor.editing.renameDialog({
          automation: dev.id,
          baseRevision: revision,
          dialogId: dialog.dialog.id as string,
          name: 'Renamed dialog',
        })
      ).revision;
      const interaction = dialog.interactions[0];
      if (interaction) {
        revision = (
          await editor.editing.updateInteraction({
            automation: dev.id,
            baseRevision: revision,
            dialogId: dialog.dialog.id as string,
            interaction: {
              ...interaction,
              id: interaction.id as string,
              name: 'edited interaction',
            },
          })
        ).revision;
      }
      const edited = await exportOf(dev.id);
      expect(
        must((edited.groups as { name: string }[])[0], '(edited.groups as { name: string }[])[0]')
          .name,
      ).toBe('Renamed dialog');

      // Diff: exactly what was edited.
      const diff = await api
        .as('viewer')
        .versions.diff({ automation: dev.id, from: String(saved.number) });
      expect(diff.changes.map((c) => `${c.kind} ${c.op} ${c.id}`).sort()).toEqual(
        [
          `dialog changed ${dialog.dialog.id}`,
          ...(interaction ? [`interaction changed ${interaction.id}`] : []),
        ].sort(),
      );

      // Restore the saved version: the content is the imported one again; the edits are a backup.
      const restored = await editor.versions.restore({
        automation: dev.id,
        version: `#${saved.number}`,
        baseRevision: revision,
      });
      expect(restored.backup.name).toBe(`Before restore of #${saved.number}`);
      expect(await exportOf(dev.id)).toEqual(original);
      expect(content(await exportOf(dev.id, `#${restored.backup.number}`))).toEqual(
        content(edited),
      );

      // Release Dev → Prod and upgrade: Prod's content equals Dev's, with Prod's identity.
      const release = await api
        .as('release-creator')
        .releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
      let preview = await api.as('viewer').releases.show({ release: release.id });
      // Variables the content uses block the upgrade until Prod's environment defines them.
      const missing = preview.checks.missingEnv;
      expect(preview.checks.errors.map((e) => e.subject)).toEqual(missing);
      if (missing.length > 0) {
        const admin = api.as('admin').environments;
        const environment = `Prod env ${file}`;
        await admin.create({ name: environment });
        await admin.set({ environment, variables: missing.map((key) => ({ key, value: key })) });
        await admin.link({ automation: prod.id, environment });
        preview = await api.as('viewer').releases.show({ release: release.id });
      }
      expect(preview.checks.errors).toEqual([]);
      const prodBefore = await exportOf(prod.id);
      await api
        .as('release-acceptor')
        .releases.upgrade({ target: prod.id, ifRevision: preview.target.revision });
      const upgraded = await exportOf(prod.id);
      expect(content(upgraded)).toEqual(content(original));
      expect((upgraded.bot as { id: string; name: string }).id).toBe(prod.id);

      // A second release is rejected: Prod is unchanged.
      const second = await api
        .as('release-creator')
        .releases.create({ source: dev.id, target: prod.id, version: '1.1.0' });
      await api
        .as('release-acceptor')
        .releases.reject({ target: prod.id, release: second.id, reason: 'not now' });
      expect(await exportOf(prod.id)).toEqual(upgraded);

      // Roll back: Prod returns to what it had before the upgrade.
      await api.as('release-acceptor').releases.rollback({ target: prod.id });
      expect(await exportOf(prod.id)).toEqual(prodBefore);
    },
  );
});
