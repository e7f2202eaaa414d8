// Browser scenario: releasing Dev → Prod (DESIGN.md rules 3-9). A new release from Dev's working
// copy, Prod's pending release with its preview and a failing environment check, role gating, the
// check passing once the variable is set, upgrade, a stale preview refused, reject, roll back, a
// forced upgrade, and the pipelines view. Set-up the scenario is not about goes through asAdmin.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, fixture, holdScripts, shown, startWebApp, type WebApp } from './harness';

const CREATOR = { name: 'rita', password: 'creator-password-e2e' };
const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12'; // returns-desk's "1 Start" dialog
const VARIABLE = 'SUPPORT_PHONE';

let app: WebApp;
let page: WebApp['page'];
let dev: { id: string; revision: number };
let prod: { id: string; revision: number };
const screenshot = (name: string) => app.screenshot(name);
const prodReleases = () => `${app.server.url}/automations/${prod.id}/releases`;

/**
 * A slow connection: New release from Dev opens in a page of its own with its scripts held back;
 * `early` uses the server-rendered form, then the scripts load and `hydrated` checks the page.
 */
async function newReleaseBeforeHydration(
  early: (page: Page) => Promise<unknown>,
  hydrated: (page: Page) => Promise<void>,
) {
  const fresh = await app.context.newPage();
  try {
    const release = await holdScripts(fresh);
    await fresh.goto(`${app.server.url}/releases/new?source=${dev.id}`, {
      waitUntil: 'domcontentloaded',
    });
    await early(fresh);
    release();
    await hydrated(fresh);
  } finally {
    await fresh.close();
  }
}

const button = (name: string | RegExp) =>
  page.getByRole('button', { name, exact: typeof name === 'string' });

beforeAll(async () => {
  app = await startWebApp();
  page = app.page;
  // Dev: a real CB export plus an interaction whose text uses an environment variable.
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
      name: 'support_phone',
      content: {
        contentType: 'STATIC',
        results: {
          type: 'TEXT',
          tile: { tileData: [{ text: `Call us on {$env.${VARIABLE}}`, buttons: [] }] },
        },
      },
    },
  });
  // Prod: empty, linked to an environment that defines another variable but not SUPPORT_PHONE.
  prod = await app.asAdmin('automations.create', { name: 'Prod' });
  await app.asAdmin('environments.create', { name: 'Production' });
  await app.asAdmin('environments.set', {
    environment: 'Production',
    variables: [{ key: 'GREETING', value: 'Hello' }],
  });
  await app.asAdmin('environments.link', { automation: prod.id, environment: 'Production' });
  await app.asAdmin('users.create', { ...CREATOR, role: 'release-creator' });
});

afterAll(async () => {
  await app?.close();
});

