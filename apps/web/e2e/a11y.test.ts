// Browser scenario: keyboard and screen readers (issue 13 item 8). As an admin with realistic data
// (a Dev and a Prod automation, versions, a pending release with a schedule, an environment, a
// webhook with a delivery, a test suite and an agent), axe-core checks every page of the web UI
// against the WCAG 2.1 A and AA rules and its best practices — with a modal open, after refused
// forms and at 390 px too — and finds nothing. Then a walkthrough with the keyboard only: sign in,
// open an automation and one of its dialogs, open and leave a modal with Escape, save a version;
// the page's own actions come before its long lists in the tab order, focus lands inside each
// modal when it opens and goes back to its opener after.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { suiteFor } from '@ferry/fixtures';
import type { CDPSession, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, fixture, shown, startWebApp, type WebApp } from './harness';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
/**
 * The rules run: WCAG 2.1 A and AA, and axe's best practices (landmarks, heading order, one main
 * heading, unique landmark names…), which the pages pass too.
 */
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12'; // returns-desk's "1 Start" dialog

let app: WebApp;
let page: WebApp['page'];
let cdp: CDPSession;
let dev: { id: string; revision: number };
let prod: { id: string };
let release: { id: string };
let environment: { id: string };
const url = (path: string) => app.server.url + path;
const main = () => page.getByRole('main');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string; summary: string }[];
}

/** axe-core's findings on the page as it is now (axe is injected once a page). */
async function runAxe(): Promise<{ violations: Violation[]; passed: number }> {
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async (tags) => {
    type Result = { id: string; impact: string | null; help: string; nodes: Node[] };
    type Node = { target: unknown[]; failureSummary?: string };
    const { axe } = window as unknown as {
      axe: {
        run: (
          context: Document,
          options: object,
        ) => Promise<{ violations: Result[]; passes: Result[] }>;
      };
    };
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return {
      passed: results.passes.length,
      violations: results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({
          target: n.target.map(String).join(' '),
          summary: n.failureSummary ?? '',
        })),
      })),
    };
  }, RULES);
}

/** One line per violation and one per element it was found on, to read in a failure message. */
function readable(found: Violation[]): string {
  return found
    .map(
      (v) =>
        `${v.id} (${v.impact ?? 'no impact'}): ${v.help}\n` +
        v.nodes
          .slice(0, 6)
          .map((n) => `    at ${n.target}\n      ${n.summary.replace(/\n\s*/g, ' / ')}`)
          .join('\n') +
        (v.nodes.length > 6 ? `\n    …and ${v.nodes.length - 6} more` : ''),
    )
    .join('\n');
}

/** The assertion of the axe part: no violation on the page as it is now. */
async function passesAxe(what: string) {
  const { violations: found, passed } = await runAxe();
  expect(passed, `${what}: axe-core checked nothing`).toBeGreaterThan(0);
  expect(found.length, `${what}: axe-core found\n${readable(found)}`).toBe(0);
}

/** Goes to a page, waits for its main heading, and runs axe on it. */
async function audit(path: string, heading: string | RegExp, what = path) {
  await page.goto(url(path));
  await shown(main().getByRole('heading', { name: heading }).first());
  await passesAxe(what);
}

/** What has the keyboard focus: its tag, accessible-ish name and whether it sits in an open modal. */
async function focused() {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    const label =
      e?.getAttribute('aria-label') ??
      ((e as HTMLInputElement | null)?.labels?.[0]?.textContent || e?.textContent) ??
      '';
    return {
      tag: e?.tagName.toLowerCase() ?? '',
      name: label.trim().replace(/\s+/g, ' '),
      inModal: e?.closest('dialog[open]')?.getAttribute('aria-labelledby') ?? null,
    };
  });
}

/**
 * Presses Tab until the focused element's name matches, and returns how many presses it took;
 * fails when it is not reached within `max` presses (an element the keyboard cannot reach).
 */
