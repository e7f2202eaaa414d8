// Browser scenarios for the everyday workflow without the CLI (issue 13 item 6): rename an
// automation; download the CB export of its working copy or of a version (readers too, signed in
// by the session cookie, named by the server); import a new export into it and follow the links to
// the automatic version that keeps the previous working copy; pin and unpin versions against the
// retention policy; see and set that policy (admins; others read it). Bot content and names are
// shown escaped, each control only to the roles the API lets act, and nothing scrolls sideways at
// 390 px.
import { readFileSync } from 'node:fs';
import { generateBotExport } from '@ferry/core/testing';
import type { Download, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, shown, startWebApp, type WebApp } from './harness';

const EDITOR = { name: 'edna', password: 'editor-password-e2e' };
const VIEWER = { name: 'vera', password: 'viewer-password-e2e' };
const ACCEPTOR = { name: 'alma', password: 'acceptor-password-e2e' };

let app: WebApp;
let page: WebApp['page'];
const url = (path: string) => app.server.url + path;
const main = () => page.getByRole('main');
const status = () => main().getByRole('status');
const versionRow = (label: RegExp) => main().getByRole('row', { name: label });
const bot = (seed: number) => generateBotExport({ seed, dialogs: 2, interactionsPerDialog: 2 });

/** Signs in as `who` (signing out whoever is signed in), then opens `path`. */
async function as(who: { name: string; password: string }, path: string) {
  await page.goto(url('/automations'));
  if (await page.getByRole('button', { name: 'Sign out' }).count()) await app.signOut();
  await app.signIn(who.name, who.password);
  await page.goto(url(path));
}

/** Clicks `link` and returns the download it starts. */
async function downloadOf(link: Locator): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return download;
}
const textOf = async (download: Download) => readFileSync(await download.path(), 'utf8');

/** What GET /api/export serves for the automation (or a version), as the CLI downloads it. */
async function exportText(automation: string, version?: number) {
  const { text } = await app.adminQuery<{ text: string }>('automations.export', {
    automation,
    ...(version !== undefined && { version: String(version) }),
  });
  return `${text}\n`;
}

/** The page is no wider than the screen (see phone.test.ts). */
async function fitsTheScreen(what: string) {
  const { scrollWidth, width } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scrollWidth, `${what}: ${scrollWidth}px wide at ${width}px`).toBeLessThanOrEqual(width);
}

beforeAll(async () => {
  app = await startWebApp();
  ({ page } = app);
  for (const [user, role] of [
    [EDITOR, 'editor'],
    [VIEWER, 'viewer'],
    [ACCEPTOR, 'release-acceptor'],
  ] as const)
    await app.asAdmin('users.create', { name: user.name, role, password: user.password });
  await page.goto(url('/'));
});

afterAll(async () => {
  await app?.close();
});

describe('renaming an automation', () => {
  it('renames it from its page, escaped, and says why a taken name is refused', async () => {
    const { id } = await app.asAdmin<{ id: string }>('automations.import', {
      document: bot(1),
      name: 'Support (Dev)',
    });
    await app.asAdmin('automations.create', { name: 'Support (Prod)' });
    await as(EDITOR, `/automations/${id}`);

    const dialog = page.getByRole('dialog', { name: 'Rename automation “Support (Dev)”' });
    await page.getByRole('button', { name: 'Rename automation' }).click();
    await shown(dialog);
    const name = dialog.getByLabel('Name', { exact: true });
    expect(await name.inputValue()).toBe('Support (Dev)');

    // A name another automation has: refused at the field, what was typed kept, nothing renamed.
    await name.fill('Support (Prod)');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await shown(dialog.getByText('An automation named "Support (Prod)" already exists.'));
    expect(await name.inputValue()).toBe('Support (Prod)');
    expect(await name.getAttribute('aria-invalid')).toBe('true');

    const renamed = `Support ${XSS}`;
    await name.fill(renamed);
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await shown(status().getByText(`Renamed “Support (Dev)” to “${renamed}”.`));
    await shown(main().getByRole('heading', { name: renamed, level: 1 }));
    expect(await dialog.isVisible()).toBe(false);
    expect(await page.title()).toBe(`${renamed} · Ferry`);
    expect(app.alerts).toEqual([]);
    const shownNow = await app.adminQuery<{ name: string }>('automations.show', {
      automation: id,
    });
    expect(shownNow.name).toBe(renamed);

    // Another user renamed it meanwhile: the stale form says so and renames nothing.
    await page.getByRole('button', { name: 'Rename automation' }).click();
    await app.asAdmin('automations.rename', { automation: id, name: 'Support (Dev)' });
    const stale = page.getByRole('dialog', { name: /^Rename automation/ });
    await stale.getByLabel('Name', { exact: true }).fill('Support (Staging)');
    await stale.getByRole('button', { name: 'Rename' }).click();
    await shown(stale.getByText(/was changed by someone else/));
    const after = await app.adminQuery<{ name: string }>('automations.show', { automation: id });
    expect(after.name).toBe('Support (Dev)');
    await app.screenshot('workflow-rename');
  });

  it('offers a viewer and an acceptor no rename', async () => {
    const { id } = await app.asAdmin<{ id: string }>('automations.create', { name: 'Read only' });
    for (const who of [VIEWER, ACCEPTOR]) {
      await as(who, `/automations/${id}`);
      await shown(main().getByRole('heading', { name: 'Versions' }));
      expect(await page.getByRole('button', { name: 'Rename automation' }).count()).toBe(0);
    }
  });
});

