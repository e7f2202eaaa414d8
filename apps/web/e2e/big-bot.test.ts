// The automation page on a 10,005-interaction bot (core's generator: 2,001 dialogs of 5): what it
// costs to show, open a dialog, search, save an edit, download the working copy and import an
// edited copy back, printed as figures (issue 13 item 1;
// README "Web UI at the size of real bots"). Sizes are asserted with generous bounds, times never.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { must } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, shown, startWebApp, type WebApp } from './harness';

const DIALOGS = 2001;
const PER_DIALOG = 5;

let app: WebApp;
let page: Page;
let url: string;
const figures: Record<string, string> = {};

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * What the page downloads while `act` runs, from Chromium's own network events: bytes on the wire
 * (headers and compressed bodies), decoded body bytes, and each request with its duration.
 */
async function transferred(act: () => Promise<void>) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const started = new Map<string, { url: string; at: number }>();
  const done = new Set<string>();
  let wire = 0;
  let decoded = 0;
  const timings: string[] = [];
  cdp.on('Network.requestWillBeSent', (e) =>
    started.set(e.requestId, { url: e.request.url, at: e.timestamp }),
  );
  // Bytes per request as they arrive: SvelteKit stops reading page data once it has all of it, so
  // Chromium reports those requests cancelled, after their bytes came.
  const received = new Map<string, number>();
  cdp.on('Network.dataReceived', (e) => {
    decoded += e.dataLength;
    received.set(e.requestId, (received.get(e.requestId) ?? 0) + e.encodedDataLength);
  });
  const end = (id: string, at: number, bytes: number) => {
    wire += bytes;
    done.add(id);
    const request = started.get(id);
    if (request)
      timings.push(
        `${new URL(request.url).pathname.split('/').pop()} ${((at - request.at) * 1000).toFixed(0)} ms`,
      );
  };
  cdp.on('Network.loadingFinished', (e) => end(e.requestId, e.timestamp, e.encodedDataLength));
  cdp.on('Network.loadingFailed', (e) =>
    end(e.requestId, e.timestamp, received.get(e.requestId) ?? 0),
  );
  try {
    await act();
    // The last request's events may follow what the page showed by a moment.
    await expect.poll(() => [...started.keys()].every((id) => done.has(id))).toBe(true);
  } finally {
    await cdp.detach();
  }
  return { wire, decoded, requests: started.size, timings };
}

const timed = async (act: () => Promise<void>) => {
  const start = performance.now();
  await act();
  return performance.now() - start;
};

