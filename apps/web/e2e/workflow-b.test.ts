// Browser scenario: more of the workflow in the browser (issue 13 item 6). Promoting the release
// Staging accepted onward to Prod from the pipeline view (a creator's button, a confirmation, a
// refusal said at its field, the success banner); comparing any two sides (any automation's working
// copy or version against this one's) with a URL that shows the same comparison again; adding an
// interaction of any kind at a chosen place in a dialog. Role gating, escaped names, the 390 px
// width and axe-core (with the dialogs open) are checked on each; the comparison once more on a
// 10,005-interaction bot, whose transfer and time it prints (sizes asserted with generous bounds,
// times never). Set-up the scenario is not about goes through asAdmin.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XSS, fixture, shown, startWebApp, type WebApp } from './harness';

const CREATOR = { name: 'rita', password: 'creator-password-e2e' };
const EDITOR = { name: 'erin', password: 'editor-password-e2e' };
const VIEWER = { name: 'vic', password: 'viewer-password-e2e' };
const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12'; // returns-desk's "1 Start" dialog
const PROD = `Prod ${XSS}`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let app: WebApp;
let page: WebApp['page'];
let dev: { id: string; revision: number };
let staging: { id: string; revision: number };
let prod: { id: string };
let tracker: { id: string };
const url = (path: string) => app.server.url + path;
const main = () => page.getByRole('main');
const button = (name: string | RegExp) =>
  page.getByRole('button', { name, exact: typeof name === 'string' });

/** The page is no wider than the screen (no sideways scrolling). */
async function fitsTheScreen(what: string) {
  const measured = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(measured.scrollWidth, `${what} at ${measured.width}px`).toBeLessThanOrEqual(
    measured.width,
  );
}

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** axe-core (WCAG 2.1 A and AA, best practices, as e2e/a11y.test.ts runs it) finds nothing. */
async function passesAxe(what: string) {
  // Evaluated as the browser's tools evaluate (the page's content-security policy, which refuses
  // inline scripts, stays on).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: {
        run: (
          context: Document,
          options: object,
        ) => Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }>;
      };
    };
    const results = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    return results.violations.map(
      (v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  });
  expect(found, `${what}: axe-core found`).toEqual([]);
}

async function signInAs(user: { name: string; password: string }) {
  await page.goto(url('/'));
  if (await page.getByRole('button', { name: 'Sign out' }).count()) await app.signOut();
  await app.signIn(user.name, user.password);
}

beforeAll(async () => {
  app = await startWebApp();
  page = app.page;
  // Dev → Staging: release 1.0.0, accepted by Staging. Prod: empty, never released to.
  dev = await app.asAdmin('automations.import', {
    document: fixture('returns-desk.json'),
    name: 'Dev',
  });
  await app.asAdmin('versions.save', { automation: dev.id, name: 'as imported' });
  staging = await app.asAdmin('automations.create', { name: 'Staging' });
  prod = await app.asAdmin('automations.create', { name: PROD });
  await app.asAdmin('releases.create', {
    source: dev.id,
    target: staging.id,
    version: '1.0.0',
    description: 'First cut',
  });
  await app.asAdmin('releases.upgrade', { target: staging.id });
  tracker = await app.asAdmin('automations.import', {
    document: fixture('order-tracker.json'),
    name: 'Tracker',
  });
  await app.asAdmin('users.create', { ...CREATOR, role: 'release-creator' });
  await app.asAdmin('users.create', { ...EDITOR, role: 'editor' });
  await app.asAdmin('users.create', { ...VIEWER, role: 'viewer' });
});

afterAll(async () => {
  expect(app?.alerts ?? []).toEqual([]);
  await app?.close();
});

