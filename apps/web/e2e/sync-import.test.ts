// The web UI's imports go through content-addressed sync: the browser parses and hashes the file
// with @ferry/core and uploads only the nodes the server lacks. Without JavaScript the same forms
// send the whole file, as before.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, type JsonObject } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shown, startWebApp, type WebApp } from './harness';

const EDITOR = { name: 'sync-editor', password: 'editor-password-e2e' };

let app: WebApp;
let page: WebApp['page'];
let dir: string;
/** Bytes of the sync.upload request bodies the page sent, and of any import action's body. */
let uploaded = 0;
let uploads = 0;

const doc = generateBotExport({ seed: 31, dialogs: 30, interactionsPerDialog: 20 });
const write = (name: string, value: JsonObject) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
};

interface AuditPage {
  entries: { action: string; details: Record<string, unknown> | null }[];
}

beforeAll(async () => {
  app = await startWebApp();
  ({ page } = app);
  dir = mkdtempSync(join(tmpdir(), 'ferry-web-sync-'));
  await app.asAdmin('users.create', { ...EDITOR, role: 'editor' });
  page.on('request', (request) => {
    if (request.url().includes('/api/trpc/sync.upload')) {
      uploads++;
      uploaded += request.postData()?.length ?? 0;
    }
  });
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('importing through content-addressed sync', () => {
  it('imports a new automation from the dashboard, hashing in the browser', async () => {
    await page.goto(app.server.url + '/');
    await app.signIn(EDITOR.name, EDITOR.password);
    await page.getByLabel('CB export file').setInputFiles(write('bot.json', doc));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/automations\/[^/]+$/);
    expect(uploads).toBeGreaterThan(0);
    const id = must(page.url().split('/').pop(), 'id');
    const audit = await app.adminQuery<AuditPage>('audit.list', { automation: id });
    expect(audit.entries[0]).toMatchObject({
      action: 'automation.import',
      details: { into: false, sync: true, interactions: 600 },
    });
  });

  it('imports a one-change export into the automation, sending only a few KB', async () => {
    const changed = structuredClone(doc);
    const m = must((changed.conversationMessage as JsonObject[])[123], 'an interaction');
    m.content = { ...(m.content as JsonObject), text: 'Changed in CB, synced from the browser.' };
    const file = write('bot-changed.json', changed);
    uploaded = 0;
    uploads = 0;
    await page.getByRole('button', { name: 'Import a CB export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /^Import a CB export into/ });
    await dialog.getByLabel('CB export file').setInputFiles(file);
    await dialog.getByRole('button', { name: 'Import and replace the working copy' }).click();
    await shown(page.getByText(/^Imported bot-changed\.json\. The previous working copy was kept/));
    expect(uploads).toBe(1);
    expect(uploaded).toBeLessThan(16 * 1024);
    expect(uploaded * 50).toBeLessThan(readFileSync(file).length);
    const id = must(page.url().split('/').pop(), 'id');
    const audit = await app.adminQuery<AuditPage>('audit.list', { automation: id });
    expect(audit.entries[0]).toMatchObject({
      action: 'automation.import',
      details: { into: true, sync: true },
    });
  });

  it('still takes the whole file from a form sent without JavaScript', async () => {
    const cookies = await app.context.cookies(app.server.url);
    const body = new FormData();
    body.set('file', new Blob([JSON.stringify(doc)], { type: 'application/json' }), 'plain.json');
    const res = await fetch(`${app.server.url}/automations?/import`, {
      method: 'POST',
      headers: {
        // What a browser's own form submission sends (a script's fetch would ask for JSON).
        accept: 'text/html',
        origin: app.server.url,
        cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
      },
      body,
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const id = must(res.headers.get('location')?.split('/').pop(), 'location');
    const audit = await app.adminQuery<AuditPage>('audit.list', { automation: id });
    expect(audit.entries[0]?.details).toEqual({
      into: false,
      dialogs: 30,
      interactions: 600,
      integrations: 3,
    });
  });
});

describe('an import that keeps an orphan interaction', () => {
  /** The export with one interaction whose dialog is missing: kept, and reported as a warning. */
  const withOrphan = () => {
    const copy = structuredClone(doc);
    const messages = copy.conversationMessage as JsonObject[];
    messages.splice(1, 0, {
      ...must(messages[0], 'an interaction'),
      id: 'orphan-e2e',
      group: 'no-such-dialog-e2e',
    });
    return copy;
  };

  it('shows the warnings after a new import on the dashboard, and after an import into an automation', async () => {
    await page.goto(app.server.url + '/');
    await page.getByLabel('CB export file').setInputFiles(write('orphan.json', withOrphan()));
    await page.getByRole('button', { name: 'Import' }).click();
    const warnings = page.getByRole('region', { name: 'Import warnings' });
    await shown(warnings.getByText('/conversationMessage/1'));
    await shown(warnings.getByText(/no-such-dialog-e2e/));
    const status = page.getByRole('status').filter({ hasText: /with 1\s+warning\./ });
    await shown(status);
    await status.getByRole('link').click();
    await page.waitForURL(/\/automations\/[^/]+$/);

    await page.getByRole('button', { name: 'Import a CB export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /^Import a CB export into/ });
    await dialog
      .getByLabel('CB export file')
      .setInputFiles(write('orphan-again.json', withOrphan()));
    await dialog.getByRole('button', { name: 'Import and replace the working copy' }).click();
    await shown(page.getByText(/^Imported orphan-again\.json\./));
    await shown(
      page.getByRole('region', { name: 'Import warnings' }).getByText('/conversationMessage/1'),
    );
  });
});
