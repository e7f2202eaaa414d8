// The connection to a Ferry server: flags > environment (FERRY_URL, FERRY_TOKEN) > what
// `ferry login` saved in $XDG_CONFIG_HOME/ferry/config.json (mode 0600: it holds a token).
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

export interface SavedConfig {
  url?: string;
  token?: string;
}

export type Source = 'flag' | 'env' | 'config';

export interface Connection {
  url: string | undefined;
  token: string | undefined;
  urlSource: Source | undefined;
  tokenSource: Source | undefined;
}

export const configPath = (configHome: string) => join(configHome, 'ferry', 'config.json');

export function readConfig(path: string): SavedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError('usage', `Cannot read the config file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      'usage',
      `The config file ${path} is not valid JSON; run "ferry login" again or delete it.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError('usage', `The config file ${path} must hold a JSON object.`);
  const { url, token } = parsed as Record<string, unknown>;
  return {
    ...(typeof url === 'string' && { url }),
    ...(typeof token === 'string' && { token }),
  };
}

/** Write atomically, readable by the user only (the file holds an API token). */
export function writeConfig(path: string, config: SavedConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function removeConfig(path: string): boolean {
  try {
    rmSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

export function resolveConnection(
  flags: { url?: string | undefined; token?: string | undefined },
  env: { url?: string | undefined; token?: string | undefined },
  saved: SavedConfig,
): Connection {
  const pick = (key: 'url' | 'token'): [string | undefined, Source | undefined] =>
    flags[key] !== undefined
      ? [flags[key], 'flag']
      : env[key] !== undefined
        ? [env[key], 'env']
        : saved[key] !== undefined
          ? [saved[key], 'config']
          : [undefined, undefined];
  const [url, urlSource] = pick('url');
  const [token, tokenSource] = pick('token');
  return { url, token, urlSource, tokenSource };
}

/** The server's base URL: http(s), without a trailing slash or the `/api/trpc` path. */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CliError(
      'usage',
      `"${raw}" is not a URL; give the server's base URL, e.g. http://127.0.0.1:3000.`,
      { path: 'url' },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(
      'usage',
      `The server URL must start with http:// or https:// (got "${raw}").`,
      {
        path: 'url',
      },
    );
  url.search = '';
  url.hash = '';
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/api\/trpc$/, '');
}