describe('promoting a release onward from the pipeline view', () => {
  it('offers Staging’s accepted release to Prod after a confirmation, and says so', async () => {
    await signInAs(CREATOR);
    await page.goto(url('/pipelines'));
    const stagingCard = main().getByRole('listitem').filter({ hasText: 'Runs release 1.0.0' });
    await shown(stagingCard);
    // Staging never released to anyone: no one-click target yet, the picker instead.
    expect(await button(/^Promote 1\.0\.0 to (?!another)/).count()).toBe(0);
    await button('Promote 1.0.0 to another automation… (from Staging)').click();
    const modal = page.getByRole('dialog', { name: 'Promote release 1.0.0 from “Staging”' });
    await shown(modal);
    expect(await modal.getByLabel('Version number').inputValue()).toBe('1.0.0');
    expect(await modal.getByRole('button', { name: 'Promote', exact: true }).isDisabled()).toBe(
      true,
    );
    await modal.getByLabel('Promote to').selectOption({ label: PROD });
    await shown(modal.getByText(`This offers release 1.0.0 to “${PROD}” with exactly the content`));
    await passesAxe('pipelines, the promotion dialog open');
    await page.setViewportSize(PHONE);
    await fitsTheScreen('pipelines, the promotion dialog open');
    await app.screenshot('workflow-promote-dialog');
    await page.setViewportSize(DESKTOP);
    await modal.getByRole('button', { name: `Promote 1.0.0 to ${PROD}` }).click();

    const banner = page.getByRole('status').filter({ hasText: 'Offered release 1.0.0' });
    await shown(banner);
    expect((await banner.textContent())?.replace(/\s+/g, ' ')).toContain(
      `Offered release 1.0.0 to “${PROD}”, exactly as “Staging” accepted it. Nothing changes in “${PROD}” until an acceptor upgrades it.`,
    );
    expect(await modal.isVisible()).toBe(false);
    await shown(main().getByRole('link', { name: '1.0.0 pending' }));

    // The same content as Staging's release, and the description it had.
    const show = await app.adminQuery<{
      release: { description: string; contentHash: string; promotedFromId: string | null };
    }>('releases.show', { target: prod.id });
    expect(show.release).toMatchObject({ description: 'First cut' });
    expect(show.release.promotedFromId).not.toBeNull();
    await banner.getByRole('link', { name: /Releases tab$/ }).click();
    await page.waitForURL(url(`/automations/${prod.id}/releases`));
    await shown(page.getByRole('heading', { name: 'Pending release 1.0.0' }));
  });

  it('promotes to the next stage in one click, a refused number said at its field', async () => {
    await page.goto(url('/pipelines'));
    // Staging has released to Prod now: Prod is its next stage, one click away.
    await button(`Promote 1.0.0 to ${PROD}`).click();
    const modal = page.getByRole('dialog', { name: 'Promote release 1.0.0 from “Staging”' });
    await shown(modal.getByText('(replacing the pending 1.0.0)'));
    await modal.getByLabel('Description').fill('Hotfix for Prod');
    await modal.getByRole('button', { name: `Promote 1.0.0 to ${PROD}` }).click();
    await shown(
      modal.getByText(
        `Version 1.0.0 was already used for "${PROD}" (release 1.0.0, pending); a number is used once per target, so choose another.`,
      ),
    );
    expect(await modal.getByLabel('Version number').getAttribute('aria-invalid')).toBe('true');
    expect(await modal.getByLabel('Description').inputValue()).toBe('Hotfix for Prod');
    await modal.getByLabel('Version number').fill('1.0.1');
    await modal.getByRole('button', { name: `Promote 1.0.0 to ${PROD}` }).click();
    await shown(
      page.getByRole('status').filter({ hasText: 'it replaces the pending release 1.0.0' }),
    );
    await shown(main().getByRole('link', { name: '1.0.1 pending' }));
    await app.signOut();
  });

  it('offers no promotion to roles that may not create releases', async () => {
    for (const user of [VIEWER, EDITOR]) {
      await signInAs(user);
      await page.goto(url('/pipelines'));
      await shown(main().getByRole('link', { name: '1.0.1 pending' }));
      expect(await button(/^Promote/).count()).toBe(0);
      expect(await page.getByRole('dialog').count()).toBe(0);
      await app.signOut();
    }
  });
});

