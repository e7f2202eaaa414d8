// The server's settings from the environment: every variable's default and accepted values, and a
// wrong value named in one line (exit 2 from the real entry point), with secrets never echoed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDataDir, builtEntry } from '@ferry/db/testing';
import { describe, expect, it } from 'vitest';
import { parseServerEnv, SERVER_VARIABLES } from './env.js';
import { ConfigError } from './startup-errors.js';

const problem = (env: Record<string, string>) => {
  try {
    parseServerEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('the server environment', () => {
  it('has a default for every setting when nothing is set (empty counts as unset)', () => {
    const defaults = {
      options: {
        port: 3000,
        host: '127.0.0.1',
        dataDir: './.ferry/data',
        maxRequestBytes: 50 * 1024 * 1024,
        trustProxy: false,
        webhookAllowPrivate: false,
      },
      logLevel: 'info',
    };
    expect(parseServerEnv({})).toEqual(defaults);
    expect(parseServerEnv(Object.fromEntries(SERVER_VARIABLES.map((v) => [v, ''])))).toEqual(
      defaults,
    );
  });

  it('reads every variable of the configuration table', () => {
    const key = randomBytes(32).toString('hex');
    expect(
      parseServerEnv({
        PORT: '8080',
        HOST: '0.0.0.0',
        FERRY_DATA_DIR: '/var/lib/ferry',
        DATABASE_URL: 'postgres://ferry:pw@db:5432/ferry',
        FERRY_SECRET_KEY: key,
        FERRY_ADMIN_PASSWORD: ' spaces kept ',
        FERRY_ADMIN_TOKEN: 'ferry_given_token',
        FERRY_MAX_REQUEST_MB: '1.5',
        LOG_LEVEL: 'debug',
        FERRY_TRUST_PROXY: 'yes',
        FERRY_WEB_DIR: '/srv/ferry-web',
        FERRY_WEBHOOK_ALLOW_PRIVATE: '1',
        UNRELATED: 'ignored',
      }),
    ).toEqual({
      options: {
        port: 8080,
        host: '0.0.0.0',
        dataDir: '/var/lib/ferry',
        databaseUrl: 'postgres://ferry:pw@db:5432/ferry',
        secretKey: key,
        adminPassword: ' spaces kept ',
        adminToken: 'ferry_given_token',
        maxRequestBytes: Math.floor(1.5 * 1024 * 1024),
        trustProxy: true,
        webhookAllowPrivate: true,
      },
      logLevel: 'debug',
      webDir: '/srv/ferry-web',
    });
    expect(parseServerEnv({ PORT: '0' }).options.port).toBe(0); // any free port
    expect(parseServerEnv({ FERRY_TRUST_PROXY: 'off' }).options.trustProxy).toBe(false);
    const base64 = randomBytes(32).toString('base64');
    expect(parseServerEnv({ FERRY_SECRET_KEY: base64 }).options.secretKey).toBe(base64);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT must be a port number from 0 to 65535, not "eighty"\.$/],
    [{ PORT: '65536' }, /^PORT must be a port number .*"65536"/],
    [{ PORT: '-1' }, /^PORT must be/],
    [{ FERRY_MAX_REQUEST_MB: '0' }, /^FERRY_MAX_REQUEST_MB must be a positive number .*"0"/],
    [{ FERRY_MAX_REQUEST_MB: 'lots' }, /^FERRY_MAX_REQUEST_MB must be a positive number/],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of fatal, error, .*silent, not "verbose"/],
    [{ FERRY_TRUST_PROXY: 'maybe' }, /^FERRY_TRUST_PROXY must be true or false .*"maybe"/],
    [
      { FERRY_WEBHOOK_ALLOW_PRIVATE: 'sometimes' },
      /^FERRY_WEBHOOK_ALLOW_PRIVATE must be true or false .*"sometimes"/,
    ],
    [{ FERRY_SECRET_KEY: 'too-short' }, /^FERRY_SECRET_KEY must be 32 bytes/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL\.$/],
  ])('names the variable of a wrong value: %o', (env, message) => {
    expect(problem(env)).toMatch(message);
  });

  it('names every wrong variable in one line and never echoes a secret', () => {
    const secret = 'pa55word-not-a-key';
    const message = problem({
      PORT: 'x',
      LOG_LEVEL: 'loud',
      FERRY_SECRET_KEY: secret,
      DATABASE_URL: `postgres//user:${secret}@`,
    });
    expect(message.split('\n')).toHaveLength(1);
    for (const name of ['PORT', 'LOG_LEVEL', 'FERRY_SECRET_KEY', 'DATABASE_URL'])
      expect(message).toContain(name);
    expect(message).not.toContain(secret);
  });
});

// The built server (fresh-build.ts rebuilds it first when its sources changed).
const mainJs = builtEntry('api', 'main.js');

/** The real entry point, its output kept, and its URL once it listens. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, [mainJs], {
    env: { ...process.env, DATABASE_URL: '', FERRY_SECRET_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /listening on (http:\/\/\S+?) /.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, exited, listening, out: () => ({ stdout, stderr }) };
}

describe('the server entry point (main.ts)', () => {
  it('logs JSON lines on stderr (as ferry serve does); stdout has only what a person reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-env-'));
    // initdb's cluster from the template: this test is about the streams, not about initdb.
    await seedDataDir(join(dir, 'data'));
    const run = startMain({
      PORT: '0',
      LOG_LEVEL: 'info',
      FERRY_DATA_DIR: join(dir, 'data'),
      FERRY_ADMIN_PASSWORD: 'admin-password-123',
      FERRY_ADMIN_TOKEN: 'ferry_env_test_token_0123456789',
    });
    try {
      const url = await run.listening;
      const res = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'probe-42' } });
      expect(res.headers.get('x-request-id')).toBe('probe-42');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      const { stdout, stderr } = run.out();
      expect(stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^Ferry is listening/)]);
      const logs = stderr
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs).toContainEqual(
        expect.objectContaining({ msg: 'request', requestId: 'probe-42', path: '/healthz' }),
      );
      expect(logs).toContainEqual(
        expect.objectContaining({ msg: expect.stringMatching(/draining/) }),
      );
    } finally {
      run.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
