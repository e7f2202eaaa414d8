// Why a server could not start, as one line for the operator and a kind the entry points map to an
// exit code (main.ts: 2 for configuration, 1 otherwise; `ferry serve`: the CLI's exit-code table).
import { DataDirLockedError } from '@ferry/db';
import { must } from '@ferry/core';

/** Start-up refused because of how the server is configured (a bad or mismatched setting). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type StartupFailureKind = 'config' | 'in-use' | 'unavailable' | 'unexpected';

export interface StartupFailure {
  kind: StartupFailureKind;
  /** One line, no stack, no credentials. */
  message: string;
}

export interface ListenTarget {
  port: number;
  host: string;
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);
/** SQLSTATEs that mean DATABASE_URL names a database or a user that is not there or not allowed. */
const BAD_DATABASE_SETTING = new Set(['28000', '28P01', '3D000', '42501']);

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Classifies whatever `startServer` threw. */
export function describeStartupFailure(e: unknown, where: ListenTarget): StartupFailure {
  const err = e as (Error & { code?: unknown; address?: unknown; syscall?: unknown }) | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (e instanceof ConfigError) return { kind: 'config', message: oneLine(e.message) };
  if (e instanceof DataDirLockedError) return { kind: 'in-use', message: oneLine(e.message) };
  if (err?.syscall === 'listen' || err?.syscall === 'bind') {
    if (code === 'EADDRINUSE')
      return {
        kind: 'config',
        message: `Port ${where.port} on ${where.host} is already in use: choose another port (PORT, --port; 0 picks a free one).`,
      };
    if (code === 'EACCES')
      return {
        kind: 'config',
        message: `Not allowed to listen on port ${where.port}: choose another port (PORT, --port).`,
      };
    return {
      kind: 'config',
      message: `Cannot listen on ${where.host}:${where.port} (${code ?? 'error'}): check HOST and PORT.`,
    };
  }
  if (code === 'ENOTFOUND' && err?.syscall === 'getaddrinfo' && err.message.includes(where.host))
    return {
      kind: 'config',
      message: `Cannot listen on ${where.host}: no such host (HOST, --host).`,
    };
  if (e instanceof TypeError && /Invalid URL/i.test(e.message))
    return { kind: 'config', message: 'DATABASE_URL is not a valid URL.' };
  if (code && NETWORK.has(code))
    return {
      kind: 'unavailable',
      message: `Cannot reach the database at DATABASE_URL (${code}${hostOf(err)}): is PostgreSQL running and reachable?`,
    };
  if (code && BAD_DATABASE_SETTING.has(code))
    return {
      kind: 'config',
      message: `The database refused the connection (DATABASE_URL): ${oneLine(must(err, 'err').message)}.`,
    };
  if (code && /^[0-9A-Z]{5}$/.test(code))
    return {
      kind: 'unexpected',
      message: `The database failed while preparing it (migrations): ${code} ${oneLine(must(err, 'err').message)}.`,
    };
  const message = e instanceof Error ? e.message : String(e);
  return { kind: 'unexpected', message: oneLine(`Ferry could not start: ${message}`) };
}

function hostOf(err: { address?: unknown; port?: unknown; hostname?: unknown } | null): string {
  const host = typeof err?.address === 'string' ? err.address : err?.hostname;
  return typeof host === 'string'
    ? ` at ${host}${typeof err?.port === 'number' ? `:${err.port}` : ''}`
    : '';
}

/** An on/off setting such as FERRY_TRUST_PROXY: 1/true/yes or 0/false/no (unset: off). */
export function parseSwitch(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false (1/0, yes/no), not "${value}".`);
}

/** A port setting (PORT): an integer from 0 (any free port) to 65535. */
export function parsePort(name: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535)
    throw new ConfigError(`${name} must be a port number from 0 to 65535, not "${value}".`);
  return port;
}
