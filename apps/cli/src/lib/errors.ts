// Every failure of the CLI becomes one Failure with a kind, and each kind has one exit code
// (DESIGN.md's error table). The top-level handler in index.ts is the only place that exits.
import type { ErrorData, StartupFailure } from '@ferry/api';
import type { TRPCClientError } from '@trpc/client';
import { CommanderError } from 'commander';
import { plural } from './format.js';
import { RequestTimeoutError } from './timeout.js';

export type ErrorKind =
  | 'usage'
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'precondition'
  | 'throttled'
  | 'unreachable'
  | 'unavailable'
  | 'unexpected';

export function exitCodeOf(kind: ErrorKind): number {
  switch (kind) {
    case 'usage':
    case 'validation':
      return 2;
    case 'not-found':
      return 3;
    case 'conflict':
      return 4;
    case 'unauthorized':
    case 'forbidden':
    case 'throttled':
      return 5;
    case 'precondition':
      return 6;
    case 'unreachable':
    case 'unavailable':
      return 7;
    case 'unexpected':
      return 1;
    default:
      return assertNever(kind);
  }
}

/** The stable code a `--json` error carries: Ferry's own where the server sent one. */
function codeOf(kind: ErrorKind): string {
  switch (kind) {
    case 'usage':
      return 'USAGE';
    case 'validation':
      return 'VALIDATION';
    case 'not-found':
      return 'NOT_FOUND';
    case 'conflict':
      return 'CONFLICT';
    case 'unauthorized':
      return 'UNAUTHORIZED';
    case 'forbidden':
      return 'FORBIDDEN';
    case 'precondition':
      return 'PRECONDITION_FAILED';
    case 'throttled':
      return 'TOO_MANY_REQUESTS';
    case 'unreachable':
      return 'UNREACHABLE';
    case 'unavailable':
      return 'UNAVAILABLE';
    case 'unexpected':
      return 'INTERNAL';
    default:
      return assertNever(kind);
  }
}

export function kindOfFerryCode(code: ErrorData['ferryCode']): ErrorKind {
  switch (code) {
    case 'VALIDATION':
      return 'validation';
    case 'NOT_FOUND':
      return 'not-found';
    case 'CONFLICT':
      return 'conflict';
    case 'UNAUTHORIZED':
      return 'unauthorized';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'PRECONDITION_FAILED':
      return 'precondition';
    case 'TOO_MANY_REQUESTS':
      return 'throttled';
    // The server answered but its database did not: as unreachable as a server that is down.
    case 'UNAVAILABLE':
      return 'unavailable';
    case 'INTERNAL':
      return 'unexpected';
    default:
      return assertNever(code);
  }
}

/**
 * The kind of a failure to open the instance (`ferry serve`, `ferry admin rotate-key`): 2 for a
 * wrong setting (busy port, bad or mismatched FERRY_SECRET_KEY), 4 while another server holds the
 * data directory, 7 when DATABASE_URL cannot be reached.
 */
export const STARTUP_FAILURE_KIND = {
  config: 'usage',
  'in-use': 'conflict',
  unavailable: 'unreachable',
  unexpected: 'unexpected',
} as const satisfies Record<StartupFailure['kind'], ErrorKind>;

function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/** An expected failure raised by the CLI itself (bad flags, unreadable files, no server configured). */
export class CliError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: { path?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Failure {
  kind: ErrorKind;
  exitCode: number;
  code: string;
  message: string;
  path?: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** The network error code somewhere in an error's cause chain (fetch wraps it twice). */
function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (e instanceof TypeError && e.message === 'fetch failed')
      return networkCode(e.cause) ?? 'fetch failed';
    e = e.cause;
  }
  return undefined;
}

/** The timeout somewhere in an error's cause chain (the tRPC client wraps what fetch threw). */
function timeoutOf(err: unknown): RequestTimeoutError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; depth++, e = e.cause)
    if (e instanceof RequestTimeoutError) return e;
  return undefined;
}

const make = (kind: ErrorKind, message: string, extra: Partial<Failure> = {}): Failure => ({
  kind,
  exitCode: exitCodeOf(kind),
  code: codeOf(kind),
  message,
  ...extra,
});

// A message may start with a name that must keep its case: a file (weird3.json), a path, an
// identifier, or a lower-case format name (csv line 3).
const KEEP_CASE = /^(?:[^\s]*[./\\_\d][^\s]*|csv|json|ferry)(?:\s|$|:)/;

const sentence = (text: string) => {
  const t = text.trim().replace(/^error:\s*/i, '');
  const capital = KEEP_CASE.test(t) ? t : t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** A refusal that says when to retry (Retry-After's seconds in its details) says so in its message. */
function withRetry(message: string, details: Record<string, unknown> | undefined): string {
  const seconds = details?.retryAfterSeconds;
  if (typeof seconds !== 'number' || /try again in/i.test(message)) return message;
  const minutes = Math.ceil(seconds / 60);
  return `${message} Try again in ${plural(minutes, 'minute')}.`;
}

/**
 * The tRPC client's error, recognised without loading @trpc/client (a command that never called the
 * server has none to recognise).
 */
const isTrpcClientError = (err: unknown): err is TRPCClientError<never> =>
  err instanceof Error && err.name === 'TRPCClientError';

/** Classify anything thrown while running a command. `server` names the URL in network errors. */
export function describeError(err: unknown, server?: string): Failure {
  if (err instanceof CliError) return make(err.kind, sentence(err.message), err.extra);
  if (err instanceof CommanderError)
    return make(
      'usage',
      sentence(err.message.replace(/\s*\n\s*\(Did/g, ' (did').replace(/\s+/g, ' ')),
    );
  const timeout = timeoutOf(err);
  if (timeout)
    return make(
      'unreachable',
      `The Ferry server${server ? ` at ${server}` : ''} did not answer within ${timeout.seconds} s (the timeout: --timeout or FERRY_TIMEOUT).`,
      { details: { reason: 'timeout', timeoutSeconds: timeout.seconds } },
    );
  if (isTrpcClientError(err)) {
    const data = (err as TRPCClientError<never>).data as Partial<ErrorData> | undefined;
    if (data?.ferryCode) {
      const kind = kindOfFerryCode(data.ferryCode);
      return make(kind, withRetry(sentence(err.message), data.details), {
        code: data.ferryCode,
        ...(data.path !== undefined && data.path !== '' && { path: data.path }),
        ...(data.details && { details: data.details }),
        ...(data.requestId && { requestId: data.requestId }),
      });
    }
    const net = networkCode(err);
    const where = server ? ` at ${server}` : '';
    if (net)
      return make('unreachable', `Cannot reach the Ferry server${where} (${net}).`, {
        details: { reason: net },
      });
    // Something answered, but not like a Ferry server (a proxy error page, another service).
    return make(
      'unreachable',
      `The server${where} did not answer like a Ferry server (${sentence(err.message).slice(0, -1)}).`,
    );
  }
  const net = networkCode(err);
  if (net)
    return make(
      'unreachable',
      `Cannot reach the Ferry server${server ? ` at ${server}` : ''} (${net}).`,
    );
  const fsCode = (err as { code?: unknown } | null)?.code;
  if (fsCode === 'EPIPE') return make('unexpected', 'Output closed early.');
  return make(
    'unexpected',
    `Unexpected error: ${err instanceof Error ? err.message : String(err)}`.replace(/\.?$/, '.'),
  );
}
