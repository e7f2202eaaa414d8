// The server's settings, read from the environment in one place: `node dist/main.js` and `ferry
// serve` both start from parseServerEnv(), so a wrong value gets the same one-line error everywhere.
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { logSerializers } from './log-errors.js';
import { parseSecretKey } from './secret-key.js';
import type { ServerOptions } from './server.js';
import { ConfigError, parsePort, parseSwitch } from './startup-errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './.ferry/data';
export const DEFAULT_MAX_REQUEST_MB = 50;

/** What the environment says about the server; each entry point adds its flags and its parts. */
export interface ServerEnv {
  /** startServer's settings, as they are (the entry point adds the logger and the web UI). */
  options: Required<
    Pick<
      ServerOptions,
      'port' | 'host' | 'dataDir' | 'maxRequestBytes' | 'trustProxy' | 'webhookAllowPrivate'
    >
  > &
    Pick<ServerOptions, 'databaseUrl' | 'secretKey' | 'adminPassword' | 'adminToken'>;
  logLevel: LogLevel;
  /** The web UI's build (FERRY_WEB_DIR); unset: the entry point's own default. */
  webDir?: string;
}

type Check<T> = (value: string) => T | { problem: string };
const isProblem = (v: unknown): v is { problem: string } =>
  typeof v === 'object' && v !== null && 'problem' in v;

/**
 * One variable: unset or empty means `fallback`; otherwise `check` turns the text into a value or
 * names the problem (the message starts with the variable's name and quotes the value only when it
 * is no secret).
 */
function variable<T>(check: Check<T>, fallback: T) {
  return z
    .string()
    .optional()
    .transform((value, ctx): T => {
      if (value === undefined || value === '') return fallback;
      const result = check(value);
      if (!isProblem(result)) return result;
      ctx.addIssue({ code: 'custom', message: result.problem });
      return z.NEVER;
    });
}

const text: Check<string> = (v) => v;
const quoted = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** A check from a parser that throws a ConfigError naming the variable. */
const throwing =
  <T>(parse: (value: string) => T): Check<T> =>
  (v) => {
    try {
      return parse(v);
    } catch (e) {
      if (e instanceof ConfigError) return { problem: e.message };
      throw e;
    }
  };

const databaseUrl: Check<string> = (v) => {
  // Never quoted: the URL may hold a password.
  if (!URL.canParse(v)) return { problem: 'DATABASE_URL is not a valid URL.' };
  return v;
};

const maxRequestBytes: Check<number> = (v) => {
  const mb = Number(v);
  return v.trim() !== '' && Number.isFinite(mb) && mb > 0
    ? Math.floor(mb * 1024 * 1024)
    : { problem: `FERRY_MAX_REQUEST_MB must be a positive number of megabytes, not ${quoted(v)}.` };
};

const logLevel: Check<LogLevel> = (v) =>
  (LOG_LEVELS as readonly string[]).includes(v)
    ? (v as LogLevel)
    : { problem: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${quoted(v)}.` };

const schema = z.object({
  PORT: variable(
    throwing((v) => parsePort('PORT', v)),
    DEFAULT_PORT,
  ),
  HOST: variable(text, DEFAULT_HOST),
  FERRY_DATA_DIR: variable(text, DEFAULT_DATA_DIR),
  DATABASE_URL: variable<string | undefined>(databaseUrl, undefined),
  FERRY_SECRET_KEY: variable<string | undefined>(
    throwing((v) => (parseSecretKey(v), v)),
    undefined,
  ),
  FERRY_ADMIN_PASSWORD: variable<string | undefined>(text, undefined),
  FERRY_ADMIN_TOKEN: variable<string | undefined>(text, undefined),
  FERRY_MAX_REQUEST_MB: variable(maxRequestBytes, DEFAULT_MAX_REQUEST_MB * 1024 * 1024),
  LOG_LEVEL: variable<LogLevel>(logLevel, 'info'),
  FERRY_TRUST_PROXY: variable(
    throwing((v) => parseSwitch('FERRY_TRUST_PROXY', v)),
    false,
  ),
  FERRY_WEB_DIR: variable<string | undefined>(text, undefined),
  FERRY_WEBHOOK_ALLOW_PRIVATE: variable(
    throwing((v) => parseSwitch('FERRY_WEBHOOK_ALLOW_PRIVATE', v)),
    false,
  ),
});

/** The variables the server reads (the README's configuration table). */
export const SERVER_VARIABLES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/**
 * The server's settings from `env` (this process's environment unless given). Every wrong variable
 * is named in one line of a ConfigError, which the start-up path prints and turns into exit 2.
 */
export function parseServerEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServerEnv {
  const picked = Object.fromEntries(SERVER_VARIABLES.map((name) => [name, env[name]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message).join(' '));
  const e = parsed.data;
  return {
    options: {
      port: e.PORT,
      host: e.HOST,
      dataDir: e.FERRY_DATA_DIR,
      ...(e.DATABASE_URL !== undefined && { databaseUrl: e.DATABASE_URL }),
      ...(e.FERRY_SECRET_KEY !== undefined && { secretKey: e.FERRY_SECRET_KEY }),
      ...(e.FERRY_ADMIN_PASSWORD !== undefined && { adminPassword: e.FERRY_ADMIN_PASSWORD }),
      ...(e.FERRY_ADMIN_TOKEN !== undefined && { adminToken: e.FERRY_ADMIN_TOKEN }),
      maxRequestBytes: e.FERRY_MAX_REQUEST_MB,
      trustProxy: e.FERRY_TRUST_PROXY,
      webhookAllowPrivate: e.FERRY_WEBHOOK_ALLOW_PRIVATE,
    },
    logLevel: e.LOG_LEVEL,
    ...(e.FERRY_WEB_DIR !== undefined && { webDir: e.FERRY_WEB_DIR }),
  };
}

/**
 * The server's structured log: JSON lines on stderr, written synchronously so that nothing is lost
 * when the process exits. Stdout carries only what a person or a script reads (the "listening"
 * line, generated credentials, `--json` results).
 */
export function serverLogger(level: LogLevel): Logger {
  return pino({ level, serializers: logSerializers }, pino.destination({ dest: 2, sync: true }));
}

/**
 * The web UI's adapter-node takes its settings only from the environment, read when its handler
 * loads: uploads (CB exports) may be as large as the API accepts, and the scheme of the request's
 * origin (which SvelteKit's CSRF check compares with the browser's Origin) comes from
 * X-Forwarded-Proto, which the server fills in unless a TLS-terminating proxy in front has set it.
 * A value the user set wins.
 */
export function configureWebAdapter(
  maxRequestBytes: number,
  env: Record<string, string | undefined> = process.env,
): void {
  env.BODY_SIZE_LIMIT ??= String(maxRequestBytes);
  env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
}