describe('downloading CB exports', () => {
  it('downloads the working copy and a version as a viewer, named after the automation', async () => {
    const a = await app.asAdmin<{ id: string; revision: number }>('automations.import', {
      document: bot(2),
      name: `Export ${XSS}`,
    });
    const v1 = await app.asAdmin<{ number: number }>('versions.save', {
      automation: a.id,
      name: 'first',
    });
    await app.asAdmin('automations.import', { document: bot(3), into: a.id });
    await as(VIEWER, `/automations/${a.id}`);

    const working = await downloadOf(
      page.getByRole('link', { name: 'Download the working copy (CB export)' }),
    );
    // Named by the server: what file systems refuse (here < and >) replaced, as browsers would.
    const file = 'Export _img src=x onerror=alert(1)_';
    expect(working.suggestedFilename()).toBe(`${file}.json`);
    expect(await textOf(working)).toBe(await exportText(a.id));
    const size = Buffer.byteLength(await exportText(a.id));
    await shown(status().getByText(`Downloaded “${file}.json” (${(size / 1024).toFixed(1)} KB).`));

    const version = await downloadOf(
      page.getByRole('link', { name: `Download #${v1.number} first as a CB export` }),
    );
    expect(version.suggestedFilename()).toBe(`${file} version ${v1.number}.json`);
    const versionText = await textOf(version);
    expect(versionText).toBe(await exportText(a.id, v1.number));
    expect(versionText).not.toBe(await textOf(working));
    expect(app.alerts).toEqual([]);
    // The page hands the fetched file to the browser through an object URL: no policy refuses it.
    expect(app.cspViolations).toEqual([]);

    // Without the page's script: the link itself answers the file, signed in by the cookie.
    const plain = await page.request.get(
      url(`/api/export?automation=${a.id}&version=${v1.number}`),
    );
    expect(plain.status()).toBe(200);
    expect(plain.headers()['content-disposition']).toMatch(/^attachment; /);
    expect(await plain.text()).toBe(versionText);
    await app.screenshot('workflow-download');
  });

  it('says why a download failed: a version deleted since the page was shown', async () => {
    const a = await app.asAdmin<{ id: string }>('automations.import', {
      document: bot(4),
      name: 'Soon without versions',
    });
    const v = await app.asAdmin<{ number: number }>('versions.save', {
      automation: a.id,
      name: 'gone soon',
    });
    await as(VIEWER, `/automations/${a.id}`);
    await shown(versionRow(/gone soon/));
    await app.asAdmin('versions.delete', { automation: a.id, version: v.number });
    await page
      .getByRole('link', { name: `Download #${v.number} gone soon as a CB export` })
      .click();
    const alert = main().getByRole('alert');
    await shown(alert.getByText(/^The download failed: /));
    expect(await alert.textContent()).toMatch(/no version/i);
    // The page stayed where it was.
    expect(page.url()).toBe(url(`/automations/${a.id}`));
  });
});

