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
      .getByRole('link', { name: 'Compare' })
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

  it('shows the same comparison in the flow view with changed nodes marked', async () => {
    await page.getByRole('link', { name: 'Show in flow view' }).click();
    await page.waitForURL(/\/flow\?from=1&to=2$/);
    await shown(page.getByText('Changes from #1 Imported to #2 Edited'));
    await shown(page.getByRole('list', { name: 'Legend' }).getByText('Added: solid green border'));
    const node = (name: string) => page.locator('.svelte-flow__node').filter({ hasText: name });
    await shown(node('text_6'));
    expect(await node('text_6').getAttribute('aria-label')).toMatch(
      /^Changed, interaction \(TEXT\), text_6,/,
    );
    expect(await node('text_6').textContent()).toContain('Changed');
    expect(await node(`Say ${XSS}`).getAttribute('aria-label')).toBe(
      `Added, interaction (TEXT), ${XSS}, Say ${XSS}`,
    );
    expect(await node('text_5').getAttribute('aria-label')).toMatch(/^Removed, /);
    expect(await node('quick_reply_7').getAttribute('aria-label')).toMatch(/^interaction/);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(app.alerts).toEqual([]);

    // The same graph as a text list.
    await page.getByText('Flow as a list', { exact: true }).click();
    const list = page.getByRole('region', { name: 'Dialog 1 Start' });
    const added = list.getByRole('listitem').filter({ hasText: `Say ${XSS}` });
    await shown(added.getByText('Added', { exact: true }));
    await shown(
      page
        .getByRole('region', { name: 'Dialog 1 Start' })
        .getByRole('listitem')
        .filter({ hasText: 'quick_reply_7' })
        .getByText('goes to text_5 (back)'),
    );
    await app.screenshot('flow-diff');
  });

  it('shows the working copy as a keyboard-usable graph, rendered on the server too', async () => {
    await page
      .getByRole('navigation', { name: 'Automation' })
      .getByRole('link', { name: 'Flow' })
      .click();
    await page.waitForURL(/\/flow$/);
    await shown(page.getByText('The working copy'));
    const nodes = page.locator('.svelte-flow__node');
    await shown(nodes.filter({ hasText: '1 Start' }));
    await shown(nodes.filter({ hasText: 'dialog_starter_4' }));
    await shown(nodes.filter({ hasText: 'Hi there!' }));
    // 3 dialogs and 9 interactions (one added, one deleted); nothing marked outside a diff.
    expect(await nodes.count()).toBe(12);
    expect(await page.locator('.svelte-flow__node[aria-label^="Added"]').count()).toBe(0);
    // Nodes take the focus from the keyboard and Enter selects one.
    await nodes.first().focus();
    await page.keyboard.press('Enter');
    expect(await nodes.first().getAttribute('class')).toContain('selected');
    expect(await nodes.first().getAttribute('tabindex')).toBe('0');
    await app.screenshot('flow');

    // Another version, picked on the page.
    await page.getByLabel('Show').selectOption({ label: '#1 Imported' });
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/\/flow\?version=1$/);
    await shown(page.getByText('Version #1 Imported'));
    await shown(nodes.filter({ hasText: 'text_5' }));
    expect(await nodes.filter({ hasText: XSS }).count()).toBe(0);

    // Server-side rendering works without the canvas (Svelte Flow only runs in the browser).
    const res = await page.context().request.get(`${server.url}/automations/${id}/flow?version=1`);
    expect(res.status()).toBe(200);
    const html = await res.text();
    expect(html).toContain('Flow as a list');
    expect(html).toContain('Version #1 Imported');
    expect(html).toContain('Loading the graph…');
    expect(html).toContain('text_5');
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