async function tabTo(name: string | RegExp, max = 80): Promise<number> {
  const matches = (s: string) => (typeof name === 'string' ? s === name : name.test(s));
  const passed: string[] = [];
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused();
    if (matches(now.name)) return presses;
    passed.push(`${now.tag} “${now.name.slice(0, 40)}”`);
  }
  expect.fail(`Tab never reached “${String(name)}”; it went through: ${passed.join(', ')}`);
}

/** Whether the locator's element has the keyboard focus. */
const hasFocus = (locator: Locator) => locator.evaluate((e) => e === document.activeElement);

beforeAll(async () => {
  // Deliveries to a closed loopback port fail at once: the deliveries table gets a row.
  app = await startWebApp({ webhookAllowPrivate: true });
  page = app.page;
  // axe is injected as an inline script, which the pages' Content-Security-Policy refuses (as it
  // should): the test's own browser tab lets it in. Other scenarios check the policy.
  cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.setBypassCSP', { enabled: true });

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
    description: 'Adds the support link to the welcome dialog',
  });
  await app.asAdmin('tests.set', { automation: dev.id, text: suiteFor('returns-desk.json').text });
  await app.asAdmin('agents.add', { automation: dev.id, name: 'returns-desk-web-widget' });

  prod = await app.asAdmin('automations.create', { name: 'Returns desk (Prod)' });
  environment = await app.asAdmin('environments.create', { name: 'Production' });
  await app.asAdmin('environments.set', {
    environment: 'Production',
    variables: [
      { key: 'SUPPORT_URL', value: 'https://support.example.com/returns' },
      { key: 'API_TOKEN', value: 'a-secret-token-value', secret: true },
    ],
  });
  await app.asAdmin('environments.link', { automation: prod.id, environment: 'Production' });
  await app.asAdmin('webhooks.add', {
    url: 'http://127.0.0.1:9/ferry/webhooks/releases',
    events: ['release.created'],
  });
  release = await app.asAdmin('releases.create', {
    source: dev.id,
    target: prod.id,
    version: '1.0.0',
    description: 'The support link',
  });
  await app.asAdmin('schedules.create', {
    target: prod.id,
    release: release.id,
    at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
  });
});

afterAll(async () => {
  await cdp?.detach().catch(() => {});
  await app?.close();
});

