// Browser scenario: the web UI on a phone (issue 13 item 5), and on tablets. At 390×844, as an
// admin with a small imported bot, an environment, a pending release, a schedule, a webhook and a
// test run, every page fits the screen's width (no sideways page scrolling); the header's sections
// fold into a "Menu" that opens by pointer and keyboard, and without JavaScript; side-by-side cards
// stack; a wide table scrolls inside its own labelled, focusable box. Every page fits at 768 and
// 1024 px as well. At 1280 px the desktop layout is as before.
import { suiteFor } from '@ferry/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, fixture, shown, startWebApp, type WebApp } from './harness';

const PHONE = { width: 390, height: 844 };
const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12'; // returns-desk's "1 Start" dialog
const LONG_VALUE = 'https://support.example.com/returns/desk/contact?from=ferry&campaign=phones';

let app: WebApp;
let page: WebApp['page'];
let dev: { id: string; revision: number };
let prod: { id: string };
let release: { id: string };
const url = (path: string) => app.server.url + path;
const main = () => page.getByRole('main');
const menu = () => page.locator('header summary', { hasText: 'Menu' });
const sections = () => page.getByRole('navigation', { name: 'Sections' });

/**
 * The assertion of this file: the page is no wider than the screen. On failure the message names
 * the elements that reach past the screen's right edge, to show what to fix.
 */
async function fitsTheScreen(what: string) {
  const measured = await page.evaluate(() => {
    const width = window.innerWidth;
    const past = (e: Element | null) => !!e && e.getBoundingClientRect().right > width + 0.5;
    // The outermost elements reaching past the edge (not those inside them).
    const outermost = [...document.querySelectorAll('body *')]
      .filter((e) => past(e) && !past(e.parentElement))
      .slice(0, 8)
      .map((e) => {
        const classes = [...e.classList].filter((c) => !c.startsWith('svelte-')).join('.');
        return `${e.tagName.toLowerCase()}${classes ? '.' + classes : ''} (${Math.round(e.getBoundingClientRect().right)}px)`;
      });
    return { scrollWidth: document.documentElement.scrollWidth, width, outermost };
  });
  expect(
    measured.scrollWidth,
    `${what}: ${measured.scrollWidth}px wide at ${measured.width}px; past the edge: ${measured.outermost.join(', ')}`,
  ).toBeLessThanOrEqual(measured.width);
}

/** The "Menu" toggle's expanded state in Chromium's accessibility tree (what a screen reader hears). */
async function menuExpanded(): Promise<unknown> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', {
      nodeId: root.nodeId,
      selector: 'header summary',
    });
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', {
      nodeId,
      fetchRelatives: false,
    });
    return nodes[0]?.properties?.find((p) => p.name === 'expanded')?.value.value ?? false;
  } finally {
    await cdp.detach();
  }
}

/** Goes to a page, waits for its heading, and checks its width. */
async function visit(path: string, heading: string | RegExp, what = path) {
  await page.goto(url(path));
  await shown(main().getByRole('heading', { name: heading }));
  await fitsTheScreen(what);
}

beforeAll(async () => {
  // Deliveries to a closed loopback port fail at once: the deliveries table gets a row.
  app = await startWebApp({ webhookAllowPrivate: true });
  page = app.page;
  await page.setViewportSize(PHONE);

  dev = await app.asAdmin('automations.import', {
    document: fixture('returns-desk.json'),
    name: 'Returns desk (Dev)',
  });
  await app.asAdmin('versions.save', { automation: dev.id, name: 'Imported from CB' });
  dev = await app.asAdmin('editing.addInteraction', {
    automation: dev.id,
    baseRevision: dev.revision,
    dialogId: WELCOME,
    interaction: {
      type: 'BOT_MESSAGE',
      name: 'support_link',
      content: {
        contentType: 'STATIC',
        results: {
          type: 'TEXT',
          tile: { tileData: [{ text: `Write to us: {$env.SUPPORT_URL}`, buttons: [] }] },
        },
      },
    },
  });
  await app.asAdmin('versions.save', {
    automation: dev.id,
    name: 'Support link',
    description:
      'Adds the support link to the welcome dialog, for the returns desk in every market',
  });
  await app.asAdmin('tests.set', { automation: dev.id, text: suiteFor('returns-desk.json').text });
  await app.asAdmin('agents.add', { automation: dev.id, name: 'returns-desk-web-widget' });

  prod = await app.asAdmin('automations.create', { name: 'Returns desk (Prod)' });
  await app.asAdmin('environments.create', { name: 'Production' });
  await app.asAdmin('environments.set', {
    environment: 'Production',
    variables: [
      { key: 'SUPPORT_URL', value: LONG_VALUE },
      { key: 'API_TOKEN', value: 'a-secret-token-value', secret: true },
    ],
  });
  await app.asAdmin('environments.link', { automation: prod.id, environment: 'Production' });
  await app.asAdmin('webhooks.add', {
    url: 'http://127.0.0.1:9/ferry/webhooks/returns-desk/releases',
    events: ['release.created'],
  });
  release = await app.asAdmin('releases.create', {
    source: dev.id,
    target: prod.id,
    version: '1.0.0',
    description: 'The support link, for every market the returns desk answers in',
  });
  await app.asAdmin('schedules.create', {
    target: prod.id,
    release: release.id,
    at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
  });
});