describe('comparing any two sides', () => {
  it('compares Dev’s working copy with a version of Staging, in a URL that shows it again', async () => {
    await signInAs(VIEWER);
    await page.goto(url(`/automations/${dev.id}`));
    await page.getByRole('link', { name: 'Compare with any' }).click();
    await shown(
      main().getByRole('heading', { name: 'Compare Dev with any automation or version' }),
    );
    // Choosing the other automation loads its versions (and compares with its working copy).
    await page.getByLabel('Against', { exact: true }).selectOption({ label: 'Staging' });
    await page.waitForURL(/against=/);
    await shown(main().getByText('What Dev has that Staging has not'));
    const its = page.getByLabel('Its version');
    await its.locator('option', { hasText: 'Release 1.0.0' }).waitFor({ state: 'attached' });
    const release = (await its
      .locator('option', { hasText: 'Release 1.0.0' })
      .getAttribute('value')) as string;
    await its.selectOption(release);
    await page.getByLabel('Version of Dev').selectOption({ label: '#1 as imported' });
    await button('Compare').click();
    await page.waitForURL(new RegExp(`againstVersion=${release}`));
    expect(page.url()).toContain('version=1');
    // Release 1.0.0 is Dev as imported: nothing differs.
    await shown(
      main().getByText(
        `From Staging #${release} Release 1.0.0 (before) to Dev #1 as imported (after).`,
      ),
    );
    await shown(main().getByRole('region', { name: 'Differences' }).getByText('No changes.'));

    // The address names both sides: opened anew, it shows the same comparison.
    const shared = page.url();
    await page.goto(url('/automations'));
    await page.goto(shared);
    expect(await page.getByLabel('Its version').inputValue()).toBe(release);
    expect(await page.getByLabel('Version of Dev').inputValue()).toBe('1');
    await shown(main().getByText(`From Staging #${release} Release 1.0.0 (before)`));
  });

  it('compares two versions of one automation, swaps the sides and names a side compared with itself', async () => {
    // Dev moves on: one interaction more in its working copy.
    await app.asAdmin('editing.addInteraction', {
      automation: dev.id,
      baseRevision: (
        await app.adminQuery<{ revision: number }>('automations.show', { automation: dev.id })
      ).revision,
      dialogId: WELCOME,
      interaction: { type: 'BOT_MESSAGE', name: `moved on ${XSS}` },
    });
    await page.goto(url(`/automations/${dev.id}/against?against=${dev.id}&againstVersion=1`));
    await shown(main().getByText('From Dev #1 as imported (before) to Dev (revision'));
    const diff = main().getByRole('region', { name: 'Differences' });
    await shown(diff.getByText(/1 interaction added/));
    await passesAxe('compare with any, two sides of one automation');
    await page.setViewportSize(PHONE);
    await fitsTheScreen('compare with any, a diff shown');
    await app.screenshot('workflow-compare-phone');
    await page.setViewportSize(DESKTOP);

    await main().getByRole('link', { name: 'Swap the sides' }).click();
    await page.waitForURL(/version=1/);
    await shown(main().getByText('From Dev (revision'));
    await shown(main().getByText('to Dev #1 as imported (after).', { exact: false }));

    await page.goto(url(`/automations/${dev.id}/against?against=${dev.id}`));
    await shown(
      main()
        .getByRole('alert')
        .getByText(
          'Before: Both sides are the working copy of "Dev": compare it against another automation or one of its versions.',
        ),
    );
    await page.goto(url(`/automations/${dev.id}/against?against=Staging&againstVersion=99`));
    await shown(
      main()
        .getByRole('alert')
        .getByText(/^Before: /),
    );
  });

  it('links each release route of a pipeline to its comparison', async () => {
    await page.goto(url('/pipelines'));
    await main()
      .getByText(/^Release routes/)
      .first()
      .click();
    await main().getByRole('link', { name: 'Compare Dev with Staging' }).click();
    await page.waitForURL(url(`/automations/${dev.id}/against?against=${staging.id}`));
    await shown(main().getByText('What Dev has that Staging has not'));
    await app.signOut();
  });
});