describe('importing a CB export into an automation', () => {
  it('shows where the previous working copy went, with links to compare and download it', async () => {
    const a = await app.asAdmin<{ id: string }>('automations.import', {
      document: bot(5),
      name: 'Loop',
    });
    const before = await exportText(a.id);
    await as(EDITOR, `/automations/${a.id}`);

    // The CB loop: an export edited elsewhere comes back into the same automation.
    const file = { name: 'edited-in-cb.json', mimeType: 'application/json' };
    const buffer = Buffer.from(JSON.stringify(bot(6)));
    await page.getByRole('button', { name: 'Import a CB export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a CB export into “Loop”' });
    await dialog.getByLabel('CB export file').setInputFiles({ ...file, buffer });
    await dialog.getByRole('button', { name: 'Import and replace the working copy' }).click();
    const banner = status().filter({ hasText: 'Imported edited-in-cb.json.' });
    await shown(
      banner.getByText(
        /The previous working copy was kept as version #1 “Before import”\. It is an automatic version:/,
      ),
    );
    await shown(versionRow(/#1 Before import automatic/));

    // The kept copy, downloaded from the banner, is what the working copy was before.
    const kept = await downloadOf(banner.getByRole('link', { name: 'download it' }));
    expect(kept.suggestedFilename()).toBe('Loop version 1.json');
    expect(await textOf(kept)).toBe(before);

    // And compared with the new working copy.
    await banner.getByRole('link', { name: 'compare #1 with the working copy' }).click();
    await page.waitForURL(/\/diff\?from=1$/);
    await shown(main().getByRole('link', { name: 'Show in flow view' }));
    expect(await page.getByLabel('Before').inputValue()).toBe('1');
    expect(await page.getByLabel('After').inputValue()).toBe('');
    await app.screenshot('workflow-import-into');
  });
});

describe('pinning versions', () => {
  it('pins and unpins; the retention policy prunes only the unpinned automatic versions', async () => {
    const a = await app.asAdmin<{ id: string }>('automations.import', {
      document: bot(7),
      name: 'Pinned bot',
    });
    for (const seed of [8, 9])
      await app.asAdmin('automations.import', { document: bot(seed), into: a.id });
    await as(EDITOR, `/automations/${a.id}`);

    await page.getByRole('button', { name: 'Pin #1 Before import' }).click();
    await shown(
      status().getByText('Pinned #1 “Before import”: the retention policy never prunes it.'),
    );
    await shown(versionRow(/#1 Before import automatic pinned/));
    // The same button now unpins (the keyboard focus stays on it).
    const toggle = page.getByRole('button', { name: 'Unpin #1 Before import' });
    await shown(toggle);
    expect(await toggle.evaluate((b) => b === document.activeElement)).toBe(true);

    await page.getByRole('button', { name: 'Pin #2 Before import' }).click();
    await shown(versionRow(/#2 Before import automatic pinned/));
    await page.getByRole('button', { name: 'Unpin #2 Before import' }).click();
    await shown(
      status().getByText(
        'Unpinned #2 “Before import”. As an automatic version, the retention policy may prune it.',
      ),
    );
    expect(await versionRow(/#2 Before import automatic pinned/).count()).toBe(0);

    // Keep one automatic version: the next import prunes #2 and keeps the pinned #1.
    await app.asAdmin('admin.setPolicy', { keepAutomaticVersions: 1 });
    try {
      await app.asAdmin('automations.import', { document: bot(10), into: a.id });
      await page.reload();
      await shown(versionRow(/#3 Before import automatic/));
      await shown(versionRow(/#1 Before import automatic pinned/));
      expect(await versionRow(/#2 Before import/).count()).toBe(0);
    } finally {
      await app.asAdmin('admin.setPolicy', { keepAutomaticVersions: null });
    }
    await app.screenshot('workflow-pins');
  });

  it('offers pins only to roles that may edit, and says why a refused pin failed', async () => {
    const a = await app.asAdmin<{ id: string }>('automations.import', {
      document: bot(11),
      name: 'Pins by role',
    });
    await app.asAdmin('versions.save', { automation: a.id, name: 'saved' });
    for (const who of [VIEWER, ACCEPTOR]) {
      await as(who, `/automations/${a.id}`);
      await shown(versionRow(/#1 saved/));
      expect(await page.getByRole('button', { name: /^(Un)?pin #/ }).count()).toBe(0);
    }
    // The action asks the API, which refuses a viewer whatever the page offered.
    await as(VIEWER, `/automations/${a.id}`);
    const forged = await page.request.post(url(`/automations/${a.id}?/pin`), {
      // A form posted without the page's script: the answer is the page, with the refusal's status.
      headers: { origin: app.server.url, accept: 'text/html' },
      form: { version: '1', pinned: 'true' },
    });
    expect(forged.status()).toBe(403);
    const versions = await app.adminQuery<{ pinned: boolean }[]>('versions.list', {
      automation: a.id,
    });
    expect(versions.map((v) => v.pinned)).toEqual([false]);

    // A version deleted since the page was shown: the pin says so, at the top of the page.
    await as(EDITOR, `/automations/${a.id}`);
    await app.asAdmin('versions.delete', { automation: a.id, version: 1 });
    await page.getByRole('button', { name: 'Pin #1 saved' }).click();
    await shown(
      main()
        .getByRole('alert')
        .getByText(/no version/i),
    );
  });
});

describe('the instance policy', () => {
  it('lets an admin set retention, approvals and acceptor ≠ creator, with errors as sentences', async () => {
    await as({ name: 'admin', password: ADMIN_PASSWORD }, '/policy');
    await shown(main().getByRole('heading', { name: 'Policy', level: 1 }));
    const inForce = main().getByRole('region', { name: 'In force' });
    await shown(inForce.getByText('All of them: nothing is pruned.'));

    const approvals = page.getByLabel('Approvals required before an upgrade');
    const keep = page.getByLabel('Automatic versions kept per automation');
    await approvals.fill('two');
    await keep.fill('0');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await shown(main().getByText('Approvals required must be a whole number from 0 to 20.'));
    await shown(
      main().getByText('Automatic versions kept must be a whole number from 1 to 100000.'),
    );
    expect(await approvals.inputValue()).toBe('two');

    await approvals.fill('2');
    await keep.fill('25');
    await page.getByLabel('A release’s creator may not accept it').check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await shown(status().getByText('Saved the policy.'));
    await shown(inForce.getByText('2 approvals from acceptors other than the release’s creator.'));
    await shown(inForce.getByText(/^The newest 25 of each automation/));
    await shown(inForce.getByText('Acceptors and admins, except whoever created the release.'));
    expect(await app.adminQuery('admin.getPolicy', undefined)).toEqual({
      acceptorMustDifferFromCreator: true,
      keepAutomaticVersions: 25,
      requiredApprovals: 2,
    });
    await app.screenshot('workflow-policy');

    // Blank keeps every automatic version again.
    await keep.fill('');
    await approvals.fill('0');
    await page.getByLabel('A release’s creator may not accept it').uncheck();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await shown(inForce.getByText('All of them: nothing is pruned.'));
    expect(await app.adminQuery('admin.getPolicy', undefined)).toEqual({
      acceptorMustDifferFromCreator: false,
      keepAutomaticVersions: null,
      requiredApprovals: 0,
    });
  });

  it('shows others the policy read-only, and the API refuses their changes', async () => {
    await as(ACCEPTOR, '/policy');
    await shown(main().getByText('Only admins change the policy.'));
    await shown(main().getByText('None: a release may be accepted without approvals.'));
    expect(await page.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
    const forged = await page.request.post(url('/policy?/set'), {
      headers: { origin: app.server.url, accept: 'text/html' },
      form: { requiredApprovals: '5', keepAutomaticVersions: '' },
    });
    expect(forged.status()).toBe(403);
    expect(
      (await app.adminQuery<{ requiredApprovals: number }>('admin.getPolicy', undefined))
        .requiredApprovals,
    ).toBe(0);
  });
});

describe('at 390 px', () => {
  it('fits the automation page with its new controls, and the policy page', async () => {
    const a = await app.asAdmin<{ id: string }>('automations.import', {
      document: bot(12),
      name: `A long automation name for a phone screen ${XSS}`,
    });
    await app.asAdmin('versions.save', {
      automation: a.id,
      name: 'A version with a long name that has to wrap on a phone',
    });
    await as({ name: 'admin', password: ADMIN_PASSWORD }, `/automations/${a.id}`);
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.reload();
      await shown(page.getByRole('button', { name: 'Rename automation' }));
      await shown(page.getByRole('button', { name: /^Pin #1 / }));
      await fitsTheScreen('automation page');
      await page.getByRole('button', { name: 'Rename automation' }).click();
      await shown(page.getByRole('dialog', { name: /^Rename automation/ }));
      await fitsTheScreen('rename dialog');
      await page.keyboard.press('Escape');
      await page.goto(url('/policy'));
      await shown(page.getByRole('button', { name: 'Save policy' }));
      await fitsTheScreen('policy page');
      await app.screenshot('workflow-phone-policy');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});