afterAll(async () => {
  await app?.close();
});

describe('the web UI at 390 px', () => {
  it('fits the sign-in page, and signs in', async () => {
    await visit('/', 'Sign in to Ferry', 'sign-in');
    await app.signIn('admin', ADMIN_PASSWORD);
  });

  it('folds the sections into a menu that opens by pointer and keyboard and closes after navigating', async () => {
    await visit('/automations', 'Automations', 'automations (dashboard)');
    // Closed: the toggle shows, the sections and Sign out do not.
    await shown(menu());
    expect(await sections().isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    // A <details> disclosure: Chromium tells assistive technology it is collapsed, then expanded.
    expect(await menuExpanded()).toBe(false);
    await menu().click();
    expect(await menuExpanded()).toBe(true);
    const links = sections().getByRole('link');
    expect(await links.allTextContents()).toEqual([
      'Automations',
      'Pipelines',
      'Environments',
      'Audit log',
      'Policy',
      'Users',
      'Webhooks',
    ]);
    for (const link of await links.all()) {
      await shown(link);
      const box = await link.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    }
    await shown(page.getByRole('button', { name: 'Sign out' }));
    await fitsTheScreen('automations with the menu open');
    await app.screenshot('phone-menu');

    // Following a link closes the menu on the next page.
    await sections().getByRole('link', { name: 'Pipelines' }).click();
    await page.waitForURL(/\/pipelines$/);
    await shown(main().getByRole('heading', { name: 'Pipelines', level: 1 }));
    expect(await sections().isVisible()).toBe(false);

    // By keyboard: the toggle is a tab stop, Enter opens it, Tab reaches the links, Escape closes
    // it and gives the focus back to the toggle.
    await menu().focus();
    await page.keyboard.press('Enter');
    await shown(sections());
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Automations');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Pipelines');
    await page.keyboard.press('Escape');
    expect(await sections().isVisible()).toBe(false);
    expect(await menu().evaluate((s) => s === document.activeElement)).toBe(true);

    // Escape before the browser has sent the opening's toggle event (a busy machine, a fast
    // hand): the menu closes all the same, and stays closed once the event comes.
    await page.evaluate(() => {
      const details = document.querySelector<HTMLDetailsElement>('details.menu');
      if (!details) throw new Error('no menu');
      details.open = true;
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    });
    await page.evaluate(() => new Promise((done) => setTimeout(done, 50)));
    expect(await sections().isVisible()).toBe(false);
    expect(await menuExpanded()).toBe(false);
  });

  it('opens the menu without JavaScript too', async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    try {
      await page.goto(url('/environments'));
      await shown(main().getByRole('heading', { name: 'Environments', level: 1 }));
      expect(await sections().isVisible()).toBe(false);
      await menu().click();
      await shown(sections().getByRole('link', { name: 'Users' }));
      await fitsTheScreen('environments without JavaScript, the menu open');
    } finally {
      await cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
      await cdp.detach();
    }
  });

  it('stacks the dashboard’s cards and scrolls its table inside a labelled box', async () => {
    await visit('/automations', 'Automations');
    const create = await main().getByRole('region', { name: 'Create automation' }).boundingBox();
    const imports = await main().getByRole('region', { name: 'Import a CB export' }).boundingBox();
    expect(create && imports && imports.y >= create.y + create.height).toBe(true);

    // The table is wider than the phone: its box scrolls, is a tab stop, and arrow keys scroll it.
    const box = main().getByRole('region', { name: 'Automations table' });
    const widths = await box.evaluate((b) => ({ scroll: b.scrollWidth, client: b.clientWidth }));
    expect(widths.scroll).toBeGreaterThan(widths.client);
    expect(await box.getAttribute('tabindex')).toBe('0');
    await box.focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      () => ((document.activeElement as HTMLElement | null)?.scrollLeft ?? 0) > 0,
    );
    await app.screenshot('phone-automations');
  });

  it('fits the automation page, with a dialog opened and an edit form open', async () => {
    await visit(`/automations/${dev.id}?dialog=${WELCOME}`, 'Returns desk (Dev)', 'automation');
    await shown(main().getByRole('region', { name: 'Dialog 1 Start' }));
    await fitsTheScreen('automation, dialog 1 Start opened');
    // The versions panel stacks under the dialogs.
    const dialogs = await main().getByRole('region', { name: 'Dialogs' }).boundingBox();
    const versions = await main().getByRole('region', { name: 'Versions' }).boundingBox();
    expect(dialogs && versions && versions.y >= dialogs.y + dialogs.height).toBe(true);

    await main().getByRole('button', { name: 'Edit support_link' }).click();
    const modal = page.getByRole('dialog', { name: 'Edit interaction “support_link”' });
    await shown(modal);
    const box = await modal.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    await fitsTheScreen('automation, editing an interaction');
    await app.screenshot('phone-automation-edit');
    await modal.getByRole('button', { name: 'Cancel' }).click();
  });

  it('fits the automation’s other tabs', async () => {
    const base = `/automations/${dev.id}`;
    await visit(`${base}/diff?from=1&to=2`, 'Compare', 'diff');
    await shown(main().getByRole('region', { name: 'Differences' }));
    await fitsTheScreen('diff, with its changes');
    await app.screenshot('phone-diff');

    await visit(`${base}/flow?from=1&to=2`, 'Flow', 'flow');
    await shown(page.locator('.svelte-flow'));
    await fitsTheScreen('flow, with its canvas');

    await visit(`${base}/against?against=${prod.id}`, 'Returns desk (Dev)', 'against');

    await visit(`${base}/tests`, 'Conversation tests', 'tests');
    await page.getByRole('button', { name: 'Run the suite', exact: true }).click();
    await shown(page.getByLabel('Test results').getByText(/passed, \d+ failed/));
    await fitsTheScreen('tests, with a run');
    await app.screenshot('phone-tests');

    await visit(`${base}/agents`, 'Returns desk (Dev)', 'agents');
    await visit(`${base}/releases`, 'Release history', 'releases of the source');
  });

  it('fits the pending release, the release page and the new-release form', async () => {
    await visit(`/automations/${prod.id}/releases`, 'Release history', 'releases of the target');
    await shown(main().getByRole('region', { name: 'What the upgrade changes' }));
    await shown(main().getByRole('region', { name: 'Scheduled upgrades' }).getByRole('table'));
    await fitsTheScreen('releases, with the preview and a schedule');
    await app.screenshot('phone-releases');

    await visit(`/releases/${release.id}`, 'Release 1.0.0', 'release');
    await visit('/releases/new', 'New release', 'new release');
    await visit('/pipelines', 'Pipelines');
  });

  it('fits the admin pages', async () => {
    await visit('/environments', 'Environments');
    await main().getByRole('link', { name: 'Production' }).click();
    await shown(main().getByRole('heading', { name: 'Production', level: 1 }));
    await shown(main().getByText(LONG_VALUE));
    await fitsTheScreen('environment');
    await app.screenshot('phone-environment');

    await visit('/users', 'Users');
    await visit('/audit', 'Audit log');
    await visit('/policy', 'Policy');
    await visit('/webhooks', 'Webhooks');
    await shown(main().getByRole('region', { name: 'Deliveries table' }).getByRole('table'));
    await fitsTheScreen('webhooks, with a delivery');
  });

  it('fits every page on tablets too, at 768 and 1024 px', async () => {
    const base = `/automations/${dev.id}`;
    const pages: [string, string | RegExp][] = [
      ['/automations', 'Automations'],
      [`${base}?dialog=${WELCOME}`, 'Returns desk (Dev)'],
      [`${base}/diff?from=1&to=2`, 'Compare'],
      [`${base}/flow?from=1&to=2`, 'Flow'],
      [`${base}/against?against=${prod.id}`, 'Returns desk (Dev)'],
      [`${base}/tests`, 'Conversation tests'],
      [`${base}/agents`, 'Returns desk (Dev)'],
      [`/automations/${prod.id}/releases`, 'Release history'],
      [`/releases/${release.id}`, 'Release 1.0.0'],
      ['/releases/new', 'New release'],
      ['/pipelines', 'Pipelines'],
      ['/environments', 'Environments'],
      ['/users', 'Users'],
      ['/audit', 'Audit log'],
      ['/policy', 'Policy'],
      ['/webhooks', 'Webhooks'],
    ];
    try {
      for (const width of [768, 1024]) {
        await page.setViewportSize({ width, height: 1024 });
        for (const [path, heading] of pages) await visit(path, heading, `${path} at ${width} px`);
      }
    } finally {
      await page.setViewportSize(PHONE);
    }
  });

  it('keeps the desktop layout at 1280 px: no menu, cards side by side, tables without a box stop', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      await page.goto(url('/automations'));
      await shown(sections().getByRole('link', { name: 'Webhooks' }));
      expect(await menu().isVisible()).toBe(false);
      await shown(page.getByRole('button', { name: 'Sign out' }));
      const create = await main().getByRole('region', { name: 'Create automation' }).boundingBox();
      const imports = await main()
        .getByRole('region', { name: 'Import a CB export' })
        .boundingBox();
      expect(create && imports && Math.abs(imports.y - create.y) < 1).toBe(true);
      const box = main().getByRole('region', { name: 'Automations table' });
      expect(await box.getAttribute('tabindex')).toBeNull();
    } finally {
      await page.setViewportSize(PHONE);
    }
  });

  it('fits the sign-in page after signing out from the menu', async () => {
    await page.goto(url('/automations'));
    await menu().click();
    await app.signOut();
    await fitsTheScreen('sign-in after signing out');
  });
});
