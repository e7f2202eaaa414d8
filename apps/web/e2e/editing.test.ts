// Browser scenarios for editing an automation's working copy: dialogs (rename, add, delete),
// interactions (add, edit text and JSON, reorder, delete), stale edits that keep what was typed,
// the versions panel's Delete and Compare, escaping, and role gating — by role and visible text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, XSS, fixturePath, shown, startWebApp, type WebApp } from './harness';
import { must } from '@ferry/core';

const EDITOR = { name: 'eddie', password: 'editor-password-e2e' };
const VIEWER = { name: 'vic', password: 'viewer-password-e2e' };
const ACCEPTOR = { name: 'ace', password: 'acceptor-password-e2e' };

let app: WebApp;
let page: WebApp['page'];
let automationUrl: string;

const region = (dialogName: string) =>
  page.getByRole('region', { name: `Dialog ${dialogName}`, exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });
/** Opens a dialog from the page's dialog list (its interactions load when it is opened). */
const openDialog = async (dialogName: string) => {
  await page
    .getByRole('list', { name: 'Dialog list' })
    .getByRole('link', { name: dialogName, exact: true })
    .click();
  return shown(region(dialogName));
};
const modal = (name: string) => page.getByRole('dialog', { name, exact: true });
/** A dialog's entry in the page's dialog list. */
const listed = (dialogName: string) =>
  page
    .getByRole('list', { name: 'Dialog list' })
    .getByRole('link', { name: dialogName, exact: true });
/** The interactions of a dialog, by name, in the order the page shows them. */
const namesIn = (dialogName: string) =>
  region(dialogName).locator('ol > li > p > strong').allTextContents();
const revision = async () =>
  Number(
    must(
      /Revision (\d+)/.exec((await page.getByText(/^Revision \d+/).textContent()) ?? ''),
      '/Revision (\\d+)/.exec((await page.getByText(/^Revision \\d+/).textCo...',
    )[1],
  );
const automationId = () =>
  must(
    new URL(automationUrl).pathname.split('/')[2],
    "new URL(automationUrl).pathname.split('/')[2]",
  );

beforeAll(async () => {
  app = await startWebApp();
  ({ page } = app);
  for (const [user, role] of [
    [EDITOR, 'editor'],
    [VIEWER, 'viewer'],
    [ACCEPTOR, 'release-acceptor'],
  ] as const)
    await app.asAdmin('users.create', { name: user.name, role, password: user.password });
});

afterAll(async () => {
  await app?.close();
});

