// A PostgreSQL restart under load, played by a fault-injecting proxy between `ferry serve` and the
// database (never by stopping the shared cluster): the server process survives, requests during the
// outage get 503 UNAVAILABLE with a request id (the CLI exits 7), /readyz follows the database, and
// the server serves again by itself when the database is back.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  startFaultProxy,
  openTestDatabase,
  type FaultProxy,
  type TestDatabase,
} from '@ferry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVE_TOKEN, exited, ferry, serve, waitFor, type Served } from './support.js';
import { must } from '@ferry/core';

const WEB_BUILD = fileURLToPath(new URL('../../web/build/handler.js', import.meta.url));
const CLIENTS = 6;
const OUTAGES = 4;
const OUTAGE_MS = 2_000;

interface Tally {
  ok: number;
  unavailable: number;
  /** Anything else (a 500, a hang, a 503 without code or request id): must stay empty. */
  wrong: string[];
}

describe.skipIf(!process.env.DATABASE_URL)('a PostgreSQL restart under load', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let server: Served;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    proxy = await startFaultProxy(must(database.url, 'database.url'));
    server = await serve(['--port', '0'], {
      DATABASE_URL: proxy.url,
      FERRY_SECRET_KEY: randomBytes(32).toString('hex'),
    });
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
    await proxy?.close();
    await database?.close();
  });

  it('never kills the server: 503 UNAVAILABLE with a request id while down, served again after', async () => {
    const tally: Tally = { ok: 0, unavailable: 0, wrong: [] };
    const auth = { authorization: `Bearer ${SERVE_TOKEN}`, 'content-type': 'application/json' };
    const call = async (client: number, n: number) => {
      // Reads, and writes in a transaction (whose ROLLBACK after a cut crashed postgres-js 3.4.9).
      const init: RequestInit =
        n % 2
          ? { headers: auth }
          : {
              method: 'POST',
              headers: auth,
              body: JSON.stringify({ name: `load ${client}-${n}` }),
            };
      const path = n % 2 ? 'automations.list' : 'automations.create';
      try {
        const res = await fetch(`${server.url}/api/trpc/${path}`, {
          ...init,
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await res.json()) as { error?: { data?: Record<string, unknown> } };
        const data = body.error?.data;
        if (res.status === 200) tally.ok++;
        else if (
          res.status === 503 &&
          data?.ferryCode === 'UNAVAILABLE' &&
          typeof data.requestId === 'string' &&
          data.requestId === res.headers.get('x-request-id')
        )
          tally.unavailable++;
        else tally.wrong.push(`${path}: ${res.status} ${JSON.stringify(body)}`);
      } catch (e) {
        tally.wrong.push(`${path}: ${(e as Error).message}`);
      }
    };
    let stop = false;
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 0; !stop; n++) await call(client, n);
    });
    const status = async (path: string) => {
      try {
        return (await fetch(`${server.url}${path}`)).status;
      } catch (e) {
        // Say why: a server that died shows its last words.
        const died = server.child.exitCode !== null || server.child.signalCode !== null;
        throw new Error(
          `GET ${path}: ${(e as Error).message}${died ? `; the server died:\n${server.stderr().slice(-1500)}` : ''}`,
          { cause: e },
        );
      }
    };

    try {
      for (let outage = 0; outage < OUTAGES; outage++) {
        const okBefore = tally.ok;
        await waitFor('requests to succeed', () => tally.ok > okBefore);

        // The restart: every connection cut (mid-query for some), new ones refused for a while.
        expect(proxy.cut(outage % 2 ? 'reset' : 'end')).toBeGreaterThan(0);
        await proxy.refuse();
        const unavailableBefore = tally.unavailable;
        await waitFor('503s', () => tally.unavailable > unavailableBefore);
        expect(await status('/readyz')).toBe(503);
        expect(await status('/healthz')).toBe(200);
        const cli = await ferry([
          'automation',
          'list',
          '--url',
          server.url,
          '--token',
          SERVE_TOKEN,
        ]);
        expect(cli.code).toBe(7);
        expect(cli.stderr).toMatch(/cannot reach its database; try again shortly \(request \S+\)/);
        // The web UI (when built, as the README's run command serves it): a 503 page, not a crash.
        if (existsSync(WEB_BUILD)) {
          const page = await fetch(`${server.url}/automations`, { headers: auth });
          expect(page.status).toBe(503);
          const requestId = must(
            page.headers.get('x-request-id'),
            "page.headers.get('x-request-id')",
          );
          expect(await page.text()).toContain(`request ${requestId}`);
        }
        await new Promise((r) => setTimeout(r, OUTAGE_MS));
        expect(server.child.exitCode).toBeNull();

        // The database is back: the same process serves again, without a restart.
        await proxy.resume();
        await waitFor('/readyz to answer 200', async () => (await status('/readyz')) === 200);
      }
      const okBefore = tally.ok;
      await waitFor('requests to succeed after the last outage', () => tally.ok > okBefore);
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    expect(tally.wrong).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr()).not.toMatch(/TypeError|uncaught|unhandled/i);
    console.info(
      `database outages: ${OUTAGES}; requests: ${JSON.stringify({ ...tally, wrong: 0 })}`,
    );
  });
});
