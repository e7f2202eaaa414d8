import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, normaliseUrl, readConfig, resolveConnection, writeConfig } from './config.js';
import { CliError } from './errors.js';

describe('the connection', () => {
  it('takes flags over the environment over the saved login, per value', () => {
    const saved = { url: 'http://saved:1', token: 'saved-token' };
    expect(resolveConnection({}, {}, saved)).toMatchObject({
      ...saved,
      urlSource: 'config',
      tokenSource: 'config',
    });
    expect(resolveConnection({}, { url: 'http://env:1' }, saved)).toMatchObject({
      url: 'http://env:1',
      urlSource: 'env',
      token: 'saved-token',
      tokenSource: 'config',
    });
    expect(
      resolveConnection({ token: 'flag' }, { url: 'http://env:1', token: 'env' }, saved),
    ).toMatchObject({
      url: 'http://env:1',
      token: 'flag',
      tokenSource: 'flag',
    });
    expect(resolveConnection({}, {}, {})).toMatchObject({ url: undefined, token: undefined });
  });

  it("normalises the server's base URL and refuses what is not http(s)", () => {
    expect(normaliseUrl('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000');
    expect(normaliseUrl(' https://ferry.example.com/api/trpc/ ')).toBe('https://ferry.example.com');
    expect(normaliseUrl('http://host/ferry/')).toBe('http://host/ferry');
    expect(() => normaliseUrl('127.0.0.1:3000')).toThrow(CliError);
    expect(() => normaliseUrl('not a url')).toThrow(/not a URL/);
  });
});

describe('the saved login', () => {
  const home = () => mkdtempSync(join(tmpdir(), 'ferry-config-'));

  it('lives in $XDG_CONFIG_HOME/ferry/config.json, readable by the user only', () => {
    const path = configPath(home());
    writeConfig(path, { url: 'http://a:1', token: 't' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readConfig(path)).toEqual({ url: 'http://a:1', token: 't' });
    writeConfig(path, { url: 'http://b:2', token: 'u' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ url: 'http://b:2', token: 'u' });
  });

  it('is empty when missing, and a clear usage error when unreadable', () => {
    expect(readConfig(join(home(), 'none.json'))).toEqual({});
    const bad = join(home(), 'config.json');
    writeFileSync(bad, '{ nope');
    expect(() => readConfig(bad)).toThrow(/not valid JSON/);
  });
});
