// Browser scenarios: sign-in, the dashboard, an automation's content and versions panel, escaping
// and role gating — the built web UI driven through Debian's Chromium by role and visible text
// (see harness.ts). Screenshots of the main pages go to e2e/screenshots/ (not committed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  XSS,
  fixture,
  fixturePath,
  holdScripts,
  shown,
  startWebApp,
  type WebApp,
} from './harness';
import { must } from '@ferry/core';

const VIEWER = { name: 'vera', password: 'viewer-password-e2e' };

let app: WebApp;
let page: WebApp['page'];
let server: WebApp['server'];
const screenshot = (name: string) => app.screenshot(name);

beforeAll(async () => {
  app = await startWebApp();
  ({ page, server } = app);
});

afterAll(async () => {
  await app?.close();
});

describe('the web UI', () => {
  it('keeps what was typed before the page had loaded its script, and signs in with it', async () => {
    // A slow phone (or a busy machine): the form is on screen and typed into before the page's
    // script hydrates it. Hydration must not reset the typed name (the required field would then
    // refuse to submit, with nothing on screen saying why).
    const early = await app.context.newPage();
    try {
      const release = await holdScripts(early);
      await early.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
      await early.getByLabel('Username').fill('admin');
      await early.getByLabel('Password').fill(ADMIN_PASSWORD);
      release();
      // Every script loaded and run: the page is hydrated.
      await early.waitForLoadState('networkidle');
      expect(await early.getByLabel('Username').inputValue()).toBe('admin');
      await early.getByRole('button', { name: 'Sign in' }).click();
      await early.waitForURL(/\/automations$/);
      await early.getByRole('button', { name: 'Sign out' }).click();
      await shown(early.getByRole('heading', { name: 'Sign in to Ferry' }));
    } finally {
      await early.close();
    }
  });

  it('serves sign-in at / on the API port, and keeps the username after wrong credentials', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await page.goto(server.url + '/');
    await shown(page.getByRole('heading', { name: 'Sign in to Ferry' }));
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shown(page.getByText('Wrong user name or password.'));
    expect(await page.getByLabel('Username').inputValue()).toBe('admin');
    await screenshot('sign-in');

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/automations$/);
    const header = page.getByRole('banner');
    await shown(header.getByText('Signed in as admin'));
    expect(await header.getByTitle('Your role').textContent()).toBe('admin');
  });

  it('sends every page with a nonce Content-Security-Policy and the hardening headers; the browser enforces it', async () => {
    const res = await fetch(`${server.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    // SvelteKit's own inline bootstrap script carries this response's nonce, so it runs.
    const nonce = must(
      must(/'nonce-([^']+)'/.exec(csp), "/'nonce-([^']+)'/.exec(csp)")[1],
      "/'nonce-([^']+)'/.exec(csp)![1]",
    );
    expect(await res.text()).toContain(`<script nonce="${nonce}">`);
    // An injected inline script does not run, and the browser says why (what the checks below watch).
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.title = "injected"';
      document.head.append(script);
    });
    await expect.poll(() => app.cspViolations.length).toBeGreaterThan(0);
    expect(app.cspViolations[0]).toMatch(
      /inline script.*Content Security Policy|Content Security Policy.*inline/,
    );
    expect(await page.title()).not.toBe('injected');
    app.cspViolations.length = 0;
  });

  it('shows the server’s field-level error when creating an automation without a name', async () => {
    await page.getByRole('button', { name: 'Create automation' }).click();
    await shown(page.getByText('must not be empty'));
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
  });

  it('imports a CB export and shows its dialogs, messages, buttons and code', async () => {
    await page.getByLabel('CB export file').setInputFiles(fixturePath('returns-desk.json'));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/automations\/[^/]+$/);
    await shown(page.getByRole('heading', { name: 'returnsDesk', level: 1 }));
    // The dialogs are listed with their interaction counts; one opens with its interactions.
    const list = page.getByRole('list', { name: 'Dialog list' });
    await shown(
      list.getByRole('listitem').filter({ hasText: '2 Back' }).getByText('2 interactions'),
    );
    await list.getByRole('link', { name: '1 Start', exact: true }).click();
    const dialog = page.getByRole('region', { name: 'Dialog 1 Start' });
    await shown(dialog);
    await shown(dialog.getByText('Hi there!'));
    await shown(page.getByRole('list', { name: 'Buttons' }).getByText('Continue'));
    const starter = page.getByRole('listitem').filter({ hasText: 'dialog_starter' });
    await starter.getByText('Pre-process code').click();
    await shown(
      starter.locator('pre code', { hasText: "botContext.getBotVariable('returningCustomer')" }),
    );
    await screenshot('automation');

    await page.getByRole('link', { name: '← Automations' }).click();
    await shown(page.getByRole('link', { name: 'returnsDesk', exact: true }));
    await screenshot('dashboard');
    await page.getByRole('link', { name: 'returnsDesk', exact: true }).click();
    await page.waitForURL(/\/automations\/[^/]+$/);
  });

  it('sends pages and their data compressed (br, as Chromium accepts it)', async () => {
    const html = must(await page.goto(page.url()), 'the automation page');
    expect(html.headers()['content-type']).toMatch(/^text\/html/);
    expect(html.headers()['content-encoding']).toBe('br');
    await page.getByRole('link', { name: '← Automations' }).click();
    const data = page.waitForResponse((r) => r.url().includes('__data.json'));
    await page.getByRole('link', { name: 'returnsDesk', exact: true }).click();
    expect((await data).headers()['content-encoding']).toBe('br');
    await shown(page.getByRole('heading', { name: 'returnsDesk', level: 1 }));
  });

  it('saves a version from the dialog, keeping typed text on a validation error', async () => {
    await page.getByRole('button', { name: 'Save current version' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save current version' });
    await dialog.getByLabel('Name').fill('x'.repeat(201));
    await dialog.getByLabel('Description').fill('Before the greeting change');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await shown(dialog.getByText('must be at most 200 characters'));
    expect(await dialog.getByLabel('Description').inputValue()).toBe('Before the greeting change');

    await dialog.getByLabel('Name').fill('First cut');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved version #1 “First cut”.'));
    const versions = page.getByRole('region', { name: 'Versions' });
    const row = versions.getByRole('row', { name: /#1 First cut/ });
    await shown(row);
    await shown(row.getByText('Before the greeting change'));
    await shown(row.getByText('admin'));
    expect(await dialog.isVisible()).toBe(false);
  });

  it('restores a version only after a confirmation that says it overwrites everything', async () => {
    await page.getByRole('button', { name: 'Restore #1 First cut' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore #1 “First cut”?' });
    await shown(confirm.getByText(/overwrites everything in the working copy/));
    await screenshot('restore-confirmation');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Restore #1 First cut' }).click();
    await confirm.getByRole('button', { name: 'Overwrite and restore #1' }).click();
    await shown(page.getByText('Restored #1. The previous working copy was saved as #2.'));
    const backup = page.getByRole('row', { name: /#2 Before restore of #1/ });
    await shown(backup.getByText('automatic'));
    await screenshot('versions');
  });

  it('shows an automation named with HTML as text, running none of it', async () => {
    await page.getByRole('link', { name: '← Automations' }).click();
    // The link navigates in the page: wait for the dashboard before typing into its form.
    await shown(page.getByRole('heading', { name: 'Automations', level: 1, exact: true }));
    await page.getByLabel('Name').fill(XSS);
    await page.getByRole('button', { name: 'Create automation' }).click();
    await page.waitForURL(/\/automations\/[^/]+$/);
    await shown(page.getByRole('heading', { name: XSS, level: 1 }));
    await page.getByRole('link', { name: '← Automations' }).click();
    await shown(page.getByRole('link', { name: XSS, exact: true }));
    expect(await page.locator('main img').count()).toBe(0);
    expect(app.alerts).toEqual([]);
  });

  it('imports a CB export dropped on the import card', async () => {
    const json = fixture('order-tracker.json');
    const card = page.getByRole('region', { name: 'Import a CB export' });
    await shown(card.getByText('Drop a CB export file here'));
    const dataTransfer = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'order-tracker.json', { type: 'application/json' }));
      return transfer;
    }, json);
    await card.dispatchEvent('dragover', { dataTransfer });
    await card.dispatchEvent('drop', { dataTransfer });
    await page.waitForURL(/\/automations\/[^/]+$/);
    await shown(page.getByRole('heading', { name: 'orderTracker', level: 1 }));
  });

  it('deletes an automation only after its name is typed in the confirmation', async () => {
    const name = must(
      await page.getByRole('heading', { level: 1 }).textContent(),
      "(await page.getByRole('heading', { level: 1 }).textContent())",
    );
    await page.getByRole('link', { name: '← Automations' }).click();
    await page.getByRole('button', { name: `Delete ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: `Delete “${name}”?` });
    await shown(confirm.getByText(/deletes the automation for good/));
    const button = confirm.getByRole('button', { name: 'Delete for good' });
    expect(await button.isDisabled()).toBe(true);
    await confirm.getByLabel('Type its name to confirm').fill(name.slice(0, -1));
    expect(await button.isDisabled()).toBe(true);
    await screenshot('delete-confirmation');
    await confirm.getByLabel('Type its name to confirm').fill(name);
    await button.click();
    await shown(page.getByText(`Deleted “${name}”.`));
    expect(await page.getByRole('link', { name, exact: true }).count()).toBe(0);
    await shown(page.getByRole('link', { name: 'returnsDesk', exact: true }));
  });

  it('offers a viewer no mutating controls, and the server refuses them anyway', async () => {
    await app.asAdmin('users.create', {
      name: VIEWER.name,
      role: 'viewer',
      password: VIEWER.password,
    });
    await app.signOut();
    await app.signIn(VIEWER.name, VIEWER.password);
    await shown(page.getByRole('banner').getByText('Signed in as vera'));
    expect(await page.getByRole('banner').getByTitle('Your role').textContent()).toBe('viewer');
    await shown(page.getByRole('link', { name: 'returnsDesk', exact: true }));
    expect(await page.getByRole('button', { name: 'Create automation' }).count()).toBe(0);
    expect(await page.getByLabel('CB export file').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
    await screenshot('dashboard-viewer');

    await page.getByRole('link', { name: 'returnsDesk', exact: true }).click();
    await shown(page.getByRole('heading', { name: 'Versions' }));
    await shown(page.getByRole('row', { name: /#1 First cut/ }));
    expect(await page.getByRole('button', { name: 'Save current version' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Restore/ }).count()).toBe(0);

    // Posting the form anyway (as a crafted request would) is refused by the API's role check.
    const refused = await page.request.post(`${page.url()}?/save`, {
      headers: { origin: server.url, 'x-sveltekit-action': 'true' },
      form: { name: 'sneaky', description: '' },
    });
    expect(refused.status()).toBe(200); // SvelteKit answers enhanced actions with a JSON envelope
    const body = (await refused.json()) as { type: string; status: number; data: string };
    expect(body).toMatchObject({ type: 'failure', status: 403 });
    expect(body.data).toContain('The viewer role may not do this');
  });

  it('ran every scenario above with no Content-Security-Policy violation', () => {
    expect(app.cspViolations).toEqual([]);
  });
});
