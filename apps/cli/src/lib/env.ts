// The one place the CLI reads the process environment; everything else gets these values passed in.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CliEnv {
  /** FERRY_URL / FERRY_TOKEN: below flags, above the saved config. */
  url: string | undefined;
  token: string | undefined;
  /** Where `ferry login` saves: $XDG_CONFIG_HOME, else ~/.config. */
  configHome: string;
  /** NO_COLOR set to anything but the empty string turns colour off (no-color.org). */
  noColor: boolean;
  /** What `ferry serve` passes to the server, as the README's run command does. */
  server: {
    port: string | undefined;
    host: string | undefined;
    dataDir: string | undefined;
    databaseUrl: string | undefined;
    secretKey: string | undefined;
    /** `ferry admin rotate-key`'s new key (FERRY_NEW_SECRET_KEY). */
    newSecretKey: string | undefined;
    /** FERRY_TRUST_PROXY: believe X-Forwarded-Proto/-For from a reverse proxy. */
    trustProxy: string | undefined;
    adminPassword: string | undefined;
    adminToken: string | undefined;
    maxRequestMb: string | undefined;
    logLevel: string | undefined;
    /** The web UI's SvelteKit build (FERRY_WEB_DIR); default: apps/web/build beside this CLI. */
    webDir: string | undefined;
  };
}

const given = (value: string | undefined) =>
  value === undefined || value === '' ? undefined : value;

export function readEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    url: given(env.FERRY_URL),
    token: given(env.FERRY_TOKEN),
    configHome: given(env.XDG_CONFIG_HOME) ?? join(given(env.HOME) ?? homedir(), '.config'),
    noColor: given(env.NO_COLOR) !== undefined,
    server: {
      port: given(env.PORT),
      host: given(env.HOST),
      dataDir: given(env.FERRY_DATA_DIR),
      databaseUrl: given(env.DATABASE_URL),
      secretKey: given(env.FERRY_SECRET_KEY),
      newSecretKey: given(env.FERRY_NEW_SECRET_KEY),
      trustProxy: given(env.FERRY_TRUST_PROXY),
      adminPassword: given(env.FERRY_ADMIN_PASSWORD),
      adminToken: given(env.FERRY_ADMIN_TOKEN),
      maxRequestMb: given(env.FERRY_MAX_REQUEST_MB),
      logLevel: given(env.LOG_LEVEL),
      webDir: given(env.FERRY_WEB_DIR),
    },
  };
}

/**
 * The web UI's adapter-node reads its settings from the environment when it loads: uploads (CB
 * exports) may be as large as the API accepts, unless the user set a limit.
 */
export function setWebBodyLimit(bytes: number, env: NodeJS.ProcessEnv = process.env): void {
  env.BODY_SIZE_LIMIT ??= String(bytes);
}
