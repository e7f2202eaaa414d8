// Browser scenario: the polish that tells users the product is finished (issue 13 item 9). A diff
// names its fields for people ("Message text", "Quick reply 2 title", "Button 2 URL"), shows CB's
// epoch times as dates, never shows CB's `hash` and gives each interaction one type badge; every
// action that succeeds says so in a banner (also after a redirect); Bulk Add takes pasted
// key=value lines, all or nothing, naming every bad line; the Users page says what each role may
// do; the audit log names versions and releases with links; the Versions panel stays readable
// with long names and descriptions at 390 px; every page names its charset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, fixture, shown, startWebApp, type WebApp } from './harness';
import { must } from '@ferry/core';

let app: WebApp;
let page: WebApp['page'];
const url = (path: string) => app.server.url + path;
const main = () => page.getByRole('main');
/** The success banners on the page. */
const banners = () => page.locator('.banner[role="status"]');

interface Doc {
  hash: string;
  bot: Record<string, unknown>;
  conversationMessage: Record<string, unknown>[];
}

let cafe: { id: string; revision: number };

beforeAll(async () => {
  app = await startWebApp();
  page = app.page;
  await page.goto(url('/'));
  await app.signIn('admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await app?.close();
});

describe('a finished product', () => {
  it('labels diff fields for people, shows epoch times as dates and hides the CB hash', async () => {
    const text = fixture('tile-showcase.json');
    cafe = await app.asAdmin('automations.import', { document: text, name: 'Polish cafe' });
    await app.asAdmin('versions.save', { automation: cafe.id, name: 'Imported' });
    // The same bot as CB exports it a day later: a new hash and modification time, a reworded
    // question, a renamed quick reply and a new link behind a card's second button.
    const doc = JSON.parse(text) as Doc;
    doc.hash = '-1';
    doc.bot.modificationTime = 1767225600000;
    const pastries = must(
      doc.conversationMessage.find((m) => m.name === 'pastries_order'),
      'pastries_order',
    ) as {
      content: { results: { tile: { tileData: { text: string }[] } } };
      quickReplies: { title: string }[];
    };
    must(pastries.content.results.tile.tileData[0], 'tile').text =
      `How many pastries do you want? ${XSS}`;
    must(pastries.quickReplies[1], 'quick reply 2').title = 'Two';
    const tea = must(
      doc.conversationMessage.find((m) => m.name === 'tea_cards'),
      'tea_cards',
    ) as { content: { results: { tile: { tileData: { buttons: { callback: string }[] }[] } } } };
    must(must(tea.content.results.tile.tileData[0], 'card 1').buttons[1], 'button 2').callback =
      'https://cafe.example.com/tea/green';
    const shown0 = await app.adminQuery<{ revision: number }>('automations.show', {
      automation: cafe.id,
    });
    await app.asAdmin('automations.import', {
      document: JSON.stringify(doc, null, 2),
      into: cafe.id,
      baseRevision: shown0.revision,
    });

    await page.goto(url(`/automations/${cafe.id}/diff?from=1`));
    await shown(page.getByText('Settings changed, 2 interactions changed.'));
    // The settings: "Last modified", from one date to another, not two numbers.
    const settings = main().getByRole('region', { name: 'Settings' });
    const modified = settings.getByRole('row').filter({ hasText: 'Last modified' });
    await shown(modified);
    expect(await modified.textContent()).toContain('2025-02-13 12:00:00 UTC');
    expect(await modified.textContent()).toContain('2026-01-01 00:00:00 UTC');
    expect(await modified.textContent()).not.toContain('1767225600000');

    const pastriesGroup = page.getByRole('group', { name: 'Dialog Pastries' });
    await pastriesGroup.locator(':scope > summary').click();
    const change = pastriesGroup.getByRole('article', {
      name: 'Changed Interaction pastries_order',
    });
    await shown(change.getByRole('rowheader', { name: 'Message text' }));
    await shown(change.getByRole('rowheader', { name: 'Quick reply 2 title' }));
    // One type badge, in words.
    expect(await change.locator('.badge.type').allTextContents()).toEqual(['Quick reply']);
    const teaGroup = page.getByRole('group', { name: 'Dialog Tea' });
    await teaGroup.locator(':scope > summary').click();
    await shown(teaGroup.getByRole('rowheader', { name: 'Button 2 URL' }));
    // No JSON pointers, no hash, and bot content stays text.
    const all = (await main().textContent()) ?? '';
    expect(all).not.toContain('/content/results');
    expect(all).not.toContain('tileData');
    expect(all).not.toMatch(/\bhash\b/i);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(app.alerts).toEqual([]);
    await app.screenshot('polish-diff');
  });

  it('gives each interaction one type badge on the automation page', async () => {
    await page.goto(url(`/automations/${cafe.id}`));
    await page.getByRole('link', { name: 'Pastries', exact: true }).click();
    const dialog = main().getByRole('region', { name: 'Dialog Pastries' });
    await shown(dialog);
    const item = dialog.getByRole('listitem').filter({ hasText: 'pastries_order' }).first();
    expect(await item.locator('.badge.type').allTextContents()).toEqual(['Quick reply']);
  });

  it('says every success in a banner, also after a redirect, and only once', async () => {
    await page.goto(url('/environments'));
    await page.getByLabel('Name').fill('Polish env');
    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.waitForURL(/\/environments\/[^/]+$/);
    await shown(banners().getByText('Created the environment “Polish env”.'));
    const form = main().getByRole('region', { name: 'Add variable' });
    await form.getByLabel('Variable name').fill('BRAND');
    await form.getByLabel('Value', { exact: true }).fill('Cafe');
    await form.getByRole('button', { name: 'Add variable' }).click();
    await shown(banners().getByText('Added the variable BRAND.'));
    expect(await banners().count()).toBe(1);
    // Moving on, the message does not follow.
    await page.goto(url('/environments'));
    await shown(main().getByRole('heading', { name: 'Environments', level: 1 }));
    expect(await banners().count()).toBe(0);
  });

  it('adds variables in bulk from pasted key=value lines, naming every bad line', async () => {
    await page.goto(url('/environments'));
    await page.getByRole('link', { name: 'Polish env' }).click();
    const bulk = main().getByRole('region', { name: 'Bulk Add' });
    const lines = bulk.getByLabel('Variables (key=value lines)');
    const typed = 'API_URL=https://api.example.com/?a=b\njust text\n1X=2\n# a comment\nREGION = eu';
    await lines.fill(typed);
    await bulk.getByRole('button', { name: 'Add all lines' }).click();
    await shown(bulk.getByText(/^Line 2: expected key=value, found "just text"; line 3: "1X"/));
    expect(await lines.getAttribute('aria-invalid')).toBe('true');
    expect(await lines.inputValue()).toBe(typed);
    // All or nothing: no variable was added.
    const table = main().getByRole('table').first();
    expect(await table.getByText('API_URL').count()).toBe(0);

    await lines.fill(
      'API_URL=https://api.example.com/?a=b\n\n# a comment\nREGION = eu\nBRAND=Cafe',
    );
    await bulk.getByRole('button', { name: 'Add all lines' }).click();
    await shown(
      banners().getByText(/Bulk Add saved 3 variables: 2 added, 0 updated, 1 unchanged\./),
    );
    await shown(table.getByRole('rowheader', { name: 'API_URL' }));
    await shown(table.getByRole('rowheader', { name: 'REGION' }));
    expect(await lines.inputValue()).toBe('');
    await shown(main().getByText('Environment · 3 variables (0 secret)'));
    await app.screenshot('polish-bulk-add');
  });

  it('says on the Users page what each role may do', async () => {
    await page.goto(url('/users'));
    const roles = main().getByRole('region', { name: 'What each role may do' });
    await shown(roles);
    const role = (name: string) => roles.locator(`#role-${name}`);
    expect(await role('viewer').textContent()).toContain('Reads everything and changes nothing.');
    expect(await role('viewer').getByRole('listitem').count()).toBe(1);
    await shown(
      role('release-acceptor').getByText(
        'Upgrade to, approve, reject and roll back releases, and schedule upgrades',
      ),
    );
    expect(await role('release-acceptor').textContent()).not.toContain('Edit working copies');
    await shown(role('admin').getByText(/Manage users, API tokens, environments/));
    // The role picker of "Create user" points at the list.
    const hint = main().getByRole('region', { name: 'Create user' }).getByRole('link', {
      name: 'what each role may do',
    });
    expect(await hint.getAttribute('href')).toBe('#roles-heading');
  });

  it('names versions and releases in the audit log, with links, not raw ids', async () => {
    const target = await app.asAdmin<{ id: string }>('automations.create', {
      name: 'Polish cafe (Prod)',
    });
    const release = await app.asAdmin<{ id: string }>('releases.create', {
      source: cafe.id,
      target: target.id,
      version: '1.0.0',
    });
    const now = await app.adminQuery<{ revision: number }>('automations.show', {
      automation: cafe.id,
    });
    await app.asAdmin('versions.restore', {
      automation: cafe.id,
      version: 1,
      baseRevision: now.revision,
    });
    await page.goto(url('/audit'));
    const rows = main().getByRole('row');
    const created = rows.filter({ hasText: 'release.create' });
    const link = created.getByRole('link', { name: 'release 1.0.0' });
    expect(await link.getAttribute('href')).toBe(`/releases/${release.id}`);
    await shown(created.getByRole('link', { name: 'Polish cafe', exact: true }));
    const restored = rows.filter({ hasText: 'version.restore' });
    const backup = restored.getByRole('link', { name: /^#\d+ “Before restore of #1/ });
    expect(await backup.getAttribute('href')).toMatch(
      new RegExp(`^/automations/${cafe.id}/diff\\?from=\\d+$`),
    );
    const details = (await main().locator('td.details').allTextContents()).join(' ');
    expect(details).not.toContain(release.id);
    expect(details).not.toMatch(/[0-9a-f]{64}/);
  });

  it('keeps the Versions panel readable with long names and descriptions at 390 px', async () => {
    const longName = `Release_candidate_${'x'.repeat(150)}_final`;
    const description = `${'A long description of what changed and why. '.repeat(30)}The end.`;
    await app.asAdmin('versions.save', { automation: cafe.id, name: longName, description });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(url(`/automations/${cafe.id}`));
      const panel = main().getByRole('region', { name: 'Versions' });
      await shown(panel.getByText(longName));
      const widths = await page.evaluate(() => {
        const box = document.querySelector('.versions .scroll-box');
        return {
          page: document.documentElement.scrollWidth,
          screen: window.innerWidth,
          box: box ? box.scrollWidth - box.clientWidth : -1,
        };
      });
      expect(widths.page).toBeLessThanOrEqual(widths.screen);
      expect(widths.box).toBe(0);
      // The long description is folded to a few lines; its whole text opens in place.
      const folded = panel.locator('details.description').first();
      expect(await folded.getAttribute('open')).toBeNull();
      const summary = folded.locator('summary');
      const closedHeight = (await summary.boundingBox())?.height ?? 0;
      await summary.click();
      expect(await folded.getAttribute('open')).not.toBeNull();
      expect((await summary.boundingBox())?.height ?? 0).toBeGreaterThan(closedHeight * 2);
      await shown(panel.getByText('The end.', { exact: false }));
      await app.screenshot('polish-versions-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('names the charset of every page, in its Content-Type and its markup', async () => {
    for (const path of ['/', '/automations', `/automations/${cafe.id}`, '/users', '/audit']) {
      const response = await page.goto(url(path));
      expect(response?.headers()['content-type'], path).toBe('text/html; charset=utf-8');
      expect(await page.locator('meta[charset="utf-8"]').count(), path).toBe(1);
    }
  });
});