describe('releasing Dev → Prod in the browser', () => {
  it('creates a release from Dev’s working copy, keeping what was typed on a bad version number', async () => {
    await page.goto(app.server.url + '/');
    await app.signIn('admin', ADMIN_PASSWORD);
    await page.goto(`${app.server.url}/automations/${dev.id}/releases`);
    await shown(page.getByText('No release is waiting for Dev.'));
    await page.getByRole('link', { name: 'New release from Dev' }).click();
    await page.waitForURL(/\/releases\/new\?source=/);
    await shown(page.getByRole('heading', { name: 'New release', level: 1 }));
    expect(await page.getByLabel('Source automation').inputValue()).toBe(dev.id);
    expect(await page.getByLabel('The working copy of Dev').isChecked()).toBe(true);

    await page.getByLabel('Target automation').selectOption({ label: 'Prod' });
    await page.getByLabel('Version number').fill('one point oh');
    await page.getByLabel('Description').fill('First release to Prod');
    await page.getByRole('button', { name: 'Create release' }).click();
    await shown(page.getByText('"one point oh" is not a semantic version number such as 1.2.0.'));
    expect(await page.getByLabel('Version number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Description').inputValue()).toBe('First release to Prod');
    expect(await page.getByLabel('Target automation').inputValue()).toBe(prod.id);
    await screenshot('release-new');

    await page.getByLabel('Version number').fill('1.0.0');
    await page.getByRole('button', { name: 'Create release' }).click();
    await page.waitForURL(prodReleases());
  });

  it('keeps a target chosen before the page had loaded its script', async () => {
    // Hydration must not put the select back to "Choose the automation…".
    await newReleaseBeforeHydration(
      (early) => early.getByLabel('Target automation').selectOption(prod.id),
      async (early) => {
        // Every script loaded and run: the page is hydrated.
        await early.waitForLoadState('networkidle');
        expect(await early.getByLabel('Target automation').inputValue()).toBe(prod.id);
        expect(await early.getByLabel('Source automation').inputValue()).toBe(dev.id);
      },
    );
  });

  it('follows a source chosen before the page had loaded its script: its versions are offered', async () => {
    await newReleaseBeforeHydration(
      (early) => early.getByLabel('Source automation').selectOption(prod.id),
      async (early) => {
        // Hydrated, the early choice counts as made now: the page loads the source's versions.
        await early.waitForURL(`**/releases/new?source=${prod.id}`);
        await shown(early.getByLabel('The working copy of Prod'));
        expect(await early.getByLabel('Source automation').inputValue()).toBe(prod.id);
      },
    );
  });

  it('shows Prod’s pending release with its preview, the missing variable and Upgrade disabled', async () => {
    await shown(page.getByRole('heading', { name: 'Pending release 1.0.0' }));
    await shown(page.getByText('First release to Prod'));
    const missing = page.getByRole('list', { name: 'Missing variables' });
    await shown(missing.getByText(VARIABLE, { exact: true }));
    // Where the release uses it: dialog, interaction and field.
    await shown(missing.getByText(/— used at dialog ".+" › interaction ".+" › field /));
    await shown(page.getByText('Environment Production does not define'));
    expect(await button('Upgrade').isDisabled()).toBe(true);
    // The admin may force past the environment check (and only past it).
    await shown(button('Upgrade anyway…'));

    // The preview is the API's diff of Prod's working copy against the release.
    const show = await app.adminQuery<{ preview: { summary: { text: string } } }>('releases.show', {
      target: prod.id,
    });
    const preview = page.getByRole('region', { name: 'What the upgrade changes' });
    await shown(preview.getByText(show.preview.summary.text));
    // A whole added bot reads as counts per dialog, collapsed; the drill-down lists one dialog's
    // interactions, each folded; unfolding one shows its content.
    const start = preview.getByRole('group', { name: 'Dialog 1 Start' });
    await shown(start.locator(':scope > summary').getByText(/^\d+ interactions: \d+ added$/));
    expect(await preview.getByRole('article', { name: /^Added Interaction / }).count()).toBe(0);
    await start.locator(':scope > summary').click();
    await start.getByRole('link', { name: /^Show the \d+ interaction changes$/ }).click();
    await page.waitForURL(/[?&]dialog=/);
    const opened = page
      .getByRole('region', { name: 'What the upgrade changes' })
      .getByRole('group', { name: 'Dialog 1 Start' });
    expect(await opened.getAttribute('open')).not.toBeNull();
    const added = opened.getByRole('article', { name: 'Added Interaction support_phone' });
    expect(await added.getByText('Call us on {$env.SUPPORT_PHONE}').first().isVisible()).toBe(
      false,
    );
    await added.getByText('The whole interaction as JSON').click();
    await shown(added.getByText('Call us on {$env.SUPPORT_PHONE}'));
    await screenshot('release-pending');
  });

  it('offers a release-creator no Upgrade, Reject or Roll back, and the server refuses them', async () => {
    await app.signOut();
    await app.signIn(CREATOR.name, CREATOR.password);
    await page.goto(prodReleases());
    await shown(page.getByRole('heading', { name: 'Pending release 1.0.0' }));
    await shown(page.getByRole('list', { name: 'Missing variables' }).getByText(VARIABLE));
    for (const name of [/^Upgrade/, /^Reject/, /^Roll back/])
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    await shown(page.getByText('The release-creator role may not accept releases.'));

    const show = await app.adminQuery<{ release: { id: string } }>('releases.show', {
      target: prod.id,
    });
    const refused = await page.request.post(`${prodReleases()}?/upgrade`, {
      headers: { origin: app.server.url, 'x-sveltekit-action': 'true' },
      form: { release: show.release.id, force: 'true' },
    });
    const body = (await refused.json()) as { type: string; status: number; data: string };
    expect(body).toMatchObject({ type: 'failure', status: 403 });
    expect(body.data).toContain('The release-creator role may not do this');

    await app.signOut();
    await app.signIn('admin', ADMIN_PASSWORD);
  });

  it('passes the check once the variable is set, and upgrades Prod to 1.0.0 after a confirmation', async () => {
    // The admin defines the missing variable on the Environments page, as a user would.
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Environments' })
      .click();
    await page.getByRole('link', { name: 'Production', exact: true }).click();
    const form = page.getByRole('region', { name: 'Add variable' });
    await form.getByLabel('Variable name').fill(VARIABLE);
    await form.getByLabel('Value', { exact: true }).fill('+1 555 0100');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await shown(page.getByText(`Added the variable ${VARIABLE}.`));
    await page.goto(prodReleases());
    await shown(page.getByText(/Passed: environment Production defines every variable/));
    expect(await page.getByRole('list', { name: 'Missing variables' }).count()).toBe(0);
    expect(await button('Upgrade anyway…').count()).toBe(0);
    expect(await button('Upgrade').isEnabled()).toBe(true);

    await button('Upgrade').click();
    const confirm = page.getByRole('dialog', { name: 'Upgrade Prod to release 1.0.0?' });
    await shown(confirm.getByText(/saves the current working copy as an automatic version/));
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.isVisible()).toBe(false);
    await button('Upgrade').click();
    await confirm.getByRole('button', { name: 'Upgrade to 1.0.0' }).click();
    await shown(page.getByText('Prod now runs release 1.0.0.', { exact: false }));
    await shown(page.getByText('No release is waiting for Prod.'));
    await shown(page.getByText('Runs release 1.0.0 (from Dev, accepted by admin'));

    const upgrades = page.getByRole('table', { name: 'Upgrades of Prod' });
    await shown(upgrades.getByRole('row', { name: /1\.0\.0 .*Dev.*admin.*running/ }));
    const received = page.getByRole('table', { name: 'Releases received' });
    await shown(
      received.getByRole('row', { name: /1\.0\.0 First release to Prod Dev .*accepted/ }),
    );
    expect(
      (
        await app.adminQuery<{ runsRelease: { version: string } }>('releases.history', {
          automation: prod.id,
        })
      ).runsRelease.version,
    ).toBe('1.0.0');
  });

  it('rejects a second release with a reason', async () => {
    await app.asAdmin('releases.create', {
      source: dev.id,
      target: prod.id,
      version: '1.1.0',
      description: 'Copy changes',
    });
    await page.reload();
    await shown(page.getByRole('heading', { name: 'Pending release 1.1.0' }));
    await button('Reject…').click();
    const confirm = page.getByRole('dialog', { name: 'Reject release 1.1.0?' });
    await confirm.getByLabel('Reason (optional)').fill('Copy not approved by legal');
    await confirm.getByRole('button', { name: 'Reject 1.1.0' }).click();
    await shown(page.getByText('Rejected release 1.1.0.'));
    await shown(page.getByText('No release is waiting for Prod.'));
    const received = page.getByRole('table', { name: 'Releases received' });
    const row = received.getByRole('row', { name: /1\.1\.0 Copy changes/ });
    await shown(row.getByText('rejected'));
    await shown(row.getByText('Reason: Copy not approved by legal'));
    // Prod still runs 1.0.0.
    await shown(page.getByText('Runs release 1.0.0 (from Dev'));
  });

  it('refuses an upgrade when Prod changed since the preview, and says so plainly', async () => {
    await app.asAdmin('releases.create', { source: dev.id, target: prod.id, version: '1.2.0' });
    await page.reload();
    await shown(page.getByRole('heading', { name: 'Pending release 1.2.0' }));
    // Someone edits Prod while the acceptor looks at the preview.
    const now = await app.adminQuery<{ revision: number }>('automations.show', {
      automation: prod.id,
    });
    await app.asAdmin('editing.addDialog', {
      automation: prod.id,
      baseRevision: now.revision,
      dialog: { name: 'Hotfix in production' },
    });
    await button('Upgrade').click();
    await page
      .getByRole('dialog', { name: 'Upgrade Prod to release 1.2.0?' })
      .getByRole('button', { name: 'Upgrade to 1.2.0' })
      .click();
    const problem = page.getByRole('alert').filter({ hasText: 'changed by someone else' });
    // What changed since the preview: who did what, when, and to the content.
    await shown(problem.getByRole('list', { name: 'Changes since the page was loaded' }));
    await shown(problem.getByText(/^admin added a dialog, .+ \(revision \d+\)$/));
    await shown(problem.getByText('What changed in its content: 1 dialog added.'));
    await shown(page.getByText('Runs release 1.0.0 (from Dev'));

    await problem.getByRole('button', { name: 'Reload the release and its preview' }).click();
    await shown(
      page.getByRole('region', { name: 'What the upgrade changes' }).getByText(/removed/),
    );
    await button('Upgrade').click();
    await page
      .getByRole('dialog', { name: 'Upgrade Prod to release 1.2.0?' })
      .getByRole('button', { name: 'Upgrade to 1.2.0' })
      .click();
    await shown(page.getByText('Prod now runs release 1.2.0.', { exact: false }));
  });

  it('rolls back to the release upgraded before', async () => {
    await button('Roll back 1.2.0').click();
    const confirm = page.getByRole('dialog', { name: 'Roll back release 1.2.0?' });
    await shown(confirm.getByText(/Before upgrade to 1\.2\.0/));
    await confirm.getByRole('button', { name: 'Roll back 1.2.0' }).click();
    // Prod was hotfixed after 1.0.0, so the backup it returns to is not release 1.0.0: it says so.
    await shown(
      page.getByText(
        /Rolled back release 1\.2\.0: restored #(\d+)\. Prod now runs the backup taken before upgrading to 1\.2\.0 \(version #\d+\)\./,
      ),
    );
    await shown(
      page.getByText(/^Runs the backup taken before upgrading to 1\.2\.0 \(version #\d+\)/),
    );
    expect(await page.getByText('Runs release 1.0.0').count()).toBe(0);
    const upgrades = page.getByRole('table', { name: 'Upgrades of Prod' });
    await shown(upgrades.getByRole('row', { name: /1\.2\.0 .*rolled back/ }));
    await shown(upgrades.getByRole('row', { name: /1\.0\.0 .*last accepted/ }));
    // The hotfix made before 1.2.0 is back: the backup was taken after it.
    const content = await app.adminQuery<{ counts: { dialogs: number } }>('automations.show', {
      automation: prod.id,
    });
    const devNow = await app.adminQuery<{ counts: { dialogs: number } }>('automations.show', {
      automation: dev.id,
    });
    expect(content.counts.dialogs).toBe(devNow.counts.dialogs + 1);
    await screenshot('release-history');
  });

  it('shows the pipeline Dev → Prod with the release Prod runs, and releases a saved version from it', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Pipelines' })
      .click();
    await page.waitForURL(/\/pipelines$/);
    const pipeline = page.getByRole('region', { name: 'Pipeline Dev → Prod' });
    await shown(pipeline.getByRole('heading', { name: 'Dev → Prod' }));
    const stages = pipeline.getByRole('list', { name: /^Stage/ });
    expect(await stages.count()).toBe(2);
    await shown(stages.nth(0).getByRole('link', { name: 'Dev', exact: true }));
    const prodStage = stages.nth(1);
    await shown(prodStage.getByRole('link', { name: 'Prod', exact: true }));
    await shown(prodStage.getByText('the backup taken before upgrading to 1.2.0'));
    await shown(prodStage.getByText('Environment Production'));
    expect(await prodStage.getByText(/pending/).count()).toBe(0);

    // A release of a saved version of Dev, the source chosen on the form (its versions load then).
    const saved = await app.asAdmin<{ id: string; number: number }>('versions.save', {
      automation: dev.id,
      name: 'Ready for 2.0',
    });
    await page.getByRole('link', { name: 'New release' }).click();
    await page.waitForURL(/\/releases\/new$/);
    await page.getByLabel('Source automation').selectOption({ label: 'Dev' });
    await page.getByLabel('A saved version of Dev').check();
    await page.getByLabel('Version of the source').selectOption({ label: '#1 Ready for 2.0' });
    const runs = await app.adminQuery<{ runs: { text: string } }>('releases.history', {
      automation: prod.id,
    });
    await page
      .getByLabel('Target automation')
      .selectOption({ label: `Prod (runs ${runs.runs.text})` });
    await page.getByLabel('Version number').fill('2.0.0');
    await page.getByRole('button', { name: 'Create release' }).click();
    await page.waitForURL(prodReleases());
    await shown(page.getByRole('heading', { name: 'Pending release 2.0.0' }));
    const history = await app.adminQuery<{ pendingRelease: { fromVersionId: string } }>(
      'releases.history',
      { automation: prod.id },
    );
    expect(history.pendingRelease.fromVersionId).toBe(saved.id);

    await page.goto(`${app.server.url}/pipelines`);
    await shown(prodStage.getByText('the backup taken before upgrading to 1.2.0'));
    await screenshot('pipelines');
    await prodStage.getByRole('link', { name: '2.0.0 pending' }).click();
    await page.waitForURL(prodReleases());
    await shown(page.getByRole('heading', { name: 'Pending release 2.0.0' }));
  });

  it('lets an admin force an upgrade past the environment check only, after a warning', async () => {
    await app.asAdmin('environments.unset', { environment: 'Production', keys: [VARIABLE] });
    await page.reload();
    await shown(page.getByRole('list', { name: 'Missing variables' }).getByText(VARIABLE));
    expect(await button('Upgrade').isDisabled()).toBe(true);
    await button('Upgrade anyway…').click();
    const confirm = page.getByRole('dialog', { name: 'Upgrade anyway Prod to release 2.0.0?' });
    await shown(confirm.getByText(/does not define SUPPORT_PHONE/));
    await confirm.getByRole('button', { name: 'Upgrade anyway to 2.0.0' }).click();
    await shown(
      page.getByText(/Prod now runs release 2\.0\.0 \(forced past the environment check\)/),
    );
  });

  it('gates New release by role: a release-acceptor cannot create one', async () => {
    await app.asAdmin('users.create', {
      name: 'ada',
      role: 'release-acceptor',
      password: 'acceptor-password-e2e',
    });
    await app.signOut();
    await app.signIn('ada', 'acceptor-password-e2e');
    await page.goto(`${app.server.url}/pipelines`);
    await shown(page.getByRole('region', { name: 'Pipeline Dev → Prod' }));
    expect(await page.getByRole('link', { name: 'New release' }).count()).toBe(0);
    await page.goto(`${app.server.url}/releases/new`);
    await shown(page.getByText(/may not create releases/));
    expect(await page.getByRole('button', { name: 'Create release' }).count()).toBe(0);
    const refused = await page.request.post(`${app.server.url}/releases/new?/create`, {
      headers: { origin: app.server.url, 'x-sveltekit-action': 'true' },
      form: { source: dev.id, target: prod.id, version: '9.0.0', from: 'working' },
    });
    const body = (await refused.json()) as { type: string; status: number; data: string };
    expect(body).toMatchObject({ type: 'failure', status: 403 });
    expect(body.data).toContain('The release-acceptor role may not do this');
    expect(app.alerts).toEqual([]);
  });
});