describe('axe-core on every page (WCAG 2.1 A and AA, and best practices)', () => {
  it('passes the sign-in page, also with a refused sign-in, and signs in', async () => {
    await audit('/', 'Sign in to Ferry', 'sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shown(main().getByRole('alert'));
    await passesAxe('sign-in, refused');
    await app.signIn('admin', ADMIN_PASSWORD);
  });

  it('passes the dashboard, also with a refused form', async () => {
    await audit('/automations', 'Automations', 'dashboard');
    const create = main().getByRole('region', { name: 'Create automation' });
    await create.getByRole('button', { name: 'Create automation' }).click();
    await shown(create.getByRole('alert'));
    await passesAxe('dashboard, a refused create');
  });

  it('passes the pages at 390 px, with the menu open', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await audit('/automations', 'Automations', 'dashboard at 390 px');
      await page.locator('header summary', { hasText: 'Menu' }).click();
      await shown(page.getByRole('navigation', { name: 'Sections' }));
      await passesAxe('dashboard at 390 px, the menu open');
      await audit(
        `/automations/${dev.id}?dialog=${WELCOME}`,
        'Returns desk (Dev)',
        'automation at 390 px',
      );
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('passes the automation page, with a dialog opened and with a modal open', async () => {
    await audit(`/automations/${dev.id}`, 'Returns desk (Dev)', 'automation');
    await audit(
      `/automations/${dev.id}?dialog=${WELCOME}`,
      'Returns desk (Dev)',
      'automation, dialog 1 Start opened',
    );
    await main().getByRole('button', { name: 'Edit support_link' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit interaction “support_link”' });
    await shown(edit);
    await passesAxe('automation, editing an interaction');
    await page.keyboard.press('Escape');

    await main().getByRole('button', { name: 'Delete #1 Imported from CB' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete version #1 “Imported from CB”?' });
    await shown(confirm);
    await passesAxe('automation, confirming a deletion');
    await page.keyboard.press('Escape');
  });

  it('passes the automation’s other tabs', async () => {
    const base = `/automations/${dev.id}`;
    await audit(`${base}/flow?from=1&to=2`, 'Flow', 'flow');
    await audit(`${base}/diff?from=1&to=2`, 'Compare', 'diff');
    await audit(`${base}/diff?from=1&to=2&dialog=${WELCOME}`, 'Compare', 'diff, a dialog opened');
    await audit(`${base}/against?against=${prod.id}`, 'Returns desk (Dev)', 'against');
    await audit(`${base}/tests`, 'Conversation tests', 'tests');
    await page.getByRole('button', { name: 'Run the suite', exact: true }).click();
    await shown(page.getByLabel('Test results').getByText(/passed, \d+ failed/));
    await passesAxe('tests, with a run');
    await audit(`${base}/agents`, 'Returns desk (Dev)', 'agents');
    await audit(`${base}/releases`, 'Release history', 'releases of the source');
  });

  it('passes the pending release, the release page and the new-release form', async () => {
    await audit(`/automations/${prod.id}/releases`, 'Release history', 'releases, pending');
    await shown(main().getByRole('region', { name: 'What the upgrade changes' }));
    await audit(`/releases/${release.id}`, 'Release 1.0.0', 'release');
    await audit('/releases/new', 'New release', 'new release');
    await audit('/releases', 'Pipelines', 'releases (the pipelines)');
    await audit('/pipelines', 'Pipelines');
  });

  it('passes the admin pages', async () => {
    await audit('/environments', 'Environments');
    await audit(`/environments/${environment.id}`, 'Production', 'environment');
    await audit('/users', 'Users');
    await audit('/webhooks', 'Webhooks');
    await shown(main().getByRole('region', { name: 'Deliveries table' }).getByRole('table'));
    await audit('/audit', 'Audit log');
    await audit('/policy', 'Policy');
  });

  it('passes the error page', async () => {
    await audit('/automations/00000000-0000-4000-8000-000000000000', 'Page not found', 'not found');
  });
});

describe('the keyboard alone', () => {
  it('signs in, opens an automation and a dialog, leaves a modal with Escape, saves a version', async () => {
    await page.goto(url('/automations'));
    await app.signOut();
    await page.goto(url('/'));
    await shown(page.getByRole('heading', { name: 'Sign in to Ferry' }));

    // Sign in: the skip link, then the form.
    await tabTo('Username', 5);
    await page.keyboard.type('admin');
    await tabTo('Password', 2);
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/automations$/);

    // The dashboard's actions come before its list of automations.
    const createAt = await tabTo('Name');
    await page.goto(url('/automations'));
    const listAt = await tabTo('Returns desk (Dev)');
    expect(createAt).toBeLessThan(listAt);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/automations/${dev.id}$`));
    await shown(main().getByRole('heading', { name: 'Returns desk (Dev)', level: 1 }));

    // The automation page's actions come before its dialog list; then a dialog opens.
    const saveAt = await tabTo('Save current version');
    const dialogAt = saveAt + (await tabTo('1 Start'));
    expect(saveAt).toBeLessThan(dialogAt);
    await page.keyboard.press('Enter');
    await shown(main().getByRole('region', { name: 'Dialog 1 Start' }));

    // A modal: focus moves into it, Escape closes it and gives the focus back to its opener.
    await tabTo('Edit support_link');
    const edit = main().getByRole('button', { name: 'Edit support_link' });
    await page.keyboard.press('Enter');
    const editor = page.getByRole('dialog', { name: 'Edit interaction “support_link”' });
    await shown(editor);
    expect((await focused()).inModal).toBe('edit-interaction-heading');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'hidden' });
    expect(await hasFocus(edit)).toBe(true);

    // Saving a version: back to the page's actions (Shift+Tab), Enter opens the form with the
    // focus in its first field, Escape leaves it, Enter again, a name, Enter saves.
    const save = main().getByRole('button', { name: 'Save current version' });
    for (let i = 0; i < 80 && !(await hasFocus(save)); i++) await page.keyboard.press('Shift+Tab');
    expect(await hasFocus(save)).toBe(true);
    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'Save current version' });
    await shown(form);
    expect(await focused()).toEqual({ tag: 'input', name: 'Name', inModal: 'save-heading' });
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'hidden' });
    expect(await hasFocus(save)).toBe(true);

    await page.keyboard.press('Enter');
    await shown(form);
    expect((await focused()).inModal).toBe('save-heading');
    await page.keyboard.type('Saved by keyboard');
    await page.keyboard.press('Enter');
    await form.waitFor({ state: 'hidden' });
    await shown(main().getByRole('region', { name: 'Versions' }).getByText('Saved by keyboard'));
    expect(await hasFocus(save)).toBe(true);
  });

  it('puts each page’s own actions before its long lists', async () => {
    /** Whether `first` comes before `then` in the document, hence in the tab order (no tabindex > 0). */
    const before = async (first: Locator, then: Locator) => {
      const a = await first.elementHandle();
      return then.evaluate(
        (b, a) => !!(a && a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING),
        a,
      );
    };
    const cases: [string, Locator, Locator][] = [
      [
        '/automations',
        main().getByRole('region', { name: 'Create automation' }).getByLabel('Name'),
        main().getByRole('link', { name: 'Returns desk (Dev)' }),
      ],
      [
        `/automations/${dev.id}`,
        main().getByRole('button', { name: 'Import a CB export' }),
        main().getByRole('list', { name: 'Dialog list' }),
      ],
      [
        `/automations/${prod.id}/releases`,
        main().getByRole('button', { name: 'Reject…' }),
        main().getByRole('region', { name: 'Result of each test' }),
      ],
      [
        `/releases/${release.id}`,
        main().getByRole('button', { name: 'Add comment' }),
        main().getByRole('heading', { name: 'Release notes' }),
      ],
      [
        '/environments',
        main().getByLabel('Name'),
        main().getByRole('link', { name: 'Production' }),
      ],
      [
        `/environments/${environment.id}`,
        main().getByRole('button', { name: 'Import', exact: true }),
        main().getByRole('region', { name: 'Variables table' }),
      ],
      [
        '/users',
        main().getByLabel('Token name'),
        main().getByRole('region', { name: 'Users table' }),
      ],
      [
        '/webhooks',
        main().getByLabel('URL'),
        main().getByRole('region', { name: 'Webhooks table' }),
      ],
    ];
    for (const [path, action, list] of cases) {
      await page.goto(url(path));
      await shown(action);
      await shown(list);
      expect(await before(action, list), `${path}: ${String(action)} before ${String(list)}`).toBe(
        true,
      );
    }
  });

  it('starts a deleting confirmation on Cancel, so Enter alone deletes nothing', async () => {
    await page.goto(url(`/automations/${dev.id}`));
    const opener = main().getByRole('button', { name: 'Delete #1 Imported from CB' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Delete version #1 “Imported from CB”?' });
    await shown(confirm);
    expect(await hasFocus(confirm.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'hidden' });
    expect(await hasFocus(opener)).toBe(true);
  });

  it('gives the focus to the main content when the control that opened a modal is gone', async () => {
    await page.goto(url(`/automations/${dev.id}/agents`));
    const remove = main().getByRole('button', { name: 'Remove returns-desk-web-widget' });
    await remove.focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: /^Remove the agent/ });
    await shown(confirm);
    expect(await hasFocus(confirm.getByRole('button', { name: 'Cancel' }))).toBe(true);
    await page.keyboard.press('Shift+Tab');
    expect((await focused()).name).toBe('Remove “returns-desk-web-widget”');
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'hidden' });
    await shown(main().getByText('No agents yet.'));
    expect(await hasFocus(main())).toBe(true);
  });
});
