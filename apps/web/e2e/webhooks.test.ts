// Browser scenarios of webhooks and scheduled upgrades: an admin adds a signed webhook (the secret
// never comes back to the page), sees its deliveries reach a receiver on 127.0.0.1 and removes it;
// an acceptor schedules the pending release on the target's Releases tab, cancels it, schedules
// again and sees it done; a viewer is offered neither.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, fixture, shown, startWebApp, type WebApp } from './harness';

const SECRET = 'browser-webhook-secret-42';
const VIEWER = { name: 'vera', password: 'viewer-password-e2e' };

let app: WebApp;
let page: WebApp['page'];
let server: WebApp['server'];
const received: string[] = [];
const receiver = createServer((req, res) => {
  received.push(String(req.headers['x-ferry-event']));
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
let hookUrl = '';
let targetId = '';
const main = () => page.getByRole('main');

async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  app = await startWebApp({ webhookAllowPrivate: true, jobQueue: { pollingSeconds: 0.5 } });
  ({ page, server } = app);
  await page.goto(server.url + '/');
  await app.signIn('admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await app?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('webhooks and scheduled upgrades in the browser', () => {
  it('adds a signed webhook, shows its deliveries, and keeps the secret off the page', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await shown(main().getByText('No webhooks yet.'));
    // No event ticked: the API's message under the events.
    await page.getByLabel('URL').fill(hookUrl);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await shown(main().getByText('name at least one event'));
    await page.getByLabel('URL').fill(hookUrl);
    await page.getByRole('checkbox', { name: 'release.created' }).check();
    await page.getByRole('checkbox', { name: 'release.upgraded' }).check();
    await page.getByLabel('Secret (optional)').fill(SECRET);
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await shown(
      main()
        .getByRole('status')
        .getByText(/Added a webhook for release.created/),
    );
    const row = main().getByRole('row', { name: new RegExp(hookUrl.replace(/[.?]/g, '\\$&')) });
    await shown(row.getByRole('cell', { name: 'yes' }));
    expect(await page.content()).not.toContain(SECRET);

    const source = await app.asAdmin<{ id: string }>('automations.import', {
      document: fixture('returns-desk.json'),
      name: 'Hooked (Dev)',
    });
    ({ id: targetId } = await app.asAdmin<{ id: string }>('automations.create', {
      name: 'Hooked (Prod)',
    }));
    await app.asAdmin('releases.create', { source: source.id, target: targetId, version: '1.0.0' });
    await until('the receiver got release.created', () => received.includes('release.created'));
    await until('the log says delivered', async () => {
      await page.reload();
      return (
        (await main()
          .getByRole('row', { name: /release\.created .* delivered/ })
          .count()) === 1
      );
    });
  });

  it('schedules the pending release on the Releases tab, cancels it, and runs the next one', async () => {
    await page.goto(`${server.url}/automations/${targetId}/releases`);
    const schedules = main().getByRole('region', { name: 'Scheduled upgrades' });
    await shown(schedules.getByText('No upgrade has been scheduled.'));
    await page.getByLabel('Upgrade to 1.0.0 at').fill('tomorrow');
    await page.getByRole('button', { name: 'Schedule upgrade' }).click();
    await shown(schedules.getByRole('alert').getByText(/ISO date-time/));
    expect(await page.getByLabel('Upgrade to 1.0.0 at').getAttribute('aria-invalid')).toBe('true');

    await page
      .getByLabel('Upgrade to 1.0.0 at')
      .fill(new Date(Date.now() + 3_600_000).toISOString());
    await page.getByRole('button', { name: 'Schedule upgrade' }).click();
    await shown(schedules.getByRole('status').getByText(/Scheduled the upgrade to 1.0.0/));
    await shown(schedules.getByRole('row', { name: /1\.0\.0 scheduled admin/ }));
    await schedules.getByRole('button', { name: /^Cancel the upgrade to 1.0.0/ }).click();
    await shown(schedules.getByRole('status').getByText(/Cancelled the upgrade/));
    await shown(schedules.getByRole('row', { name: /1\.0\.0 cancelled/ }));

    await page.getByLabel('Upgrade to 1.0.0 at').fill(new Date(Date.now() + 1500).toISOString());
    await page.getByRole('button', { name: 'Schedule upgrade' }).click();
    await shown(schedules.getByRole('status').getByText(/Scheduled the upgrade to 1.0.0/));
    await until('it ran', async () => {
      await page.reload();
      return (await schedules.getByRole('row', { name: /1\.0\.0 done/ }).count()) === 1;
    });
    await shown(
      main()
        .getByText('now runs release 1.0.0')
        .or(main().getByText(/running/)),
    );
    await until('the receiver got release.upgraded', () => received.includes('release.upgraded'));
  });

  it('removes the webhook', async () => {
    await page.goto(`${server.url}/webhooks`);
    await main()
      .getByRole('button', { name: `Remove the webhook for ${hookUrl}` })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove webhook' }).click();
    await shown(main().getByText('No webhooks yet.'));
  });

  it('offers a viewer neither the page nor the schedule controls', async () => {
    await app.asAdmin('users.create', {
      name: VIEWER.name,
      role: 'viewer',
      password: VIEWER.password,
    });
    await app.signOut();
    await app.signIn(VIEWER.name, VIEWER.password);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await shown(nav.getByRole('link', { name: 'Automations' }));
    expect(await nav.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    const res = await page.goto(`${server.url}/webhooks`);
    expect(res?.status()).toBe(403);
    await page.goto(`${server.url}/automations/${targetId}/releases`);
    await shown(main().getByRole('region', { name: 'Scheduled upgrades' }));
    expect(await page.getByRole('button', { name: 'Schedule upgrade' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Cancel the upgrade/ }).count()).toBe(0);
  });
});