describe('adding an interaction of any kind where it belongs', () => {
  const dialogRegion = () => main().getByRole('region', { name: /^Dialog / });
  const names = async () => dialogRegion().locator('ol > li > p > strong').allTextContents();

  it('adds quick replies right after the interaction chosen', async () => {
    await signInAs(EDITOR);
    await page.goto(url(`/automations/${dev.id}?dialog=${WELCOME}`));
    await shown(dialogRegion());
    const before = await names();
    const anchor = before[1] as string;
    await button(`Add after ${anchor}`).click();
    const modal = page.getByRole('dialog', { name: /^Add interaction to / });
    await shown(modal);
    expect(await modal.getByLabel('Position').inputValue()).toBe('after');
    await modal.getByLabel('Kind').selectOption({ label: 'Quick reply' });
    await modal.getByLabel('Name', { exact: true }).fill(`Pick ${XSS}`);
    await modal.getByLabel('Question').fill('Which way?');
    await modal.getByLabel('Quick replies, one a line').fill('Left\nRight');
    await passesAxe('the add-interaction dialog');
    await page.setViewportSize(PHONE);
    await fitsTheScreen('the add-interaction dialog');
    await app.screenshot('workflow-add-interaction-phone');
    await page.setViewportSize(DESKTOP);
    await modal.getByRole('button', { name: 'Add interaction' }).click();
    await shown(
      page
        .getByRole('status')
        .filter({ hasText: `Added the quick reply interaction “Pick ${XSS}” after “${anchor}”.` }),
    );
    const after = await names();
    expect(after).toEqual([...before.slice(0, 2), `Pick ${XSS}`, ...before.slice(2)]);
    const added = dialogRegion().locator('ol > li').nth(2);
    await shown(added.getByText('Quick reply', { exact: true }));
    expect(
      await added.getByRole('list', { name: 'Buttons' }).getByRole('listitem').allTextContents(),
    ).toEqual(['Left', 'Right']);
  });

  it('adds a text message with code at the start, and says what is missing', async () => {
    await button('Add interaction to 1 Start').click();
    const modal = page.getByRole('dialog', { name: /^Add interaction to / });
    await modal.getByLabel('Kind').selectOption({ label: 'Button question' });
    await modal.getByLabel('Name', { exact: true }).fill('Choose');
    await modal.getByLabel('Question').fill('Which one?');
    await modal.getByRole('button', { name: 'Add interaction' }).click();
    await shown(modal.getByText('Give at least one of the buttons, one a line.'));
    expect(await modal.getByLabel('Name', { exact: true }).inputValue()).toBe('Choose');

    await modal.getByLabel('Kind').selectOption({ label: 'Text' });
    await modal.getByLabel('Message text').fill('Welcome back!');
    await modal.getByText('Bot code (optional)').click();
    await modal.getByLabel('Pre-process code').fill('botContext.setBotVariable("seen", true);');
    await modal.getByLabel('Position').selectOption({ label: 'At the start of the dialog' });
    await modal.getByRole('button', { name: 'Add interaction' }).click();
    await shown(
      page
        .getByRole('status')
        .filter({ hasText: 'Added the text interaction “Choose” at the start of “1 Start”.' }),
    );
    expect((await names())[0]).toBe('Choose');
    const first = dialogRegion().locator('ol > li').first();
    await shown(first.getByText('Welcome back!'));
    await shown(first.getByText('Pre-process code'));
  });

  it('adds an integration call before an interaction of a bot that has integrations', async () => {
    await page.goto(url(`/automations/${dev.id}?dialog=${WELCOME}`));
    await button('Add interaction to 1 Start').click();
    let modal = page.getByRole('dialog', { name: /^Add interaction to / });
    await modal.getByLabel('Kind').selectOption({ label: 'Integration' });
    await shown(modal.getByText('This automation has no integrations to call.'));
    await modal.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(url(`/automations/${tracker.id}`));
    await main().getByRole('list', { name: 'Dialog list' }).getByRole('link').first().click();
    await shown(dialogRegion());
    const before = await names();
    await button(/^Add interaction to /).click();
    modal = page.getByRole('dialog', { name: /^Add interaction to / });
    await modal.getByLabel('Kind').selectOption({ label: 'Integration' });
    await modal.getByLabel('Integration', { exact: true }).selectOption({ label: 'OrderLookup' });
    await modal.getByLabel('Name', { exact: true }).fill('look it up');
    await modal.getByLabel('Position').selectOption({ label: 'Before the interaction…' });
    await modal
      .getByLabel('The interaction to add it before')
      .selectOption({ label: `2. ${before[1]}` });
    await modal.getByRole('button', { name: 'Add interaction' }).click();
    await shown(
      page.getByRole('status').filter({
        hasText: `Added the integration interaction “look it up” before “${before[1]}”.`,
      }),
    );
    expect(await names()).toEqual([before[0], 'look it up', ...before.slice(1)]);
    await shown(
      dialogRegion()
        .locator('ol > li')
        .nth(1)
        .getByText('Answered by the integration "OrderLookup"'),
    );
    await app.signOut();
  });

  it('offers a viewer no way to add interactions', async () => {
    await signInAs(VIEWER);
    await page.goto(url(`/automations/${dev.id}?dialog=${WELCOME}`));
    await shown(dialogRegion());
    expect(await button(/^Add (interaction|after)/).count()).toBe(0);
    await app.signOut();
  });
});

