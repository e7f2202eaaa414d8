// Browser scenarios of the admin pages: environments (variables, secrets, CSV import and export,
// links), an automation's agents, users and API tokens, the audit log with its filters, and what
// a viewer is (not) offered — the built web UI driven through Debian's Chromium (see harness.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, holdScripts, shown, startWebApp, type WebApp } from './harness';
import { must } from '@ferry/core';

const VIEWER = { name: 'vic', password: 'viewer-password-e2e' };
const SECRET = 's3cr3t-token-value';
const MASK = '••••••';

let app: WebApp;
let page: WebApp['page'];
let server: WebApp['server'];
let files: string;
let automationId: string;
let environmentUrl: string;
const screenshot = (name: string) => app.screenshot(name);
const main = () => page.getByRole('main');
const row = (name: string | RegExp) => main().getByRole('row', { name });

/** A file for an <input type=file>, written to a temporary directory. */
function tempFile(name: string, text: string): string {
  const path = join(files, name);
  writeFileSync(path, text);
  return path;
}

/** Posts a form action as a crafted request would, with the page's cookies; the parsed answer. */
async function postAction(url: string, form: Record<string, string>) {
  const res = await page.request.post(url, {
    headers: { origin: server.url, 'x-sveltekit-action': 'true' },
    form,
  });
  return (await res.json()) as { type: string; status: number; data: string };
}

