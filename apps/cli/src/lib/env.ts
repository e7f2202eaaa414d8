// The one place the CLI reads the process environment; everything else gets these values passed in.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Whether to colour output: `auto` on a terminal, or forced on or off by the environment. */
export type ColorMode = 'auto' | 'always' | 'never';

export interface CliEnv {
  /** FERRY_URL / FERRY_TOKEN: below flags, above the saved config. */
  url: string | undefined;
  token: string | undefined;
  /** FERRY_TIMEOUT: seconds to wait for the server (below --timeout); checked where it is used. */
  timeout: string | undefined;
  /** FERRY_DEBUG=1: one line per HTTP call on stderr (method, path, status, time, request id). */
  debug: boolean;
  /** Where `ferry login` saves: $XDG_CONFIG_HOME, else ~/.config. */
  configHome: string;
  /** Where `ferry automation import --into` keeps its sync index: $XDG_CACHE_HOME, else ~/.cache. */
  cacheHome: string;
  /**
   * NO_COLOR (any non-empty value) turns colour off (no-color.org) and wins; FORCE_COLOR turns it
   * on where no terminal is (force-color.org), except FORCE_COLOR=0 or false, which turn it off.
   */
  color: ColorMode;
  /** What the offline commands (`admin rotate-key`, `backup restore`) open. */
  server: {
    dataDir: string | undefined;
    databaseUrl: string | undefined;
    secretKey: string | undefined;
    /** `ferry admin rotate-key`'s new key (FERRY_NEW_SECRET_KEY). */
    newSecretKey: string | undefined;
  };
  /** The environment `ferry serve` hands to the server's own parser (@ferry/api's parseServerEnv). */
  serverEnv: Readonly<Record<string, string | undefined>>;
}

const given = (value: string | undefined) =>
  value === undefined || value === '' ? undefined : value;

function colorOf(env: NodeJS.ProcessEnv): ColorMode {
  if (given(env.NO_COLOR) !== undefined) return 'never';
  const force = given(env.FORCE_COLOR);
  if (force === undefined) return 'auto';
  return /^(0|false)$/i.test(force) ? 'never' : 'always';
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    url: given(env.FERRY_URL),
    token: given(env.FERRY_TOKEN),
    timeout: given(env.FERRY_TIMEOUT),
    debug: /^(1|true|yes|on)$/i.test(env.FERRY_DEBUG ?? ''),
    configHome: given(env.XDG_CONFIG_HOME) ?? join(given(env.HOME) ?? homedir(), '.config'),
    cacheHome: given(env.XDG_CACHE_HOME) ?? join(given(env.HOME) ?? homedir(), '.cache'),
    color: colorOf(env),
    server: {
      dataDir: given(env.FERRY_DATA_DIR),
      databaseUrl: given(env.DATABASE_URL),
      secretKey: given(env.FERRY_SECRET_KEY),
      newSecretKey: given(env.FERRY_NEW_SECRET_KEY),
    },
    serverEnv: { ...env },
  };
}
