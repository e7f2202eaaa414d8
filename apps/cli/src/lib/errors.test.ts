import { TRPCClientError } from '@trpc/client';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, describeError, exitCodeOf, type ErrorKind } from './errors.js';

const serverError = (ferryCode: string, message: string, extra: Record<string, unknown> = {}) =>
  TRPCClientError.from({
    error: { message, code: -32600, data: { code: 'X', httpStatus: 400, ferryCode, ...extra } },
  });

describe('exit codes', () => {
  it("follow DESIGN.md's table", () => {
    const table: Record<ErrorKind, number> = {
      unexpected: 1,
      usage: 2,
      validation: 2,
      'not-found': 3,
      conflict: 4,
      unauthorized: 5,
      forbidden: 5,
      throttled: 5,
      precondition: 6,
      unreachable: 7,
      unavailable: 7,
    };
    for (const [kind, code] of Object.entries(table))
      expect(exitCodeOf(kind as ErrorKind)).toBe(code);
  });

  it("map the server's Ferry codes, keeping its path and details", () => {
    const cases: [string, number][] = [
      ['VALIDATION', 2],
      ['NOT_FOUND', 3],
      ['CONFLICT', 4],
      ['UNAUTHORIZED', 5],
      ['FORBIDDEN', 5],
      ['PRECONDITION_FAILED', 6],
      ['TOO_MANY_REQUESTS', 5],
      ['UNAVAILABLE', 7],
      ['INTERNAL', 1],
    ];
    for (const [code, exit] of cases)
      expect(describeError(serverError(code, 'x')).exitCode).toBe(exit);
    expect(
      describeError(
        serverError('PRECONDITION_FAILED', 'Blocked', {
          path: 'environment',
          details: { missing: ['A'] },
        }),
      ),
    ).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Blocked.',
      path: 'environment',
      details: { missing: ['A'] },
    });
  });

  it('say when to retry a throttled sign-in (exit 5)', () => {
    const throttled = (message: string) =>
      describeError(
        serverError('TOO_MANY_REQUESTS', message, { details: { retryAfterSeconds: 61 } }),
      );
    expect(throttled('Too many failed sign-ins. Try again in 2 minutes.')).toEqual({
      kind: 'throttled',
      exitCode: 5,
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many failed sign-ins. Try again in 2 minutes.',
      details: { retryAfterSeconds: 61 },
    });
    expect(throttled('Slow down').message).toBe('Slow down. Try again in 2 minutes.');
  });

  it("say the server's database is unavailable (7), quoting the request id", () => {
    const message = 'The Ferry server cannot reach its database; try again shortly (request r1).';
    const failure = describeError(serverError('UNAVAILABLE', message, { requestId: 'r1' }));
    expect(failure).toEqual({
      kind: 'unavailable',
      exitCode: 7,
      code: 'UNAVAILABLE',
      message,
      requestId: 'r1',
    });
  });

  it('call a refused connection unreachable (7), naming the server', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    const failure = describeError(TRPCClientError.from(refused), 'http://127.0.0.1:9');
    expect(failure).toMatchObject({ exitCode: 7, code: 'UNREACHABLE' });
    expect(failure.message).toBe(
      'Cannot reach the Ferry server at http://127.0.0.1:9 (ECONNREFUSED).',
    );
  });

  it("make commander's usage errors and the CLI's own one sentence", () => {
    expect(
      describeError(
        new CommanderError(
          1,
          'commander.unknownCommand',
          "error: unknown command 'x'\n(Did you mean y?)",
        ),
      ),
    ).toMatchObject({
      exitCode: 2,
      message: "Unknown command 'x' (did you mean y?).",
    });
    expect(describeError(new CliError('not-found', 'no such thing'))).toMatchObject({
      exitCode: 3,
      message: 'No such thing.',
    });
    expect(describeError(new Error('boom'))).toMatchObject({
      exitCode: 1,
      message: 'Unexpected error: boom.',
    });
  });
});

describe('messages as sentences', () => {
  it('keeps the case of a file name, path or format name that starts a message', () => {
    const message = (text: string) => describeError(new CliError('validation', text)).message;
    expect(message('weird3.json is not a valid CB export: bad')).toBe(
      'weird3.json is not a valid CB export: bad.',
    );
    expect(message('csv line 3: the name is empty')).toBe('csv line 3: the name is empty.');
    expect(message('./exports/bot.json is missing')).toBe('./exports/bot.json is missing.');
    expect(message('the name is empty')).toBe('The name is empty.');
  });
});