beforeAll(async () => {
  app = await startWebApp();
  ({ page, server } = app);
  files = mkdtempSync(join(tmpdir(), 'ferry-web-admin-'));
  ({ id: automationId } = await app.asAdmin<{ id: string }>('automations.create', {
    name: 'Billing bot',
  }));
  await page.goto(server.url + '/');
  await app.signIn('admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await app?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

describe('the admin pages', () => {
  it('creates an environment and adds variables, a secret one shown masked', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Environments' })
      .click();
    await shown(main().getByRole('heading', { name: 'Environments', level: 1 }));
    await page.getByLabel('Name').fill('Staging');
    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.waitForURL(/\/environments\/[^/]+$/);
    environmentUrl = page.url();
    await shown(main().getByRole('heading', { name: 'Staging', level: 1 }));

    // A name the API refuses: the error at the field, and what was typed still there.
    const form = main().getByRole('region', { name: 'Add variable' });
    await form.getByLabel('Variable name').fill('1bad');
    await form.getByLabel('Value', { exact: true }).fill('kept value');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await shown(main().getByText(/"1bad" is not a valid variable name/));
    expect(await form.getByLabel('Variable name').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Value', { exact: true }).inputValue()).toBe('kept value');

    const add = async (key: string, value: string, secret = false) => {
      await form.getByLabel('Variable name').fill(key);
      await form.getByLabel('Value', { exact: true }).fill(value);
      await form.getByRole('checkbox', { name: /Secret/ }).setChecked(secret);
      await page.getByRole('button', { name: 'Add variable' }).click();
      await shown(main().getByText(`Added the variable ${key}.`));
    };
    await add('API_URL', 'https://staging.example');
    await add('TOKEN', SECRET, true);
    await add('NOTE', XSS);

    await shown(row(/API_URL/).getByText('https://staging.example'));
    await shown(row(/TOKEN/).getByText(MASK));
    expect(await main().textContent()).not.toContain(SECRET);
    // A variable value with HTML in it is text, and none of it runs.
    await shown(row(/NOTE/).getByText(XSS));
    expect(await page.locator('main img').count()).toBe(0);
    expect(app.alerts).toEqual([]);

    // An admin may reveal the secret (the API audits it).
    await page.getByRole('button', { name: 'Reveal secret values' }).click();
    await shown(row(/TOKEN/).getByText(SECRET));
    await page.getByRole('link', { name: 'Hide secret values' }).click();
    await shown(row(/TOKEN/).getByText(MASK));
    expect(await main().textContent()).not.toContain(SECRET);
  });

  it('edits a variable in a dialog and deletes one after a confirmation', async () => {
    await page.getByRole('button', { name: 'Edit API_URL' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit API_URL' });
    await edit.getByLabel('Value').fill('https://staging2.example');
    await edit.getByRole('button', { name: 'Save variable' }).click();
    await shown(main().getByText('Saved the variable API_URL.'));
    expect(await edit.isVisible()).toBe(false);
    await shown(row(/API_URL/).getByText('https://staging2.example'));

    // Saving a secret with its mask untouched keeps the stored value.
    await page.getByRole('button', { name: 'Edit TOKEN' }).click();
    const editToken = page.getByRole('dialog', { name: 'Edit TOKEN' });
    expect(await editToken.getByLabel('Value').inputValue()).toBe(MASK);
    await editToken.getByRole('button', { name: 'Save variable' }).click();
    await shown(main().getByText('Saved the variable TOKEN.'));

    await page.getByRole('button', { name: 'Delete NOTE' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete the variable NOTE?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await shown(row(/NOTE/));
    await page.getByRole('button', { name: 'Delete NOTE' }).click();
    await confirm.getByRole('button', { name: 'Delete NOTE' }).click();
    await shown(main().getByText('Deleted the variable NOTE.'));
    expect(await row(/NOTE/).count()).toBe(0);
  });

  it('imports a CSV file, and a bad one names its line and adds nothing', async () => {
    await page
      .getByLabel('CSV file')
      .setInputFiles(tempFile('bad.csv', 'key,value\nGOOD_ONE,1\n9bad,2\n'));
    await page.getByRole('button', { name: 'Import' }).click();
    await shown(
      main().getByText(/^Line 3: "9bad" is not a valid variable name.*nothing was imported\.$/),
    );
    expect(await page.getByLabel('CSV file').getAttribute('aria-invalid')).toBe('true');
    expect(await row(/GOOD_ONE/).count()).toBe(0);

    await page
      .getByLabel('CSV file')
      .setInputFiles(
        tempFile('good.csv', 'key,value,secret\nREGION,eu-west-1,false\nDB_PASSWORD,pw-123,true\n'),
      );
    await page.getByRole('button', { name: 'Import' }).click();
    await shown(main().getByText('Imported: 2 added, 0 updated, 0 removed, 0 unchanged.'));
    await shown(row(/REGION/).getByText('eu-west-1'));
    await shown(row(/DB_PASSWORD/).getByText(MASK));
    expect(await row(/GOOD_ONE/).count()).toBe(0);
    await screenshot('environment');
  });

  it('exports the variables as a CSV download, secrets masked unless an admin asks', async () => {
    const href = await main()
      .getByRole('link', { name: 'Export CSV', exact: true })
      .getAttribute('href');
    const res = await page.request.get(new URL(must(href, 'href'), page.url()).href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^text\/csv/);
    expect(res.headers()['content-disposition']).toContain('attachment; filename="Staging.csv"');
    const lines = (await res.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('key,value,secret');
    expect(lines.slice(1).sort()).toEqual([
      'API_URL,https://staging2.example,false',
      `DB_PASSWORD,${MASK},true`,
      'REGION,eu-west-1,false',
      `TOKEN,${MASK},true`,
    ]);

    const revealHref = await main()
      .getByRole('link', { name: 'Export CSV with secret values' })
      .getAttribute('href');
    const revealed = await (
      await page.request.get(new URL(must(revealHref, 'revealHref'), page.url()).href)
    ).text();
    expect(revealed).toContain(`TOKEN,${SECRET},true`);
    expect(revealed).toContain('DB_PASSWORD,pw-123,true');
  });

  it('links an automation, renames the environment, and refuses deleting it while linked', async () => {
    await page.getByLabel('Automation to link').selectOption({ label: 'Billing bot' });
    await page.getByRole('button', { name: 'Link automation' }).click();
    await shown(main().getByText('Linked “Billing bot” to this environment.'));
    const links = main().getByRole('region', { name: 'Linked automations' });
    await shown(links.getByRole('link', { name: 'Billing bot' }));

    await page.getByLabel('New name').fill('Staging EU');
    await page.getByRole('button', { name: 'Rename' }).click();
    await shown(main().getByRole('heading', { name: 'Staging EU', level: 1 }));

    await page.getByRole('link', { name: '← Environments' }).click();
    const staging = row(/Staging EU/);
    await shown(staging.getByRole('link', { name: 'Billing bot' }));
    expect(await staging.getByRole('cell').nth(1).textContent()).toMatch(/^\s*4\s*\(2 secret\)/);

    await page.getByRole('button', { name: 'Delete Staging EU' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete the environment “Staging EU”?' });
    await confirm.getByRole('button', { name: 'Delete “Staging EU”' }).click();
    await shown(main().getByText(/is linked to "Billing bot"; unlink it first/));
    await shown(row(/Staging EU/));

    await page.getByLabel('Name').fill('Scratch');
    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.waitForURL(/\/environments\/[^/]+$/);
    await page.getByRole('link', { name: '← Environments' }).click();
    await page.getByRole('button', { name: 'Delete Scratch' }).click();
    await page
      .getByRole('dialog', { name: 'Delete the environment “Scratch”?' })
      .getByRole('button', { name: 'Delete “Scratch”' })
      .click();
    await shown(main().getByText('Deleted the environment “Scratch”.'));
    expect(await row(/Scratch/).count()).toBe(0);
    await screenshot('environments');
  });

  it('adds and removes agents of an automation, showing an HTML name as text', async () => {
    await page.goto(`${server.url}/automations/${automationId}`);
    await page
      .getByRole('navigation', { name: 'Automation' })
      .getByRole('link', { name: 'Agents' })
      .click();
    await shown(main().getByRole('heading', { name: 'Agents', level: 2 }));
    await shown(main().getByText(/kept across upgrades/));

    await page.getByRole('button', { name: 'Add agent' }).click();
    await shown(main().getByText('must not be empty'));
    for (const name of ['billing-prod', XSS]) {
      await page.getByLabel('Agent name').fill(name);
      await page.getByRole('button', { name: 'Add agent' }).click();
      await shown(main().getByText(`Added the agent “${name}”.`));
    }
    await shown(row(/billing-prod/));
    await shown(main().getByRole('cell', { name: XSS, exact: true }));
    expect(await page.locator('main img').count()).toBe(0);
    await screenshot('agents');

    // Someone else changes the automation meanwhile: the page's add is refused, nothing is added.
    await app.asAdmin('agents.add', { automation: automationId, name: 'added-elsewhere' });
    await page.getByLabel('Agent name').fill('late-agent');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await shown(main().getByText(/changed since revision \d+ \(it is now at revision \d+\)/));
    expect(await row(/late-agent/).count()).toBe(0);
    await page.reload();
    await shown(row(/added-elsewhere/));

    // The confirmation takes the focus; Escape closes it, removes nothing and gives the focus back.
    const focused = () =>
      page.evaluate(() => ({
        inDialog: document.activeElement?.closest('dialog') !== null,
        label: document.activeElement?.getAttribute('aria-label'),
      }));
    await page.getByRole('button', { name: 'Remove billing-prod' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove the agent “billing-prod”?' });
    await shown(confirm.getByRole('button', { name: 'Remove “billing-prod”' }));
    expect((await focused()).inDialog).toBe(true);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await focused()).toEqual({ inDialog: false, label: 'Remove billing-prod' });
    await shown(row(/billing-prod/));

    await page.getByRole('button', { name: 'Remove billing-prod' }).click();
    await confirm.getByRole('button', { name: 'Remove “billing-prod”' }).click();
    await shown(main().getByText('Removed the agent “billing-prod”.'));
    expect(await row(/billing-prod/).count()).toBe(0);
    await shown(main().getByRole('cell', { name: XSS, exact: true }));
    expect(app.alerts).toEqual([]);
  });

  it('creates a user after a field error, changes its role, and shows a new token once', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Users' })
      .click();
    await shown(main().getByRole('heading', { name: 'Users and API tokens' }));
    const create = main().getByRole('region', { name: 'Create user' });
    await create.getByLabel('Name').fill('olivia');
    await create.getByLabel('Role').selectOption('editor');
    await create.getByLabel('Password').fill('short');
    await create.getByRole('button', { name: 'Create user' }).click();
    await shown(create.getByText('must be at least 8 characters'));
    expect(await create.getByLabel('Name').inputValue()).toBe('olivia');
    expect(await create.getByLabel('Role').inputValue()).toBe('editor');
    expect(await create.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');

    await create.getByLabel('Password').fill('olivia-password-1');
    await create.getByRole('button', { name: 'Create user' }).click();
    await shown(main().getByText('Created the user olivia.'));
    await shown(row(/^olivia/).getByText('active'));

    await page.getByLabel('Role of olivia', { exact: true }).selectOption('release-creator');
    await page.getByRole('button', { name: 'Change role of olivia' }).click();
    await shown(main().getByText('olivia is now release-creator.'));
    expect(await page.getByLabel('Role of olivia', { exact: true }).inputValue()).toBe(
      'release-creator',
    );

    await page.getByRole('button', { name: 'Set password of olivia' }).click();
    const setPassword = page.getByRole('dialog', { name: 'Set the password of olivia' });
    await setPassword.getByLabel('New password').fill('tiny');
    await setPassword.getByRole('button', { name: 'Set password' }).click();
    await shown(setPassword.getByText('must be at least 8 characters'));
    await setPassword.getByLabel('New password').fill('olivia-password-2');
    await setPassword.getByRole('button', { name: 'Set password' }).click();
    await shown(main().getByText('Set a new password for olivia; their web sessions have ended.'));
    expect(await setPassword.isVisible()).toBe(false);

    const newToken = main().getByRole('region', { name: 'Create API token' });
    await newToken.getByLabel('User').selectOption({ label: 'olivia' });
    await newToken.getByLabel('Token name').fill('ci');
    await newToken.getByRole('button', { name: 'Create token' }).click();
    await shown(main().getByRole('heading', { name: 'New API token “ci” for olivia' }));
    await shown(main().getByText('Copy it now: it will not be shown again.'));
    const secret = await page.getByLabel('API token', { exact: true }).inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await screenshot('users');

    // The token works, is listed without its secret, and is gone from the page once it reloads.
    const me = await fetch(`${server.url}/api/trpc/users.me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { result: { data: { name: string } } }).result.data.name).toBe(
      'olivia',
    );
    await page.reload();
    await shown(row(/olivia\s+ci/));
    expect(await page.getByLabel('API token', { exact: true }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke ci of olivia' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke the token “ci” of olivia?' })
      .getByRole('button', { name: 'Revoke “ci”' })
      .click();
    await shown(main().getByText('Revoked the token “ci” of olivia.'));
    await shown(row(/olivia\s+ci/).getByText('revoked'));
    const refused = await fetch(`${server.url}/api/trpc/users.me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(401);
  });

  it('keeps a role picked before the Users page had loaded its script, and changes to it', async () => {
    // On a slow connection the list is on screen before its script runs; hydration must not put
    // the select back to the stored role (the form would then send that, silently changing nothing).
    const early = await app.context.newPage();
    try {
      const release = await holdScripts(early);
      await early.goto(`${server.url}/users`, { waitUntil: 'domcontentloaded' });
      const role = early.getByLabel('Role of olivia', { exact: true });
      expect(await role.inputValue()).toBe('release-creator');
      await role.selectOption('viewer');
      release();
      // Every script loaded and run: the page is hydrated.
      await early.waitForLoadState('networkidle');
      expect(await role.inputValue()).toBe('viewer');
      await early.getByRole('button', { name: 'Change role of olivia' }).click();
      await shown(early.getByRole('main').getByText('olivia is now viewer.'));
      expect(await role.inputValue()).toBe('viewer');
    } finally {
      await early.close();
    }
  });

  it('refuses disabling the last admin with the API’s message, and disables another user', async () => {
    await page.getByRole('button', { name: 'Disable admin' }).click();
    await page
      .getByRole('dialog', { name: 'Disable admin?' })
      .getByRole('button', { name: 'Disable admin' })
      .click();
    await shown(
      main().getByText('"admin" is the last enabled admin; make another user admin first.'),
    );
    await shown(row(/^admin/).getByText('active'));

    await page.getByRole('button', { name: 'Disable olivia' }).click();
    await page
      .getByRole('dialog', { name: 'Disable olivia?' })
      .getByRole('button', { name: 'Disable olivia' })
      .click();
    await shown(main().getByText('olivia is disabled.'));
    await shown(row(/^olivia/).getByText('disabled'));
  });

  it('lists these actions in the audit log and filters them by action and actor', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Audit log' })
      .click();
    await shown(main().getByRole('heading', { name: 'Audit log', level: 1 }));
    const actions = await main().locator('tbody tr td:nth-child(3)').allTextContents();
    for (const action of [
      'environment.create',
      'environment.set',
      'environment.unset',
      'environment.reveal',
      'environment.import',
      'environment.link',
      'environment.rename',
      'environment.delete',
      'agent.add',
      'agent.remove',
      'user.create',
      'user.role',
      'user.password',
      'token.create',
      'token.revoke',
      'user.disable',
    ])
      expect(actions, action).toContain(action);
    // Details are text: the agent named with HTML shows as characters.
    await shown(
      main()
        .getByRole('cell', { name: `agent: ${XSS}` })
        .first(),
    );
    expect(await page.locator('main img').count()).toBe(0);
    // The secret's value is never in the audit trail, only its key.
    expect(await main().textContent()).not.toContain(SECRET);
    await screenshot('audit');

    await page.getByLabel('Action').fill('environment.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=environment\.\*/);
    const filtered = await main().locator('tbody tr td:nth-child(3)').allTextContents();
    expect(filtered.length).toBeGreaterThan(5);
    expect(filtered.every((a) => a.startsWith('environment.'))).toBe(true);

    // The filtered view is a link to share: opening the URL shows the same entries.
    await page.goto(`${server.url}/audit?actor=admin&action=user.role`);
    expect(await page.getByLabel('Action').inputValue()).toBe('user.role');
    // Newest first: the role picked before hydration, then the first change.
    const roleRows = main().locator('tbody tr');
    expect(await roleRows.count()).toBe(2);
    expect(await roleRows.locator('td:last-child').allTextContents()).toEqual([
      'user: olivia · from: release-creator · to: viewer',
      'user: olivia · from: editor · to: release-creator',
    ]);

    await page.getByLabel('Actor').fill('nobody');
    await page.getByRole('button', { name: 'Filter' }).click();
    await shown(main().getByText('No entries match.'));

    // Pages follow the API's cursor, keeping the filters and the page size.
    await page.goto(`${server.url}/audit?action=environment.*&limit=4`);
    const rowsText = () => main().locator('tbody tr').allTextContents();
    const newest = await rowsText();
    expect(newest).toHaveLength(4);
    expect(await main().getByRole('link', { name: 'Newest entries' }).count()).toBe(0);
    await main().getByRole('link', { name: 'Older entries' }).click();
    await page.waitForURL(/cursor=\d+/);
    expect(page.url()).toContain('action=environment.*');
    expect(page.url()).toContain('limit=4');
    const older = await rowsText();
    expect(older).toHaveLength(4);
    expect(older.every((r) => /environment\./.test(r))).toBe(true);
    expect(older.some((r) => newest.includes(r))).toBe(false);
    await main().getByRole('link', { name: 'Newest entries' }).click();
    await page.waitForURL((url) => !url.searchParams.has('cursor'));
    expect(await rowsText()).toEqual(newest);

    await page.goto(`${server.url}/audit?since=yesterday`);
    await shown(main().getByText(/must be an ISO date/));
    expect(await page.getByLabel('Since').getAttribute('aria-invalid')).toBe('true');
  });

  it('offers a viewer no mutating controls and refuses the users page', async () => {
    await app.asAdmin('users.create', {
      name: VIEWER.name,
      role: 'viewer',
      password: VIEWER.password,
    });
    await app.signOut();
    await app.signIn(VIEWER.name, VIEWER.password);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await shown(nav.getByRole('link', { name: 'Environments' }));
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);

    await nav.getByRole('link', { name: 'Environments' }).click();
    await shown(row(/Staging EU/));
    expect(await page.getByRole('button', { name: 'Create environment' }).count()).toBe(0);
    expect(
      await main()
        .getByRole('button', { name: /^Delete/ })
        .count(),
    ).toBe(0);

    await page.goto(environmentUrl);
    await shown(row(/TOKEN/).getByText(MASK));
    await shown(main().getByRole('link', { name: 'Export CSV', exact: true }));
    expect(await main().getByRole('button').count()).toBe(0);
    expect(await main().locator('input, select, textarea').count()).toBe(0);
    expect(await main().getByRole('link', { name: 'Export CSV with secret values' }).count()).toBe(
      0,
    );
    // Crafted requests are refused by the API anyway.
    const add = await postAction(`${environmentUrl}?/add`, { key: 'SNEAKY', value: '1' });
    expect(add).toMatchObject({ type: 'failure', status: 403 });
    const reveal = await postAction(`${environmentUrl}?/reveal`, {});
    expect(reveal).toMatchObject({ type: 'failure', status: 403 });
    const exported = await page.request.get(`${environmentUrl}/export.csv?reveal=1`);
    expect(exported.status()).toBe(403);
    expect(await exported.text()).not.toContain(SECRET);

    await page.goto(`${server.url}/automations/${automationId}/agents`);
    await shown(main().getByRole('cell', { name: XSS, exact: true }));
    expect(await main().getByRole('button').count()).toBe(0);
    expect(await page.getByLabel('Agent name').count()).toBe(0);

    const users = await page.goto(`${server.url}/users`);
    expect(users?.status()).toBe(403);
    await shown(page.getByText('Only admins manage users and API tokens.'));
    const crafted = await postAction(`${server.url}/users?/create`, {
      name: 'mallory',
      role: 'admin',
      password: 'mallory-password',
    });
    expect(crafted).toMatchObject({ type: 'failure', status: 403 });
    expect(app.alerts).toEqual([]);
  });
});
