// What every browser scenario file shares: the built web UI served by the Ferry server in-process
// (as `pnpm start` does) on a loopback port with a fresh embedded database, Debian's Chromium
// driving it at 1280×800, and helpers to find things by role and visible text. Each test file
// calls `startWebApp()` in its beforeAll and `app.close()` in its afterAll; the files run one
// after the other in one process (vitest.config.ts), which launches Chromium once: each file gets
// a browser context of its own (its own cookies, cache and storage, as a new profile would).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWebFallback, startServer, type RunningServer, type ServerOptions } from '@ferry/api';
import { seedMigratedDataDir } from '@ferry/db/testing';
import pino from 'pino';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';
import { expect } from 'vitest';
import { must } from '@ferry/core';

export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'admin-password-e2e';
export const XSS = '<img src=x onerror=alert(1)>';
/** The CB exports scenarios import (packages/fixtures): a file's text, or its path for an upload. */
export { fixture, fixturePath } from '@ferry/fixtures';
const buildDir = fileURLToPath(new URL('../build', import.meta.url));
const shots = fileURLToPath(new URL('./screenshots/', import.meta.url));

export interface WebApp {
  server: RunningServer;
  context: BrowserContext;
  page: Page;
  /** Messages of every alert/confirm/prompt the page opened (an XSS payload would add one). */
  alerts: string[];
  /** Console messages reporting a Content-Security-Policy violation (a script or style refused). */
  cspViolations: string[];
  /** Waits until the locator shows (Playwright's own `expect` is not part of playwright-core). */
  shown: (locator: Locator) => Promise<Locator>;
  /** Saves a full-page screenshot as e2e/screenshots/<name>.png (git-ignored). */
  screenshot: (name: string) => Promise<void>;
  /** Signs in through the form and waits for the dashboard. */
  signIn: (name: string, password: string) => Promise<void>;
  /** Signs out through the header's button. */
  signOut: () => Promise<void>;
  /** Calls an API mutation as the admin and returns its result (set-up the scenario is not about). */
  asAdmin: <T = unknown>(procedure: string, input: unknown) => Promise<T>;
  /** Calls an API query as the admin (tRPC serves queries over GET only). */
  adminQuery: <T = unknown>(procedure: string, input: unknown) => Promise<T>;
  close: () => Promise<void>;
}

export const shown = async (locator: Locator) => {
  // An assertion (it fails the test when the locator never shows), counted as one by vitest.
  await expect(
    locator.first().waitFor({ state: 'visible', timeout: 10_000 }),
    `expected ${String(locator)} to show`,
  ).resolves.toBeUndefined();
  return locator;
};

let browser: Promise<Browser> | undefined;

/**
 * The Chromium this process's scenario files share, launched by the first. Playwright closes it
 * when the process ends; a crashed one is launched again.
 */
function sharedBrowser(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return browser.then((b) => {
    if (b.isConnected()) return b;
    browser = undefined;
    return sharedBrowser();
  });
}

/**
 * Holds back the app's own scripts (`/_app/immutable/…`) until the returned function is called:
 * the page is on screen and usable before it hydrates, as on a slow connection.
 */
export async function holdScripts(page: Page): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/_app/immutable/**/*.js', async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** `options`: more server settings (e.g. webhookAllowPrivate for a receiver on 127.0.0.1). */
export async function startWebApp(options: Partial<ServerOptions> = {}): Promise<WebApp> {
  mkdirSync(shots, { recursive: true });
  // initdb's cluster is there already, migrated (several CPU-seconds saved per scenario).
  const dataDir = await seedMigratedDataDir(mkdtempSync(join(tmpdir(), 'ferry-web-e2e-')));
  const server = await startServer({
    port: 0,
    dataDir,
    adminPassword: ADMIN_PASSWORD,
    logger: pino({ level: 'silent' }),
    announce: () => {},
    fallback: await loadWebFallback(buildDir),
    ...options,
  });
  const context = await (
    await sharedBrowser()
  ).newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const alerts: string[] = [];
  page.on('dialog', (dialog) => {
    alerts.push(dialog.message());
    void dialog.dismiss();
  });
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  let adminCookie: string | undefined;
  const call = async (procedure: string, input: unknown, cookie?: string) =>
    fetch(`${server.url}/api/trpc/${procedure}`, {
      method: 'POST',
      // Same-origin, as the UI's own pages would call it: the server refuses cookie-signed API
      // calls from any other origin.
      headers: {
        'content-type': 'application/json',
        origin: server.url,
        ...(cookie && { cookie }),
      },
      body: JSON.stringify(input),
    });
  const signedInAsAdmin = async () => {
    if (!adminCookie) {
      const login = await call('auth.login', { name: 'admin', password: ADMIN_PASSWORD });
      adminCookie = must(
        must(login.headers.get('set-cookie'), "login.headers.get('set-cookie')").split(';')[0],
        "login.headers.get('set-cookie')!.split(';')[0]",
      );
    }
    return adminCookie;
  };
  const result = async <T>(res: Response) => {
    const body = (await res.json()) as { result?: { data: T }; error?: unknown };
    expect(res.status, JSON.stringify(body.error)).toBe(200);
    return must(body.result, 'body.result').data;
  };

  return {
    server,
    context,
    page,
    alerts,
    cspViolations,
    shown,
    screenshot: async (name) => {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    },
    signIn: async (name, password) => {
      await page.getByLabel('Username').fill(name);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/automations$/);
    },
    signOut: async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await shown(page.getByRole('heading', { name: 'Sign in to Ferry' }));
    },
    asAdmin: async <T>(procedure: string, input: unknown) =>
      result<T>(await call(procedure, input, await signedInAsAdmin())),
    adminQuery: async <T>(procedure: string, input: unknown) => {
      const query = encodeURIComponent(JSON.stringify(input));
      const res = await fetch(`${server.url}/api/trpc/${procedure}?input=${query}`, {
        headers: { cookie: await signedInAsAdmin() },
      });
      return result<T>(res);
    },
    close: async () => {
      await context.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
