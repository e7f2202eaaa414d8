// Browser scenarios: comparing versions (the Compare page and its DiffView) and the flow graph of
// an automation, plain and marked with a diff — the built web UI driven through Chromium by role
// and visible text (see harness.ts). Bot content carries an XSS payload that must stay text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, fixture, shown, startWebApp, type WebApp } from './harness';
import { must } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';

let app: WebApp;
let page: WebApp['page'];
let server: WebApp['server'];
let id: string;

const WELCOME = 'ec5af9b4-11ab-43f2-9890-cee5f265df12';
const GO_BACK = '9d1f7d66-64a2-4f71-8325-81918cc8375e';
const OLD_TEXT =
  "Welcome to the returns desk. Every question below has a way back: type 'back' at any step to undo your last answer.";
const NEW_TEXT =
  "Welcome to the busy returns desk. Every question below has a way back: type 'back' at any step to undo your answer " +
  XSS;

beforeAll(async () => {
  app = await startWebApp();
  ({ page, server } = app);
});

afterAll(async () => {
  await app?.close();
});

/** Set-up through the API: import returns-desk, save #1, edit the working copy, save #2. */
async function prepare() {
  const text = fixture('returns-desk.json');
  const bot = JSON.parse(text) as { conversationMessage: Record<string, unknown>[] };
  const imported = await app.asAdmin<{ id: string; revision: number }>('automations.import', {
    document: text,
    name: 'Diff bot',
  });
  id = imported.id;
  await app.asAdmin('versions.save', { automation: id, name: 'Imported' });
  let revision = imported.revision;
  const edit = async (procedure: string, input: Record<string, unknown>) => {
    const r = await app.asAdmin<{ revision: number }>(`editing.${procedure}`, {
      automation: id,
      baseRevision: revision,
      ...input,
    });
    revision = r.revision;
  };
  const text6 = must(
    bot.conversationMessage.find((m) => m.name === 'text_6'),
    "bot.conversationMessage.find((m) => m.name === 'text_6')",
  );
  const changed = structuredClone(text6) as {
    content: { results: { tile: { tileData: { text: string }[] } } };
  };
  must(changed.content.results.tile.tileData[0], 'changed.content.results.tile.tileData[0]').text =
    NEW_TEXT;
  await edit('updateInteraction', { dialogId: WELCOME, interaction: changed });
  await edit('addInteraction', {
    dialogId: WELCOME,
    interaction: {
      name: XSS,
      type: 'BOT_MESSAGE',
      interactionType: 'TEXT',
      content: {
        contentType: 'STATIC',
        results: { type: 'TEXT', tile: { tileData: [{ text: `Say ${XSS}` }] } },
      },
      responseMatches: [],
    },
  });
  const text5 = must(
    bot.conversationMessage.find((m) => m.name === 'text_5'),
    "bot.conversationMessage.find((m) => m.name === 'text_5')",
  );
  await edit('deleteInteraction', { dialogId: GO_BACK, interactionId: text5.id });
  await app.asAdmin('versions.save', { automation: id, name: 'Edited' });
}

