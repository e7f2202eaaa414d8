// Browser scenario: conversation tests (issue 15). A suite for a project CB export stored on the
// Tests tab (a mistake named by its path, bot text escaped), run with results and coverage; a
// release freezes a failing suite, the target's preview shows the results and the outcome changes,
// the acceptor cannot upgrade, and the admin forces it.
import { fixture, suiteFor } from '@ferry/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, shown, startWebApp, type WebApp } from './harness';

let app: WebApp;
let page: WebApp['page'];
let dev: { id: string };
let prod: { id: string };
const button = (name: string) => page.getByRole('button', { name, exact: true });

beforeAll(async () => {
  app = await startWebApp();
  page = app.page;
  dev = await app.asAdmin('automations.import', {
    document: fixture('tile-showcase.json'),
    name: 'Cafe (Dev)',
  });
  prod = await app.asAdmin('automations.import', {
    document: fixture('tile-showcase.json'),
    name: 'Cafe (Prod)',
  });
});

afterAll(async () => {
  await app?.close();
});

describe('conversation tests in the browser', () => {
  it('stores the export’s suite on the Tests tab, refuses a mistake by path, and runs it', async () => {
    await page.goto(app.server.url + '/');
    await app.signIn('admin', ADMIN_PASSWORD);
    await page.goto(`${app.server.url}/automations/${dev.id}/tests`);
    await shown(page.getByText('No suite stored yet.'));

    await page
      .getByLabel('Suite')
      .fill(
        'tests:\n  - name: x\n    steps:\n      - user: hi\n        expect:\n          - says: hi\n',
      );
    await button('Save suite').click();
    await shown(page.getByRole('alert').getByText(/^tests\[0\]\.steps\[0\]\.expect\[0\]: /));

    await page.getByLabel('Suite').fill(suiteFor('tile-showcase.json').text);
    await button('Save suite').click();
    await shown(page.getByRole('status').getByText('Stored 1 test.'));

    await button('Run the suite').click();
    const results = page.getByLabel('Test results');
    await shown(results.getByText('1 passed, 0 failed, 0 inconclusive (of 1).'));
    await shown(results.getByRole('row', { name: /passed offers the four sections/ }));
    await shown(results.getByText(/^Coverage: \d+% of dialogs \(1\/6\)/));
    await app.screenshot('tests-tab');
  });

  it('tries a version in the chat and saves the conversation as a test', async () => {
    await app.asAdmin('versions.save', { automation: dev.id, name: 'menu' });
    await page.goto(`${app.server.url}/automations/${dev.id}/tests`);
    const tryIt = page.getByRole('region', { name: 'Try it' });
    await tryIt.getByLabel('Version (blank: working copy)').fill('1');
    await tryIt.getByLabel('Message').fill('hi');
    await tryIt.getByRole('button', { name: 'Send' }).click();
    const conversation = page.getByRole('list', { name: 'Conversation' });
    await shown(conversation.getByText(/four sections/));
    await shown(conversation.getByText('00 Menu', { exact: false }));
    await tryIt.getByLabel('Test name').fill('menu from chat');
    await tryIt.getByRole('button', { name: 'Save as test' }).click();
    await shown(
      page.getByRole('status').getByText('Saved the conversation as the test “menu from chat”.'),
    );
    await shown(page.getByText('2 tests, stored by admin', { exact: false }));
    await button('Run the suite').click();
    await shown(
      page.getByLabel('Test results').getByText('2 passed, 0 failed, 0 inconclusive (of 2).'),
    );
  });

  it('shows a failing frozen suite in the preview as a blocker, and the admin forces past it', async () => {
    // A failing test whose name and expectation carry markup: shown as text, never run.
    await app.asAdmin('tests.set', {
      automation: dev.id,
      text: `tests:\n  - name: "greets ${XSS}"\n    steps:\n      - user: hi\n        expect:\n          - contains: "${XSS}"\n`,
    });
    await app.asAdmin('releases.create', { source: dev.id, target: prod.id, version: '1.0.0' });
    await page.goto(`${app.server.url}/automations/${prod.id}/releases`);
    const tests = page.getByRole('region', { name: 'Conversation tests' });
    await shown(tests.getByText('0 passed, 1 failed, 0 inconclusive (of 1).'));
    await shown(tests.getByRole('row', { name: /failed greets/ }));
    await shown(tests.getByText(`Transcript of “greets ${XSS}” (failed)`));
    await shown(
      page
        .getByRole('region', { name: 'Why it cannot be upgraded now' })
        .getByText(/Conversation tests do not pass/),
    );
    expect(app.alerts).toEqual([]);
    await app.screenshot('release-tests-blocked');

    // The admin may force past failing tests: the upgrade dialog says so.
    await button('Upgrade anyway…').click();
    const confirm = page.getByRole('dialog', {
      name: 'Upgrade anyway Cafe (Prod) to release 1.0.0?',
    });
    await shown(confirm.getByText(/Conversation tests do not pass/));
    await confirm.getByRole('button', { name: 'Upgrade anyway to 1.0.0' }).click();
    await shown(page.getByText(/forced past 1 conversation tests that did not pass/));
    expect(app.alerts).toEqual([]);
  });
});
