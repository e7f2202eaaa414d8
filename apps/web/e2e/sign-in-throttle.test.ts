// Browser scenario: after five wrong passwords the sign-in page refuses even the right one and says
// when to try again, and the lockout is in the audit log (see harness.ts for the set-up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shown, startWebApp, type WebApp } from './harness';

const USER = { name: 'lena', password: 'lena-password-e2e' };

let app: WebApp;

beforeAll(async () => {
  app = await startWebApp();
  await app.asAdmin('users.create', { ...USER, role: 'viewer' });
});

afterAll(async () => {
  await app?.close();
});

describe('signing in after too many wrong passwords', () => {
  it('refuses the right password with "Try again in 15 minutes" and keeps the username', async () => {
    const { page, server } = app;
    await page.goto(server.url + '/');
    const attempt = async (password: string) => {
      await page.getByLabel('Username').fill(USER.name);
      await page.getByLabel('Password').fill(password);
      // Each answer is awaited: the message of a wrong password is the same every time.
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
    };
    for (let i = 0; i < 5; i++) {
      await attempt(`wrong-${i}`);
      await shown(page.getByRole('alert').getByText('Wrong user name or password.'));
    }
    await attempt(USER.password);
    const alert = await shown(
      page
        .getByRole('alert')
        .getByText('Too many failed sign-ins. Try again in 15 minutes.', { exact: true }),
    );
    expect(await alert.count()).toBe(1);
    expect(page.url()).toBe(server.url + '/');
    expect(await page.getByLabel('Username').inputValue()).toBe(USER.name);
    expect(await page.getByLabel('Username').getAttribute('aria-describedby')).toBe('signin-error');
    await app.screenshot('sign-in-throttled');

    // Over HTTP the same refusal is a 429 with Retry-After.
    const direct = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(USER),
    });
    expect(direct.status).toBe(429);
    expect(Number(direct.headers.get('retry-after'))).toBeGreaterThan(0);

    const audit = await app.adminQuery<{ entries: { details: Record<string, unknown> }[] }>(
      'audit.list',
      { action: 'auth.throttled' },
    );
    expect(audit.entries.map((e) => e.details)).toEqual([
      expect.objectContaining({ scope: 'account', name: USER.name, address: '127.0.0.1' }),
    ]);
  });
});
