// Browser scenario: the web UI guides the user (issue 13 item 7). A blocked upgrade links straight
// to its fix (add the missing variable to the target's environment, the form filled in; link an
// environment from the automation's page); forcing is a quiet control apart from Upgrade; a stale
// upgrade says who changed the target, when, and what; a file over the upload limit is refused
// before anything is sent, naming the limit, and the page keeps what was typed (and the server's
// own refusal, without JavaScript, is a sentence too); an import shows what it is doing while it
// runs. The server takes request bodies up to 1 MB here, so that a 2 MB file is over the limit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, fixture, fixturePath, shown, startWebApp, type WebApp } from './harness';

const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12'; // returns-desk's "1 Start" dialog
const VARIABLE = 'STATUS_PAGE_URL';
const LIMIT = '1M';

let app: WebApp;
let page: WebApp['page'];
let dir: string;
let dev: { id: string; revision: number };
let prod: { id: string; revision: number };
let staging: { id: string; revision: number };
const url = (path: string) => app.server.url + path;
const main = () => page.getByRole('main');

/** A file of `bytes` bytes in the scenario's folder (its content does not matter here). */
function bigFile(name: string, bytes: number): string {
  const path = join(dir, name);
  writeFileSync(path, `{"bot": "${'x'.repeat(bytes - 12)}"}`);
  return path;
}

/** The form posts (and sync uploads) the page sends from now on. */
function sentRequests(): string[] {
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') sent.push(r.url());
  });
  return sent;
}

/** Holds the page's requests to `pattern` until `release()`: the form stays in flight meanwhile. */
async function hold(pattern: RegExp) {
  const held: Route[] = [];
  let arrived: () => void = () => {};
  const first = new Promise<void>((resolve) => (arrived = resolve));
  await page.route(pattern, (route) => {
    held.push(route);
    arrived();
  });
  return {
    first,
    release: async () => {
      for (const route of held) await route.continue();
      await page.unroute(pattern);
    },
  };
}

beforeAll(async () => {
  // adapter-node reads its body limit when the web UI loads (harness: loadWebFallback).
  process.env.BODY_SIZE_LIMIT = LIMIT;
  app = await startWebApp();
  page = app.page;
  dir = mkdtempSync(join(tmpdir(), 'ferry-web-guidance-'));
  // Dev uses STATUS_PAGE_URL; Prod's environment does not define it; Staging has none linked.
  dev = await app.asAdmin('automations.import', {
    document: fixture('returns-desk.json'),
    name: 'Dev',
  });
  dev = await app.asAdmin('editing.addInteraction', {
    automation: dev.id,
    baseRevision: dev.revision,
    dialogId: WELCOME,
    interaction: {
      type: 'BOT_MESSAGE',
      name: 'status_page',
      content: {
        contentType: 'STATIC',
        results: {
          type: 'TEXT',
          tile: { tileData: [{ text: `Status: {$env.${VARIABLE}}`, buttons: [] }] },
        },
      },
    },
  });
  prod = await app.asAdmin('automations.create', { name: 'Prod' });
  staging = await app.asAdmin('automations.create', { name: 'Staging' });
  await app.asAdmin('environments.create', { name: 'Production' });
  await app.asAdmin('environments.set', {
    environment: 'Production',
    variables: [{ key: 'GREETING', value: 'Hello' }],
  });
  await app.asAdmin('environments.link', { automation: prod.id, environment: 'Production' });
  await app.asAdmin('releases.create', { source: dev.id, target: prod.id, version: '1.0.0' });
  await app.asAdmin('releases.create', { source: dev.id, target: staging.id, version: '1.0.0' });
});

