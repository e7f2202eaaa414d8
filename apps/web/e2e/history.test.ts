// Browser scenarios for rule 15 (nothing a user made is lost): importing a CB export into an
// existing automation says where its previous working copy went, and a target's releases tab keeps
// the upgrades from a source that has since been deleted, under that source's name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shown, startWebApp, type WebApp } from './harness';

const EDITOR = { name: 'edna', password: 'editor-password-e2e' };
const VIEWER = { name: 'vera', password: 'viewer-password-e2e' };

let app: WebApp;
let page: WebApp['page'];
let dir: string;

/** A generated CB export in a file named bot-<seed>.json. */
const botFile = (seed: number) => {
  const file = join(dir, `bot-${seed}.json`);
  writeFileSync(
    file,
    JSON.stringify(generateBotExport({ seed, dialogs: 2, interactionsPerDialog: 2 })),
  );
  return file;
};
const importDialog = () => page.getByRole('dialog', { name: /^Import a CB export into/ });
/** Open the automation page's import dialog, choose bot-<seed>.json (none: no file) and submit. */
async function importThroughPage(seed?: number) {
  await page.getByRole('button', { name: 'Import a CB export', exact: true }).click();
  if (seed !== undefined)
    await importDialog().getByLabel('CB export file').setInputFiles(botFile(seed));
  await importDialog().getByRole('button', { name: 'Import and replace the working copy' }).click();
}

beforeAll(async () => {
  app = await startWebApp();
  ({ page } = app);
  dir = mkdtempSync(join(tmpdir(), 'ferry-web-history-'));
  await app.asAdmin('users.create', {
    name: EDITOR.name,
    role: 'editor',
    password: EDITOR.password,
  });
  await app.asAdmin('users.create', {
    name: VIEWER.name,
    role: 'viewer',
    password: VIEWER.password,
  });
});

afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('keeping what a user made', () => {
  it('imports a CB export into an automation and says the previous working copy was kept as version #N', async () => {
    const { id } = await app.asAdmin<{ id: string }>('automations.create', { name: 'Into' });
    await page.goto(`${app.server.url}/automations/${id}`);
    await app.signIn(EDITOR.name, EDITOR.password);
    await page.goto(`${app.server.url}/automations/${id}`);

    // No file chosen: a field error, nothing replaced.
    await importThroughPage();
    await shown(importDialog().getByText('Choose a CB export file (.json).'));
    await importDialog().getByRole('button', { name: 'Cancel' }).click();

    await importThroughPage(1);
    await shown(
      page
        .getByRole('status')
        .getByText(
          'Imported bot-1.json. The previous working copy was kept as version #1 “Before import”.',
        ),
    );
    await shown(page.getByRole('row', { name: /#1 Before import automatic/ }));
    await app.screenshot('import-into-kept');

    // A second import keeps the first one's content.
    await importThroughPage(2);
    await shown(
      page.getByText('The previous working copy was kept as version #2 “Before import”.'),
    );

    // Saved first: nothing needs keeping, and the page says so.
    await app.asAdmin('versions.save', { automation: id, name: 'saved by hand' });
    await page.reload();
    await importThroughPage(3);
    await shown(page.getByText(/^Imported bot-3\.json\. Nothing needed keeping/));
    expect(await page.getByRole('row', { name: /Before import/ }).count()).toBe(2);
  });

  it('keeps a target’s upgrades from a deleted source on its releases tab and in the pipeline', async () => {
    const dev = await app.asAdmin<{ id: string }>('automations.import', {
      document: generateBotExport({ seed: 4, dialogs: 1, interactionsPerDialog: 1 }),
      name: 'Support (Dev)',
    });
    const prod = await app.asAdmin<{ id: string }>('automations.import', {
      document: generateBotExport({ seed: 5, dialogs: 1, interactionsPerDialog: 1 }),
      name: 'Support (Prod)',
    });
    for (const version of ['1.0.0', '1.1.0']) {
      await app.asAdmin('releases.create', {
        source: dev.id,
        target: prod.id,
        version,
        force: true,
      });
      await app.asAdmin('releases.upgrade', { target: prod.id, force: true });
    }
    await app.asAdmin('automations.delete', { automation: dev.id });

    await page.goto(`${app.server.url}/automations/${prod.id}/releases`);
    const upgrades = page.getByRole('table').first();
    await shown(upgrades.getByRole('row', { name: /1\.1\.0 Support \(Dev\) \(deleted\)/ }));
    await shown(upgrades.getByRole('row', { name: /1\.0\.0 Support \(Dev\) \(deleted\)/ }));
    expect(await page.getByText('has not upgraded to any release yet').count()).toBe(0);
    // The deleted source is named, not linked: there is no page to go to.
    expect(await page.getByRole('link', { name: /Support \(Dev\)/ }).count()).toBe(0);
    await app.screenshot('releases-from-deleted-source');

    await page.goto(`${app.server.url}/pipelines`);
    await shown(page.getByRole('heading', { name: 'Support (Dev) (deleted) → Support (Prod)' }));
  });

  it('offers a viewer no import', async () => {
    const { id } = await app.asAdmin<{ id: string }>('automations.create', { name: 'Viewed' });
    await app.signOut();
    await app.signIn(VIEWER.name, VIEWER.password);
    await page.goto(`${app.server.url}/automations/${id}`);
    await shown(page.getByRole('heading', { name: 'Versions' }));
    expect(await page.getByRole('button', { name: 'Import a CB export' }).count()).toBe(0);
  });
});