beforeAll(async () => {
  app = await startWebApp();
  ({ page } = app);
  const doc = generateBotExport({ seed: 13, dialogs: DIALOGS, interactionsPerDialog: PER_DIALOG });
  const imported = await app.asAdmin<{ id: string }>('automations.import', {
    document: doc,
    name: 'Ten thousand',
  });
  url = `${app.server.url}/automations/${imported.id}`;
  await page.goto(app.server.url + '/');
  await app.signIn('admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  if (Object.keys(figures).length > 0) {
    const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(44)} ${v}`);
    console.log(
      `automation page, ${DIALOGS * PER_DIALOG} interactions in ${DIALOGS} dialogs (admin):\n${lines.join('\n')}`,
    );
  }
  await app?.close();
});

describe('the automation page on a 10,005-interaction bot', () => {
  it('costs the screen, not the bot: a page of dialogs, small and quick to use', async () => {
    // The HTML alone, as the server sends it to a browser (br) and decoded.
    const html = await page.request.get(url, { headers: { 'accept-encoding': 'br' } });
    expect(html.headers()['content-encoding']).toBe('br');
    const plain = (await html.body()).length;

    // A first visit: nothing in the browser's cache (scripts and styles included).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.clearBrowserCache');
    let usable = 0;
    const load = await transferred(async () => {
      usable = await timed(async () => {
        await page.goto(url);
        await shown(page.getByRole('list', { name: 'Dialog list' }));
        // Usable: hydrated, so the page's own buttons answer (a modal opens).
        await page.getByRole('button', { name: 'Save current version' }).click();
        await shown(page.getByRole('dialog', { name: 'Save current version' }));
      });
    });
    await page
      .getByRole('dialog', { name: 'Save current version' })
      .getByRole('button', { name: 'Cancel' })
      .click();
    const dom = await page.evaluate(() => {
      const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
      let nodes = 1;
      while (walker.nextNode()) nodes++;
      return { elements: document.getElementsByTagName('*').length, nodes };
    });
    const [navigation] = await page.evaluate(() =>
      performance
        .getEntriesByType('navigation')
        .map((e) => ({ encoded: (e as PerformanceNavigationTiming).encodedBodySize })),
    );

    figures['page HTML (br / decoded)'] = `${kb(navigation?.encoded ?? 0)} / ${kb(plain)}`;
    figures['page load, all requests (wire / decoded)'] =
      `${kb(load.wire)} / ${kb(load.decoded)} in ${load.requests} requests`;
    figures['DOM elements / nodes'] = `${dom.elements} / ${dom.nodes}`;
    figures['time to usable (navigate, list, a modal opens)'] = `${usable.toFixed(0)} ms`;

    expect(navigation?.encoded ?? Infinity).toBeLessThan(500 * 1024);
    expect(plain).toBeLessThan(500 * 1024);
    expect(load.wire).toBeLessThan(500 * 1024);
    expect(dom.elements).toBeLessThan(5000);
    expect(
      await page.getByText(`${DIALOGS.toLocaleString('en')} dialogs, 1–50 shown.`).count(),
    ).toBe(1);
  });

  it('opens a dialog, searches and saves an edit, each reading only what it shows', async () => {
    const list = page.getByRole('list', { name: 'Dialog list' });
    const first = (await list.getByRole('link').first().textContent()) ?? '';
    let openMs = 0;
    const open = await transferred(async () => {
      openMs = await timed(async () => {
        await list.getByRole('link', { name: first, exact: true }).click();
        await shown(page.getByRole('region', { name: `Dialog ${first}`, exact: true }));
      });
    });
    figures['open a dialog (wire, time)'] = `${kb(open.wire)}, ${openMs.toFixed(0)} ms`;
    const region = page.getByRole('region', { name: `Dialog ${first}`, exact: true });
    expect(await region.locator('ol > li > p > strong').count()).toBe(PER_DIALOG);
    const word = ((await region.locator('.message').first().textContent()) ?? '').split(' ')[0];

    // An edit: the first interaction renamed. Saving reloads the opened dialog and the header.
    const name = (await region.locator('ol > li > p > strong').first().textContent()) ?? '';
    await page.getByRole('button', { name: `Edit ${name}`, exact: true }).click();
    const edit = page.getByRole('dialog', { name: `Edit interaction “${name}”`, exact: true });
    await edit.getByLabel('Name', { exact: true }).fill('Renamed in the browser');
    let saveMs = 0;
    const save = await transferred(async () => {
      saveMs = await timed(async () => {
        await edit.getByRole('button', { name: 'Save' }).click();
        await shown(page.getByText('Saved interaction “Renamed in the browser”.'));
        await shown(region.getByText('Renamed in the browser', { exact: true }));
      });
    });
    figures['save: requests'] = save.timings.join(', ');
    figures['save an edit (wire, time)'] =
      `${kb(save.wire)} in ${save.requests} requests, ${saveMs.toFixed(0)} ms`;
    expect(save.wire).toBeLessThan(200 * 1024);

    // A search on the server: dialogs holding an interaction named like the renamed one.
    let searchMs = 0;
    const search = await transferred(async () => {
      searchMs = await timed(async () => {
        await page.getByLabel('Search', { exact: true }).fill('renamed in the');
        await page.getByLabel('in', { exact: true }).selectOption('interaction');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await shown(page.getByText(/^1 dialog matches “renamed in the” in interaction names/));
      });
    });
    figures['search interaction names, first (wire, time)'] =
      `${kb(search.wire)}, ${searchMs.toFixed(0)} ms`;
    expect(await list.getByRole('link').allTextContents()).toEqual([first]);
    // Another search reads only what changed since the first (nothing): the texts this time.
    const again = await timed(async () => {
      await page.getByLabel('Search', { exact: true }).fill(word ?? '');
      await page.getByLabel('in', { exact: true }).selectOption('text');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await shown(page.getByText(new RegExp(`match(es)? “${word}” in texts and buttons`)));
    });
    figures['search texts, next (time)'] = `${again.toFixed(0)} ms`;
    expect(await list.getByRole('link', { name: first, exact: true }).count()).toBe(1);

    // The last page of the list, through the pager.
    await page.getByRole('link', { name: 'Clear' }).click();
    await shown(page.getByText(/1–50 shown/));
    await page.getByRole('link', { name: 'Next page' }).click();
    await shown(page.getByText(/51–100 shown/));
    expect(await page.getByText(`Page 2 of ${Math.ceil(DIALOGS / 50)}`).count()).toBe(1);
  });

  it('downloads the working copy and imports an edited copy back into it (the CB loop)', async () => {
    await page.goto(url);
    // The export, built on the server (cached by root), downloaded compressed.
    let downloadMs = 0;
    let file = '';
    const download = await transferred(async () => {
      downloadMs = await timed(async () => {
        const [started] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'Download the working copy (CB export)' }).click(),
        ]);
        file = await started.path();
        await shown(page.getByRole('status').getByText(/^Downloaded “Ten thousand\.json” \(/));
      });
    });
    const text = readFileSync(file, 'utf8');
    figures['download the working copy (wire / file, time)'] =
      `${kb(download.wire)} / ${kb(Buffer.byteLength(text))}, ${downloadMs.toFixed(0)} ms`;
    expect(download.wire).toBeLessThan(2 * 1024 * 1024);

    // Edited "in CB" (one dialog renamed), then imported back through the page: synced in the
    // browser, only what the server lacks uploaded; the unsaved working copy is kept first.
    const doc = JSON.parse(text) as { groups: { name: string }[] };
    const first = must(doc.groups[0], 'a dialog');
    first.name = `${first.name} (edited in CB)`;
    const edited = join(dirname(file), 'ten-thousand-edited.json');
    writeFileSync(edited, JSON.stringify(doc));
    let importMs = 0;
    const imported = await transferred(async () => {
      importMs = await timed(async () => {
        await page.getByRole('button', { name: 'Import a CB export', exact: true }).click();
        const dialog = page.getByRole('dialog', { name: /^Import a CB export into/ });
        await dialog.getByLabel('CB export file').setInputFiles(edited);
        await dialog.getByRole('button', { name: 'Import and replace the working copy' }).click();
        await shown(
          page
            .getByRole('status')
            .getByText(/^Imported ten-thousand-edited\.json\. The previous working copy was kept/),
        );
      });
    });
    figures['import an edited export into it (wire, time)'] =
      `${kb(imported.wire)} in ${imported.requests} requests, ${importMs.toFixed(0)} ms`;
    await shown(page.getByRole('link', { name: first.name, exact: true }));
  });
});