afterAll(async () => {
  await app?.close();
  delete process.env.BODY_SIZE_LIMIT;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a blocked upgrade links to its fix', () => {
  it('links a missing variable to the Add form of the target’s environment, filled in', async () => {
    await page.goto(url('/'));
    await app.signIn('admin', ADMIN_PASSWORD);
    await page.goto(url(`/automations/${prod.id}/releases`));
    const missing = page.getByRole('list', { name: 'Missing variables' });
    await shown(missing.getByText(VARIABLE, { exact: true }));
    // The same fix is listed under "How to unblock it".
    const fixes = page.getByRole('list', { name: 'How to unblock it' });
    await shown(fixes.getByRole('link', { name: `Add ${VARIABLE} to Production` }));
    // Where the release uses it links to that dialog in the source.
    const place = missing.getByRole('link', {
      name: /^dialog "1 Start" › interaction "status_page"/,
    });
    expect(await place.getAttribute('href')).toBe(`/automations/${dev.id}?dialog=${WELCOME}`);

    await missing.getByRole('link', { name: `Add ${VARIABLE} to Production` }).click();
    await page.waitForURL(/\/environments\/[^/?]+\?add=STATUS_PAGE_URL#add-heading$/);
    expect(await page.getByLabel('Variable name').inputValue()).toBe(VARIABLE);
    const add = page.getByRole('region', { name: 'Add variable' });
    await add.getByLabel('Value').fill('https://status.example.com');
    await add.getByRole('button', { name: 'Add variable' }).click();
    await shown(page.getByText(`Added the variable ${VARIABLE}.`));
    // Once added, the form does not offer it again.
    expect(await page.getByLabel('Variable name').inputValue()).toBe('');

    await page.goto(url(`/automations/${prod.id}/releases`));
    await shown(page.getByText(/✓ Passed: environment Production defines every variable/));
    expect(await page.getByRole('button', { name: 'Upgrade', exact: true }).isDisabled()).toBe(
      false,
    );
  });

  it('with no environment linked, links to linking one from the automation’s page', async () => {
    await page.goto(url(`/automations/${staging.id}/releases`));
    await shown(page.getByText('Staging has no environment linked, and the release uses'));
    await page.getByRole('link', { name: 'Link an environment to Staging' }).first().click();
    await page.waitForURL(/\/automations\/[^/]+\/agents#environment-heading$/);
    const section = page.getByRole('region', { name: 'Environment' });
    await shown(section.getByText('No environment is linked.'));
    await section.getByLabel('Environment to link').selectOption({ label: 'Production' });
    await section.getByRole('button', { name: 'Link environment' }).click();
    await shown(section.getByText('Linked the environment “Production”.'));
    await shown(section.getByRole('link', { name: 'Production' }));

    await page.goto(url(`/automations/${staging.id}/releases`));
    await shown(page.getByText(/✓ Passed: environment Production defines every variable/));
  });

  it('keeps forcing a quiet control apart from Upgrade', async () => {
    // A variable Production does not define: the check fails again, and the admin may force.
    dev = await app.adminQuery('automations.show', { automation: dev.id });
    await app.asAdmin('editing.addInteraction', {
      automation: dev.id,
      baseRevision: dev.revision,
      dialogId: WELCOME,
      interaction: {
        type: 'BOT_MESSAGE',
        name: 'hours',
        content: {
          contentType: 'STATIC',
          results: { type: 'TEXT', tile: { tileData: [{ text: '{$env.OPENING_HOURS}' }] } },
        },
      },
    });
    await app.asAdmin('releases.create', { source: dev.id, target: prod.id, version: '1.1.0' });
    await page.goto(url(`/automations/${prod.id}/releases`));
    const upgrade = page.getByRole('button', { name: 'Upgrade', exact: true });
    const force = page.getByRole('button', { name: 'Upgrade anyway…' });
    await shown(force);
    expect(await upgrade.isDisabled()).toBe(true);
    // Not beside Upgrade, not a filled (primary or danger) button: text in a sentence.
    expect(await force.evaluate((b) => b.closest('.actions') === null)).toBe(true);
    expect(await force.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(
      'rgba(0, 0, 0, 0)',
    );
    await shown(page.getByText(/Cannot wait for the fix\?/));
    await app.screenshot('guidance-blocked');
  });
});

describe('a stale upgrade says what changed', () => {
  it('names who changed the target, when, and what became of its content', async () => {
    await app.asAdmin('environments.set', {
      environment: 'Production',
      variables: [{ key: 'OPENING_HOURS', value: '9-5' }],
    });
    await page.goto(url(`/automations/${prod.id}/releases`));
    await shown(page.getByRole('heading', { name: 'Pending release 1.1.0' }));
    // Someone edits Prod while the acceptor looks at the preview.
    const now = await app.adminQuery<{ revision: number }>('automations.show', {
      automation: prod.id,
    });
    await app.asAdmin('editing.addDialog', {
      automation: prod.id,
      baseRevision: now.revision,
      dialog: { name: 'Hotfix' },
    });
    await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Upgrade Prod to release 1.1.0?' })
      .getByRole('button', { name: 'Upgrade to 1.1.0' })
      .click();
    const problem = page.getByRole('alert').filter({ hasText: 'changed by someone else' });
    await shown(
      problem.getByText(
        `Since revision ${now.revision}, which the page showed, Prod moved on to revision ${now.revision + 1}:`,
      ),
    );
    const changes = problem.getByRole('list', { name: 'Changes since the page was loaded' });
    await shown(
      changes.getByText(
        new RegExp(
          `^admin added a dialog, \\d{4}-\\d\\d-\\d\\d .+ \\(revision ${now.revision + 1}\\)$`,
        ),
      ),
    );
    await shown(problem.getByText('What changed in its content: 1 dialog added.'));
    // No raw API text: no ISO timestamps, no audit action codes.
    expect(await problem.innerText()).not.toMatch(/dialog\.add|T\d\d:\d\d:\d\d/);
    await app.screenshot('guidance-stale');
  });
});

describe('a file over the upload limit', () => {
  it('is refused before it is sent, naming the limit, and the page keeps what was typed', async () => {
    await page.goto(url('/automations'));
    await shown(page.getByText('Up to 1 MB.'));
    await page.getByLabel('Name', { exact: true }).fill('Typed but not sent');
    const sent = sentRequests();
    const file = page.getByLabel('CB export file');
    await file.setInputFiles(bigFile('big.json', 2 * 1024 * 1024));
    const refusal =
      '“big.json” is 2 MB, larger than the upload limit of 1 MB. Nothing was uploaded: choose a smaller file.';
    await shown(main().getByText(refusal));
    expect(await file.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    // Nothing went to the server, and the page is the same page with what was typed.
    await shown(main().getByText(refusal));
    expect(sent).toEqual([]);
    expect(page.url()).toBe(url('/automations'));
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Typed but not sent');
    await app.screenshot('guidance-oversize');

    // A file within the limit clears the refusal.
    await file.setInputFiles(fixturePath('hello-minimal.json'));
    expect(await main().getByText(refusal).count()).toBe(0);
    expect(await file.getAttribute('aria-invalid')).toBeNull();
  });

  it('is refused inside the Import dialog of an automation, which stays open', async () => {
    await page.goto(url(`/automations/${dev.id}`));
    await page.getByRole('button', { name: 'Import a CB export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a CB export into “Dev”' });
    await shown(dialog.getByText('Up to 1 MB.'));
    const sent = sentRequests();
    await dialog.getByLabel('CB export file').setInputFiles(bigFile('huge.json', 3 * 1024 * 1024));
    await dialog.getByRole('button', { name: 'Import and replace the working copy' }).click();
    await shown(dialog.getByText(/^“huge\.json” is 3 MB, larger than the upload limit of 1 MB\./));
    expect(sent).toEqual([]);
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('sent anyway (no JavaScript), is refused by the server in a sentence, on the page', async () => {
    const cookie = (await app.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const form = new FormData();
    form.set('file', new Blob(['x'.repeat(2 * 1024 * 1024)]), 'big.json');
    const res = await fetch(url('/automations?/import'), {
      method: 'POST',
      body: form,
      headers: { cookie, origin: app.server.url, accept: 'text/html' },
    });
    expect(res.status).toBe(413);
    const html = await res.text();
    expect(html).toContain('The file is larger than the upload limit of 1 MB.');
    expect(html).toContain('Import a CB export');
  });
});

describe('long work shows progress', () => {
  it('an import says what it is doing and disables its button until it is done', async () => {
    await page.goto(url('/automations'));
    const held = await hold(/\/api\/trpc\/sync\.missing/);
    await page.getByLabel('CB export file').setInputFiles(fixturePath('concierge.json'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await held.first;
    const form = page.locator('form[action="?/import"]');
    await shown(
      form.getByText(/^Uploading concierge\.json \(21 KB\): only what the server does not have…$/),
    );
    await shown(form.getByRole('progressbar'));
    expect(await form.getAttribute('aria-busy')).toBe('true');
    expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
    await app.screenshot('guidance-importing');
    await held.release();
    await page.waitForURL(/\/automations\/[^/]+$/);
    await shown(page.getByRole('heading', { name: /Concierge/i, level: 1 }));
  });

  it('the Import dialog of an automation shows it too, on its buttons', async () => {
    await page.goto(url(`/automations/${staging.id}`));
    await page.getByRole('button', { name: 'Import a CB export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a CB export into “Staging”' });
    const held = await hold(/\/automations\/[^/]+\?\/importInto$/);
    await dialog.getByLabel('CB export file').setInputFiles(fixturePath('hello-minimal.json'));
    await dialog.getByRole('button', { name: 'Import and replace the working copy' }).click();
    await held.first;
    await shown(dialog.getByText(/^Importing hello-minimal\.json \(3 KB\)…$/));
    const submit = dialog.getByRole('button', { name: 'Import and replace the working copy' });
    expect(await submit.isDisabled()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    await held.release();
    await shown(page.getByText(/^Imported hello-minimal\.json\./));
    expect(await dialog.isVisible()).toBe(false);
  });
});