describe('comparing versions and the flow view', () => {
  it('compares two versions picked on the Compare page', async () => {
    await page.goto(server.url + '/');
    await app.signIn('admin', ADMIN_PASSWORD);
    await prepare();

    await page.goto(`${server.url}/automations/${id}`);
    await page
      .getByRole('navigation', { name: 'Automation' })
      .getByRole('link', { name: 'Compare', exact: true })
      .click();
    await shown(page.getByRole('heading', { name: 'Compare', level: 2 }));
    // Nothing picked: the working copy against itself.
    await shown(page.getByText('No differences'));

    await page.getByLabel('Before').selectOption({ label: '#1 Imported' });
    await page.getByLabel('After').selectOption({ label: '#2 Edited' });
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/diff\?from=1&to=2$/);
    // The edited interaction and the neighbours whose CB prev/next links the add and the delete
    // rewrote (issue 14 item 3) are the changed ones.
    await shown(
      page.getByText(
        /^[1-9]\d* interactions? changed, 1 interaction added, 1 interaction removed\.$/,
      ),
    );
    expect(await page.getByLabel('Before').inputValue()).toBe('1');
    expect(await page.getByLabel('After').inputValue()).toBe('2');

    // Grouped per dialog, collapsed: each dialog's summary line counts its changes.
    const groups = page.getByTestId('diff-dialog');
    expect(await groups.count()).toBe(2);
    for (const g of await groups.all()) expect(await g.getAttribute('open')).toBeNull();
    const dialog = page.getByRole('group', { name: 'Dialog 1 Start' });
    await shown(dialog.locator('summary').getByText(/\d+ interactions: 1 added, \d+ changed/));
    const change = dialog.getByRole('article', { name: 'Changed Interaction text_6' });
    expect(await change.isVisible()).toBe(false);
    await dialog.locator(':scope > summary').click();
    // Inside the changed text, a word diff: one text, removed words struck, added ones marked.
    const row = change.getByRole('row').filter({ hasText: 'Message text' });
    await shown(row);
    expect(await change.getByRole('columnheader').allTextContents()).toEqual([
      'Field',
      'Before: #1 Imported',
      'After: #2 Edited',
    ]);
    const words = row.getByTestId('text-diff');
    expect((await words.locator(':scope > :not(ins)').allTextContents()).join('')).toBe(OLD_TEXT);
    expect((await words.locator(':scope > :not(del)').allTextContents()).join('')).toBe(NEW_TEXT);
    expect(await words.locator('ins').allTextContents()).toContain('busy ');
    expect(await words.locator('del').allTextContents()).toContain('last ');
    // The added and the removed interaction, marked in words.
    await shown(dialog.getByRole('article', { name: `Added Interaction ${XSS}` }));
    const back = page.getByRole('group', { name: 'Dialog 2 Back' });
    await back.locator(':scope > summary').click();
    await shown(back.getByRole('article', { name: 'Removed Interaction text_5' }));
    // The payload is text, never markup.
    await shown(dialog.getByRole('heading', { name: `Added Interaction ${XSS}` }));
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(app.alerts).toEqual([]);
    await app.screenshot('diff');
  });

  it('shows the comparison in the flow view: changed dialogs marked, next and previous change through them and into their nodes', async () => {
    await page.getByRole('link', { name: 'Show in flow view' }).click();
    await page.waitForURL(/\/flow\?from=1&to=2$/);
    await shown(page.getByText('Changes from #1 Imported to #2 Edited'));
    await shown(page.getByRole('list', { name: 'Legend' }).getByText('Added: solid green border'));
    // The overview: a node per dialog, the changed ones marked in words.
    const nodes = page.locator('.svelte-flow__node');
    const node = (name: string) => nodes.filter({ hasText: name });
    await shown(node('1 Start'));
    expect(await nodes.count()).toBe(3);
    expect(await node('1 Start').getAttribute('aria-label')).toMatch(
      /^Changed, dialog, 1 Start, 7 interactions, \d+ changes$/,
    );
    expect(await node('2 Back').getAttribute('aria-label')).toMatch(/^Changed, dialog, 2 Back, /);
    expect(await node('99 Fallback').getAttribute('aria-label')).toMatch(/^dialog, 99 Fallback,/);
    const steps = page.getByRole('navigation', { name: 'Changes' });
    await shown(steps.getByText('2 dialogs have changes.'));

    // Next change: the first changed dialog, selected; again: the second; again: round to the first.
    await steps.getByRole('link', { name: 'Next change →' }).click();
    await page.waitForURL(new RegExp(`node=dialog%3A${WELCOME}`));
    await shown(steps.getByText('Dialog 1 of 2 with changes. Now at: Changed dialog “1 Start”.'));
    await shown(page.locator('.svelte-flow__node.selected').filter({ hasText: '1 Start' }));
    await steps.getByRole('link', { name: 'Next change →' }).click();
    await shown(steps.getByText('Dialog 2 of 2 with changes. Now at: Changed dialog “2 Back”.'));
    await steps.getByRole('link', { name: 'Previous change' }).click();
    await shown(steps.getByText(/^Dialog 1 of 2 with changes\./));

    // Into the dialog: its interactions, the changed ones marked, the payload text.
    await node('1 Start').getByRole('link', { name: '1 Start' }).click();
    await page.waitForURL(new RegExp(`dialog=${WELCOME}`));
    await shown(page.getByRole('region', { name: 'Graph of dialog 1 Start' }));
    await shown(node('text_6'));
    expect(await node('text_6').getAttribute('aria-label')).toMatch(
      /^Changed, interaction \(TEXT\), text_6,/,
    );
    expect(await node(`Say ${XSS}`).getAttribute('aria-label')).toBe(
      `Added, interaction (TEXT), ${XSS}, Say ${XSS}`,
    );
    expect(await node('quick_reply_7').getAttribute('aria-label')).toMatch(/^interaction/);
    expect(await page.locator('img[src="x"]').count()).toBe(0);

    // Next change steps through the dialog's marked nodes, then on into the next changed dialog.
    const marked = await page
      .locator(
        '.svelte-flow__node[aria-label^="Changed, interaction"], .svelte-flow__node[aria-label^="Added, interaction"]',
      )
      .count();
    await steps.getByRole('link', { name: 'Next change →' }).click();
    await shown(
      steps.getByText(
        new RegExp(`^Change 1 of ${marked} in this dialog\\. Dialog 1 of 2 with changes\\.`),
      ),
    );
    for (let i = 1; i < marked; i++)
      await steps.getByRole('link', { name: 'Next change →' }).click();
    await shown(steps.getByText(`Change ${marked} of ${marked} in this dialog.`, { exact: false }));
    await steps.getByRole('link', { name: 'Next change →' }).click();
    await page.waitForURL(new RegExp(`dialog=${GO_BACK}&change=first`));
    await shown(page.getByRole('region', { name: 'Graph of dialog 2 Back' }));
    // Its start lost its next interaction (changed), which was removed: drawn from the "before" side.
    await shown(
      steps.getByText(
        'Change 1 of 2 in this dialog. Dialog 2 of 2 with changes. Now at: Changed interaction “dialog_starter_4”.',
      ),
    );
    await steps.getByRole('link', { name: 'Next change →' }).click();
    await shown(
      steps.getByText(
        'Change 2 of 2 in this dialog. Dialog 2 of 2 with changes. Now at: Removed interaction “text_5”.',
      ),
    );
    expect(await node('text_5').getAttribute('aria-label')).toMatch(/^Removed, interaction/);
    await shown(page.locator('.svelte-flow__node.selected').filter({ hasText: 'text_5' }));
    await steps.getByRole('link', { name: 'Previous change' }).click();
    await shown(steps.getByText(/^Change 1 of 2 in this dialog\./));
    // And back: the last change of the first dialog.
    await steps.getByRole('link', { name: 'Previous change' }).click();
    await page.waitForURL(new RegExp(`dialog=${WELCOME}&change=last`));
    await shown(steps.getByText(`Change ${marked} of ${marked} in this dialog.`, { exact: false }));

    // The same dialog as a text list.
    await page.getByText('Flow as a list', { exact: true }).click();
    const list = page.getByRole('region', { name: 'Dialog 1 Start' });
    const added = list.getByRole('listitem').filter({ hasText: `Say ${XSS}` });
    await shown(added.getByText('Added', { exact: true }));
    expect(app.alerts).toEqual([]);
    await app.screenshot('flow-diff');

    // Back to all dialogs, the view on this one.
    await page.getByRole('link', { name: '← All dialogs' }).click();
    await page.waitForURL(new RegExp(`/flow\\?from=1&to=2&node=dialog%3A${WELCOME}$`));
    await shown(page.locator('.svelte-flow__node.selected').filter({ hasText: '1 Start' }));
  });

  it('shows the working copy as a keyboard-usable overview, rendered on the server too', async () => {
    await page
      .getByRole('navigation', { name: 'Automation' })
      .getByRole('link', { name: 'Flow' })
      .click();
    await page.waitForURL(/\/flow$/);
    await shown(page.getByText('The working copy'));
    const nodes = page.locator('.svelte-flow__node');
    await shown(nodes.filter({ hasText: '1 Start' }));
    // 3 dialogs; nothing marked outside a comparison, and no change links.
    expect(await nodes.count()).toBe(3);
    expect(await page.locator('.svelte-flow__node[aria-label^="Changed"]').count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Changes' }).count()).toBe(0);
    // Nodes take the focus from the keyboard and Enter selects one.
    await nodes.first().focus();
    await page.keyboard.press('Enter');
    expect(await nodes.first().getAttribute('class')).toContain('selected');
    expect(await nodes.first().getAttribute('tabindex')).toBe('0');
    await app.screenshot('flow');

    // Version #1, where Start links into Back: a drawn edge, which Tab passes over.
    await page.getByLabel('Show').selectOption({ label: '#1 Imported' });
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/\/flow\?version=1$/);
    await shown(page.getByText('Version #1 Imported'));
    const edges = page.locator('.svelte-flow__edge');
    await edges.first().waitFor({ state: 'attached' });
    expect(await edges.first().getAttribute('aria-label')).toBe(
      'Link from 1 Start to 2 Back (2 links)',
    );
    expect(await page.locator('.svelte-flow__edge[tabindex]').count()).toBe(0);
    await page.getByLabel('Find a dialog or interaction by name').focus();
    const stops: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      stops.push(
        await page.evaluate(() => {
          const el = document.activeElement;
          return `${el?.tagName ?? ''}.${el?.getAttribute('class') ?? ''}`;
        }),
      );
    }
    // Through the Find button, the nodes and the links on them; never an edge.
    expect(stops.some((s) => s.includes('svelte-flow__node'))).toBe(true);
    expect(stops.some((s) => s.includes('svelte-flow__edge'))).toBe(false);

    // Server-side rendering works without the canvas (Svelte Flow only runs in the browser).
    const res = await page.context().request.get(`${server.url}/automations/${id}/flow?version=1`);
    expect(res.status()).toBe(200);
    const html = await res.text();
    expect(html).toContain('Flow as a list');
    expect(html).toContain('Version #1 Imported');
    expect(html).toContain('Loading the graph…');
    expect(html).toContain('links to 2 Back');
    const drilled = await page
      .context()
      .request.get(`${server.url}/automations/${id}/flow?version=1&dialog=${GO_BACK}`);
    expect(await drilled.text()).toContain('text_5');
  });

  it('finds dialogs and interactions by name and moves the view to them', async () => {
    await page.goto(`${server.url}/automations/${id}/flow`);
    const find = page.getByRole('search', { name: 'Find in the flow' });
    // An interaction: its dialog opens and the view moves to it.
    await find.getByLabel('Find a dialog or interaction by name').fill('TEXT_6');
    await find.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(new RegExp(`dialog=${WELCOME}&node=.*&q=TEXT_6`));
    await shown(page.getByRole('region', { name: 'Graph of dialog 1 Start' }));
    await shown(page.locator('.svelte-flow__node.selected').filter({ hasText: 'text_6' }));
    const results = page.getByRole('region', { name: 'Search results' });
    await shown(results.getByText('1 match for “TEXT_6”.'));
    // A dialog: back on the overview, at it.
    await find.getByLabel('Find a dialog or interaction by name').fill('2 back');
    await find.getByRole('button', { name: 'Find' }).click();
    await shown(results.getByText('1 match for “2 back”.'));
    await shown(page.getByRole('region', { name: 'Graph of the dialogs' }));
    await shown(page.locator('.svelte-flow__node.selected').filter({ hasText: '2 Back' }));
    expect(page.url()).toContain(`node=dialog%3A${GO_BACK}`);
    // The payload is a name like any other: found, shown as text.
    await find.getByLabel('Find a dialog or interaction by name').fill('<img');
    await find.getByRole('button', { name: 'Find' }).click();
    await shown(page.locator('.svelte-flow__node.selected').filter({ hasText: XSS }));
    await shown(results.getByRole('link', { name: `Interaction ${XSS} in 1 Start` }));
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // Nothing found: the view stays.
    await find.getByLabel('Find a dialog or interaction by name').fill('no such name');
    await find.getByRole('button', { name: 'Find' }).click();
    await shown(results.getByText('Nothing is named like “no such name”.'));
    expect(app.alerts).toEqual([]);
  });

  it('says so when a version does not exist', async () => {
    await page.goto(`${server.url}/automations/${id}/diff?from=99`);
    await shown(page.getByRole('alert').getByText('Before: There is no version "99".'));
    await page.goto(`${server.url}/automations/${id}/diff?from=1&to=42`);
    await shown(page.getByRole('alert').getByText('After: There is no version "42".'));
    await page.goto(`${server.url}/automations/${id}/flow?version=99`);
    await shown(page.getByRole('alert').getByText('There is no version "99".'));
    await page.goto(`${server.url}/automations/${id}/flow?from=7`);
    await shown(page.getByRole('alert').getByText('Before: There is no version "7".'));
    await page.goto(`${server.url}/automations/${id}/flow?dialog=gone`);
    await shown(page.getByRole('alert').getByText('There is no dialog with id "gone".'));
    await shown(page.getByRole('region', { name: 'Graph of the dialogs' }));
  });

  it('previews a release of a whole new 2,000-interaction bot as counts per dialog, a page at a time', async () => {
    const doc = generateBotExport({ seed: 21, dialogs: 80, interactionsPerDialog: 25 });
    const dev = await app.asAdmin<{ id: string }>('automations.import', {
      document: doc,
      name: 'Big Dev',
    });
    const prod = await app.asAdmin<{ id: string }>('automations.create', { name: 'Big Prod' });
    await app.asAdmin('releases.create', { source: dev.id, target: prod.id, version: '1.0.0' });
    const releases = `${server.url}/automations/${prod.id}/releases`;
    const response = await page.goto(releases);
    const html = must(response, 'response').text();
    const preview = page.getByRole('region', { name: 'What the upgrade changes' });
    await shown(preview.getByText('80 dialogs with changes'));
    // One page of 25 collapsed dialogs, each a count of its 25 added interactions; no entity cards.
    const groups = preview.getByTestId('diff-dialog');
    expect(await groups.count()).toBe(25);
    await shown(groups.first().locator(':scope > summary').getByText('25 interactions: 25 added'));
    expect(await preview.getByRole('article', { name: /Interaction/ }).count()).toBe(0);
    await shown(
      preview
        .getByRole('navigation', { name: 'Pages of dialogs', exact: true })
        .getByText('Page 1 of 4'),
    );
    // Bounded by the page, not the bot (generous bounds; the full preview is megabytes).
    expect((await html).length).toBeLessThan(400_000);
    const nodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    expect(nodes).toBeLessThan(3_000);
    // Next page, then a drill-down into one dialog: a page of 25 interactions, still bounded.
    await preview
      .getByRole('navigation', { name: 'Pages of dialogs', exact: true })
      .getByRole('link', { name: 'Next →' })
      .click();
    await page.waitForURL(/dpage=2/);
    await shown(page.getByText('Page 2 of 4').first());
    const group = page.getByTestId('diff-dialog').first();
    await group.locator(':scope > summary').click();
    await group.getByRole('link', { name: 'Show the 25 interaction changes' }).click();
    await page.waitForURL(/[?&]dialog=/);
    const opened = page.locator('details[data-testid="diff-dialog"][open]');
    expect(await opened.count()).toBe(1);
    expect(await opened.getByRole('article', { name: /^Added Interaction / }).count()).toBe(25);
    expect(await page.evaluate(() => document.getElementsByTagName('*').length)).toBeLessThan(
      6_000,
    );
    expect(app.alerts).toEqual([]);
  });

  it('drew the comparisons and the flow graph (Svelte Flow) with no Content-Security-Policy violation', () => {
    expect(app.cspViolations).toEqual([]);
  });
});