/**
 * What showing a comparison costs: the time until `act` is done, and the bytes of the page's HTML
 * or data (compressed, as sent) from the browser's resource timing: a full load's document, or a
 * client-side navigation's `__data.json`.
 */
async function transferred(act: () => Promise<void>) {
  await page.evaluate(() => performance.clearResourceTimings());
  const start = performance.now();
  await act();
  const ms = performance.now() - start;
  const bytes = await page.evaluate(() => {
    const data = performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('__data.json'))
      .map((e) => (e as PerformanceResourceTiming).encodedBodySize);
    if (data.length > 0) return data.reduce((a, b) => a + b, 0);
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return nav?.encodedBodySize ?? 0;
  });
  return { bytes, ms };
}

describe('comparing on a 10,005-interaction bot', () => {
  const DIALOGS = 2001;
  const figures: string[] = [];
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  let big: { id: string; revision: number };
  let empty: { id: string };
  afterAll(() => {
    if (figures.length > 0)
      console.log(`compare, ${DIALOGS * 5} interactions:\n${figures.join('\n')}`);
  });

  it('shows one change, and a whole added bot, a page at a time', async () => {
    const doc = generateBotExport({ seed: 13, dialogs: DIALOGS, interactionsPerDialog: 5 });
    big = await app.asAdmin('automations.import', { document: doc, name: 'Ten thousand' });
    await app.asAdmin('versions.save', { automation: big.id, name: 'as imported' });
    empty = await app.asAdmin('automations.create', { name: 'Empty' });
    const { dialogs } = await app.adminQuery<{ dialogs: { id: string; name: string }[] }>(
      'automations.dialogs',
      { automation: big.id, offset: 1000, limit: 1 },
    );
    const changed = dialogs[0] as { id: string; name: string };
    await app.asAdmin('editing.addInteraction', {
      automation: big.id,
      baseRevision: big.revision,
      dialogId: changed.id,
      interaction: { type: 'BOT_MESSAGE', name: 'one more' },
    });
    await signInAs(VIEWER);

    // One change against the version before it.
    const one = await transferred(async () => {
      await page.goto(url(`/automations/${big.id}/against?against=${big.id}&againstVersion=1`));
      await shown(main().getByText(/1 interaction added/));
    });
    figures.push(
      `  one change (working copy against #1)   page ${kb(one.bytes)}, ${one.ms.toFixed(0)} ms`,
    );
    await shown(main().getByRole('group', { name: `Dialog ${changed.name}` }));
    expect(one.bytes).toBeLessThan(500 * 1024);

    // The whole bot against an empty automation: counts per dialog, 25 dialogs a page.
    const all = await transferred(async () => {
      await page.goto(url(`/automations/${big.id}/against?against=${empty.id}`));
      await shown(main().getByText(/10,?00\d interactions added/));
    });
    figures.push(
      `  whole bot added (against an empty one) page ${kb(all.bytes)}, ${all.ms.toFixed(0)} ms`,
    );
    expect(all.bytes).toBeLessThan(500 * 1024);
    const next = await transferred(async () => {
      await main()
        .getByRole('navigation', { name: 'Pages of dialogs', exact: true })
        .getByRole('link', { name: 'Next →' })
        .click();
      await page.waitForURL(/dpage=2/);
      await shown(
        main()
          .getByText(/Page 2 of/)
          .first(),
      );
    });
    figures.push(
      `  its next page of dialogs               data ${kb(next.bytes)}, ${next.ms.toFixed(0)} ms`,
    );
    expect(next.bytes).toBeGreaterThan(0);
    expect(next.bytes).toBeLessThan(500 * 1024);
    await page.setViewportSize(PHONE);
    await fitsTheScreen('compare, a whole 10k bot added');
    await page.setViewportSize(DESKTOP);
  });
});
