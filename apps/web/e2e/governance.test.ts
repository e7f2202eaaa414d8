// Browser scenario: release governance (issue 14). With two approvals required, the pending
// release's preview says who approved so far and blocks the upgrade; two acceptors approve
// (the creator may not), a comment with markup shows as text, the release page shows the notes
// under the dialog's name, a rejection reason shows as such in the history, and one automation is
// compared against another. Set-up the scenario is not about goes through asAdmin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, fixture, shown, startWebApp, type WebApp } from './harness';

const ALICE = { name: 'alice', password: 'acceptor-password-alice' };
const BOB = { name: 'bob', password: 'acceptor-password-bob' };

let app: WebApp;
let page: WebApp['page'];
let dev: { id: string; revision: number };
let prod: { id: string; revision: number };
let release: { id: string };
/** The first dialog of the export, and an interaction in it that Dev renames. */
let dialogName: string;
const prodReleases = () => `${app.server.url}/automations/${prod.id}/releases`;

beforeAll(async () => {
  app = await startWebApp();
  page = app.page;
  const doc = JSON.parse(fixture('returns-desk.json')) as {
    groups: { id: string; name: string }[];
    conversationMessage: { id: string; name: string; group: string }[];
  };
  prod = await app.asAdmin('automations.import', { document: JSON.stringify(doc), name: 'Prod' });
  const message = doc.conversationMessage.find((m) => m.group !== undefined);
  if (!message) throw new Error('the fixture has no interaction in a dialog');
  dialogName = doc.groups.find((g) => g.id === message.group)?.name ?? '';
  message.name = 'Ask for the <i>order</i> number';
  dev = await app.asAdmin('automations.import', { document: JSON.stringify(doc), name: 'Dev' });
  for (const user of [ALICE, BOB])
    await app.asAdmin('users.create', { ...user, role: 'release-acceptor' });
  await app.asAdmin('admin.setPolicy', { requiredApprovals: 2 });
  release = await app.asAdmin('releases.create', {
    source: dev.id,
    target: prod.id,
    version: '1.0.0',
    description: 'Order numbers',
  });
});

afterAll(async () => {
  await app?.close();
});

describe('release governance in the browser', () => {
  it('the creator sees the approvals needed and cannot approve; a comment shows as text', async () => {
    await page.goto(app.server.url + '/');
    await app.signIn('admin', ADMIN_PASSWORD);
    await page.goto(prodReleases());
    await shown(page.getByRole('heading', { name: 'Approvals: 0 of 2 required' }));
    await shown(
      page.getByText('Release 1.0.0 needs 2 approvals before an upgrade; it has none so far.'),
    );
    await shown(page.getByText('You created release 1.0.0: its approvals come from other users.'));
    expect(await page.getByRole('button', { name: 'Approve 1.0.0' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Upgrade', exact: true }).isDisabled()).toBe(
      true,
    );

    await page.getByLabel('Comment', { exact: true }).fill(XSS);
    await page.getByRole('button', { name: 'Add comment' }).click();
    await shown(page.getByText('Comment added to release 1.0.0.'));
    await shown(page.getByRole('list', { name: 'Comments' }).getByText(XSS));
    expect(app.alerts).toEqual([]);
    await app.signOut();
  });

  it('two acceptors approve, each once; then approvals no longer block the upgrade', async () => {
    await app.signIn(ALICE.name, ALICE.password);
    await page.goto(prodReleases());
    await page.getByLabel('Approval comment (optional)').fill('Checked the wording');
    await page.getByRole('button', { name: 'Approve 1.0.0' }).click();
    await shown(page.getByText('Approved release 1.0.0: 1 of 2 required.'));
    await shown(page.getByRole('heading', { name: 'Approvals: 1 of 2 required' }));
    await shown(page.getByRole('list', { name: 'Approvals' }).getByText('Checked the wording'));
    await shown(page.getByText('it has 1 so far, by alice.'));
    await shown(page.getByText('You approved release 1.0.0.'));
    expect(await page.getByRole('button', { name: 'Approve 1.0.0' }).count()).toBe(0);
    await app.signOut();

    await app.signIn(BOB.name, BOB.password);
    await page.goto(prodReleases());
    await page.getByRole('button', { name: 'Approve 1.0.0' }).click();
    await shown(page.getByText('Approved release 1.0.0: 2 of 2 required.'));
    await shown(page.getByRole('heading', { name: 'Approvals: 2 of 2 required' }));
    expect(await page.getByText('needs 2 approvals before an upgrade').count()).toBe(0);
    await app.screenshot('governance-approved');
  });

  it('the release page shows the notes under the dialog name, and the approvals', async () => {
    await page.getByRole('link', { name: 'Release notes of 1.0.0' }).click();
    await page.waitForURL(new RegExp(`/releases/${release.id}$`));
    await shown(page.getByRole('heading', { name: 'Release 1.0.0', level: 1 }));
    const notes = page.getByRole('article', { name: 'Release notes 1.0.0' });
    await shown(notes.getByText('Order numbers'));
    await shown(notes.getByRole('heading', { name: `Dialog “${dialogName}”` }));
    await shown(notes.getByText('interaction “Ask for the <i>order</i> number”'));
    await shown(page.getByRole('heading', { name: 'Approvals: 2 of 2 required' }));
    await app.screenshot('governance-release-page');
    await app.signOut();
  });

  it('a rejection reason shows as such in the history, and automations compare', async () => {
    await app.signIn('admin', ADMIN_PASSWORD);
    await app.asAdmin('releases.reject', { target: prod.id, reason: 'Wait for legal' });
    await page.goto(prodReleases());
    await shown(page.getByText('Rejection reason: Wait for legal'));
    await shown(page.getByText('Approved by alice, bob'));

    await page.goto(`${app.server.url}/automations/${dev.id}/against`);
    await page.getByLabel('Against', { exact: true }).selectOption({ label: 'Prod' });
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/against=/);
    await shown(page.getByText('1 interaction changed.'));
    await shown(page.getByText(dialogName).first());
    await app.screenshot('governance-against');
  });
});