describe('editing an automation', () => {
  it('imports a fixture through the dashboard as an editor', async () => {
    await page.goto(app.server.url + '/');
    await app.signIn(EDITOR.name, EDITOR.password);
    await page.getByLabel('CB export file').setInputFiles(fixturePath('returns-desk.json'));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/automations\/[^/]+$/);
    automationUrl = page.url();
    // The page lists the dialogs with their interaction counts; none is open yet.
    await shown(page.getByRole('link', { name: '2 Back', exact: true }));
    expect(await page.getByRole('region', { name: /^Dialog / }).count()).toBe(0);
    await openDialog('2 Back');
  });

  it('renames a dialog, keeping the typed name after a validation error', async () => {
    await button('Rename dialog 2 Back').click();
    const rename = modal('Rename dialog “2 Back”');
    await rename.getByLabel('Name').fill('   ');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await shown(rename.getByText('must not be empty'));
    expect(await rename.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');

    await rename.getByLabel('Name').fill('2 Back (edited)');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await shown(page.getByText('Renamed dialog “2 Back” to “2 Back (edited)”.'));
    await shown(region('2 Back (edited)'));
    expect(await region('2 Back').count()).toBe(0);
    expect(await rename.isVisible()).toBe(false);
  });

  it('adds a dialog and text interactions to it', async () => {
    await button('Add dialog').click();
    const add = modal('Add dialog');
    await add.getByLabel('Name').fill('4 Goodbye');
    await add.getByRole('button', { name: 'Add dialog' }).click();
    await shown(region('4 Goodbye'));

    for (const [name, text] of [
      ['bye', 'Goodbye for now'],
      ['thanks', 'Thanks for visiting'],
    ]) {
      await button('Add interaction to 4 Goodbye').click();
      const dialog = modal('Add interaction to “4 Goodbye”');
      await dialog.getByLabel('Name').fill(must(name, 'name'));
      await dialog.getByLabel('Message text').fill(must(text, 'text'));
      await dialog.getByRole('button', { name: 'Add interaction' }).click();
      await shown(
        page.getByText(`Added the text interaction “${name}” at the end of “4 Goodbye”.`),
      );
      await shown(region('4 Goodbye').getByText(must(text, 'text')));
    }
    expect(await namesIn('4 Goodbye')).toEqual(['bye', 'thanks']);
  });

  it('edits an interaction’s message text and a quick reply’s title', async () => {
    await button('Edit bye').click();
    const edit = modal('Edit interaction “bye”');
    expect(await edit.getByLabel('Message text').inputValue()).toBe('Goodbye for now');
    await edit.getByLabel('Message text').fill('See you soon');
    await edit.getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved interaction “bye”.'));
    await shown(region('4 Goodbye').getByText('See you soon'));
    expect(await region('4 Goodbye').getByText('Goodbye for now').count()).toBe(0);

    await openDialog('1 Start');
    await button('Edit quick_reply_7').click();
    const quick = modal('Edit interaction “quick_reply_7”');
    expect(await quick.getByLabel('Quick reply 2').inputValue()).toBe('Back');
    await quick.getByLabel('Quick reply 2').fill('Go back');
    await app.screenshot('automation-editing');
    await quick.getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved interaction “quick_reply_7”.'));
    const buttons = page
      .getByRole('listitem')
      .filter({ hasText: 'quick_reply_7' })
      .getByRole('list', { name: 'Buttons' });
    expect(await buttons.getByRole('listitem').allTextContents()).toEqual(['Continue', 'Go back']);
    await openDialog('4 Goodbye');
  });

  it('edits an interaction’s full JSON, and keeps invalid JSON in place with a field error', async () => {
    await button('Edit thanks').click();
    const edit = modal('Edit interaction “thanks”');
    const json = edit.getByLabel('Content (JSON)');
    const content = JSON.parse(await json.inputValue()) as Record<string, unknown>;
    expect(content).toMatchObject({ name: 'thanks', interactionType: 'TEXT' });
    const broken = (await json.inputValue()).replace('"thanks"', '"thanks", oops');
    await json.fill(broken);
    await edit.getByRole('button', { name: 'Save' }).click();
    await shown(edit.getByText(/is not valid JSON/));
    expect(await json.inputValue()).toBe(broken);
    expect(await json.getAttribute('aria-invalid')).toBe('true');
    expect(await edit.isVisible()).toBe(true);

    // A valid edit of the JSON (a field CB has no plain field for here) is saved.
    await json.fill(JSON.stringify({ ...content, pattern: ['thank you'], name: 'thanks' }));
    await edit.getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved interaction “thanks”.'));
    await button('Edit thanks').click();
    const saved = JSON.parse(
      await modal('Edit interaction “thanks”').getByLabel('Content (JSON)').inputValue(),
    );
    expect(saved).toMatchObject({ pattern: ['thank you'], id: content.id });
    await modal('Edit interaction “thanks”').getByRole('button', { name: 'Cancel' }).click();
  });

  it('reorders interactions with Move up / Move down, by mouse and keyboard', async () => {
    expect(await button('Move up bye').isDisabled()).toBe(true);
    await button('Move down bye').click();
    await shown(page.getByText('Moved “bye” down.'));
    expect(await namesIn('4 Goodbye')).toEqual(['thanks', 'bye']);

    await button('Move up bye').focus();
    await page.keyboard.press('Enter');
    await shown(page.getByText('Moved “bye” up.'));
    expect(await namesIn('4 Goodbye')).toEqual(['bye', 'thanks']);
    // The focus stays with the moved interaction (Move up is now disabled: its twin).
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Move down bye',
    );
  });

  it('refuses a stale move with the reload message, then moves after the reload', async () => {
    await app.asAdmin('editing.addDialog', {
      automation: automationId(),
      baseRevision: await revision(),
      dialog: { name: 'Added while moving' },
    });
    await button('Move down bye').click();
    await shown(
      page
        .getByRole('alert')
        .getByText('This automation was changed by someone else — reload to see their changes'),
    );
    expect(await namesIn('4 Goodbye')).toEqual(['bye', 'thanks']);
    await button('Reload').click();
    await shown(listed('Added while moving'));
    await button('Move down bye').click();
    await shown(page.getByText('Moved “bye” down.'));
    expect(await namesIn('4 Goodbye')).toEqual(['thanks', 'bye']);
    await button('Move up bye').click();
    await shown(page.getByText('Moved “bye” up.'));
    expect(await namesIn('4 Goodbye')).toEqual(['bye', 'thanks']);
  });

  it('deletes an interaction only after a confirmation naming it', async () => {
    await button('Delete thanks').click();
    const confirm = modal('Delete interaction “thanks”?');
    await shown(confirm.getByText(/deletes the interaction “thanks” from the dialog “4 Goodbye”/));
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await namesIn('4 Goodbye')).toEqual(['bye', 'thanks']);

    await button('Delete thanks').click();
    await confirm.getByRole('button', { name: 'Delete interaction “thanks”' }).click();
    await shown(page.getByText('Deleted interaction “thanks”.'));
    expect(await namesIn('4 Goodbye')).toEqual(['bye']);
  });

  it('refuses a stale edit with a reload message, keeping everything typed', async () => {
    await button('Edit bye').click();
    const edit = modal('Edit interaction “bye”');
    await edit.getByLabel('Message text').fill('Typed before the conflict');
    await edit.getByLabel('Name').fill('bye-renamed');

    // Someone else changes the automation meanwhile.
    await app.asAdmin('editing.addDialog', {
      automation: automationId(),
      baseRevision: await revision(),
      dialog: { name: 'Added by admin' },
    });

    await edit.getByRole('button', { name: 'Save' }).click();
    const alert = edit.getByRole('alert');
    await shown(
      alert.getByText('This automation was changed by someone else — reload to see their changes'),
    );
    expect(await edit.isVisible()).toBe(true);
    expect(await edit.getByLabel('Message text').inputValue()).toBe('Typed before the conflict');
    expect(await edit.getByLabel('Name').inputValue()).toBe('bye-renamed');
    expect(await listed('Added by admin').count()).toBe(0);
    await app.screenshot('stale-edit');

    await edit.getByRole('button', { name: 'Reload' }).click();
    await shown(edit.getByText(/Reloaded: the page shows their changes now/));
    await shown(listed('Added by admin'));
    expect(await edit.getByLabel('Message text').inputValue()).toBe('Typed before the conflict');

    await edit.getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved interaction “bye-renamed”.'));
    await shown(region('4 Goodbye').getByText('Typed before the conflict'));
    await shown(listed('Added by admin'));
  });

  it('deletes a dialog only after a confirmation naming it', async () => {
    await openDialog('Added by admin');
    const deletedUrl = page.url();
    await button('Delete dialog Added by admin').click();
    const confirm = modal('Delete dialog “Added by admin”?');
    await shown(confirm.getByText(/deletes the dialog “Added by admin” and its 0 interactions/));
    await confirm.getByRole('button', { name: 'Delete dialog “Added by admin”' }).click();
    await shown(page.getByText('Deleted dialog “Added by admin” and its 0 interactions.'));
    expect(await region('Added by admin').count()).toBe(0);
    expect(await listed('Added by admin').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('dialog')).toBeNull();
    // A link to it kept from before says it is gone, and the list still shows.
    await page.goto(deletedUrl);
    await shown(
      page.getByRole('alert').getByText(/^There is no dialog with id “.+” in the working/),
    );
    await shown(listed('4 Goodbye'));
  });

  it('shows an interaction written in HTML as text, running none of it', async () => {
    await openDialog('4 Goodbye');
    await button('Add interaction to 4 Goodbye').click();
    const dialog = modal('Add interaction to “4 Goodbye”');
    await dialog.getByLabel('Name').fill(XSS);
    await dialog.getByLabel('Message text').fill(XSS);
    await dialog.getByRole('button', { name: 'Add interaction' }).click();
    await shown(region('4 Goodbye').getByText(XSS).first());
    expect(await namesIn('4 Goodbye')).toEqual(['bye-renamed', XSS]);
    await button(`Edit ${XSS}`).click();
    const edit = modal(`Edit interaction “${XSS}”`);
    expect(await edit.getByLabel('Message text').inputValue()).toBe(XSS);
    await edit.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('main img').count()).toBe(0);
    expect(app.alerts).toEqual([]);
  });

  it('offers an editor Compare links but no version Delete', async () => {
    await button('Save current version').click();
    const save = modal('Save current version');
    await save.getByLabel('Name').fill('Edited');
    await save.getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved version #1 “Edited”.'));
    const compare = page.getByRole('link', { name: 'Compare #1 Edited with the working copy' });
    expect(await compare.getAttribute('href')).toBe(`/automations/${automationId()}/diff?from=1`);
    expect(await button('Delete #1 Edited').count()).toBe(0);
  });

  it('deletes a version only after a confirmation (delete-version permission)', async () => {
    await app.signOut();
    await app.signIn('admin', ADMIN_PASSWORD);
    await page.goto(automationUrl);
    await button('Save current version').click();
    await modal('Save current version').getByLabel('Name').fill('Scratch');
    await modal('Save current version').getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved version #2 “Scratch”.'));

    await button('Delete #2 Scratch').click();
    const confirm = modal('Delete version #2 “Scratch”?');
    await shown(confirm.getByText(/deleted for good/));
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await shown(page.getByRole('row', { name: /#2 Scratch/ }));

    await button('Delete #2 Scratch').click();
    await confirm.getByRole('button', { name: 'Delete version #2' }).click();
    await shown(page.getByText('Deleted version #2 “Scratch”.'));
    expect(await page.getByRole('row', { name: /#2 Scratch/ }).count()).toBe(0);
    await shown(page.getByRole('row', { name: /#1 Edited/ }));

    // A refusal by the server is shown in the confirmation, in the server's words.
    await button('Save current version').click();
    await modal('Save current version').getByLabel('Name').fill('Scratch 2');
    await modal('Save current version').getByRole('button', { name: 'Save' }).click();
    await shown(page.getByText('Saved version #3 “Scratch 2”.'));
    await button('Delete #3 Scratch 2').click();
    await app.asAdmin('versions.delete', { automation: automationId(), version: 3 });
    const refused = modal('Delete version #3 “Scratch 2”?');
    await refused.getByRole('button', { name: 'Delete version #3' }).click();
    await shown(refused.getByRole('alert').getByText('There is no version "3".'));
    await refused.getByRole('button', { name: 'Cancel' }).click();
  });

  it('offers a viewer and a release-acceptor no edit controls, and refuses a crafted edit', async () => {
    for (const user of [VIEWER, ACCEPTOR]) {
      await app.signOut();
      await app.signIn(user.name, user.password);
      await page.goto(automationUrl);
      await openDialog('4 Goodbye');
      await shown(region('4 Goodbye').getByText('Typed before the conflict'));
      await shown(page.getByRole('link', { name: 'Compare #1 Edited with the working copy' }));
      for (const name of [
        /^Rename/,
        /^Add dialog/,
        /^Add interaction/,
        /^Delete/,
        /^Edit/,
        /^Move/,
        /^Restore/,
        /^Save current version/,
      ])
        expect(await page.getByRole('button', { name }).count(), String(name)).toBe(0);
      // Only roles that may edit get each interaction's raw JSON with the page (CB's link fields
      // appear nowhere in the readable view).
      const html = await (await page.request.get(page.url())).text();
      expect(html).toContain('Typed before the conflict');
      expect(html).not.toContain('nextMessageId');
    }

    const openedId = new URL(page.url()).searchParams.get('dialog');
    const refused = await page.request.post(`${automationUrl}?/addDialog`, {
      headers: { origin: app.server.url, 'x-sveltekit-action': 'true' },
      form: { name: 'sneaky', baseRevision: String(await revision()) },
    });
    const body = (await refused.json()) as { type: string; status: number; data: string };
    expect(body).toMatchObject({ type: 'failure', status: 403 });
    expect(body.data).toContain('may not do this');

    await app.signOut();
    await app.signIn('admin', ADMIN_PASSWORD);
    expect(await (await page.request.get(`${automationUrl}?dialog=${openedId}`)).text()).toContain(
      'nextMessageId',
    );
  });
});
