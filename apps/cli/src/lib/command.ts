// What every command shares: the global options (accepted before the command and after it), the
// help examples, argument parsers, and the context an action runs with (output, client, confirm).
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { createClient, type Client } from './client.js';
import { configPath, normaliseUrl, readConfig, resolveConnection, type Source } from './config.js';
import type { CliEnv } from './env.js';
import { CliError } from './errors.js';
import { DEFAULT_TIMEOUT_SECONDS, type HttpOptions } from './timeout.js';
import { Output, type Stream } from './output.js';

export interface Io {
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** What index.ts hands every command: the environment, the streams and the CLI's version. */
export interface Runtime {
  env: CliEnv;
  io: Io;
  version: string;
  /** The server the command talked to, for error messages (set once the connection resolves). */
  server?: string;
  /** Where the API token came from, to explain a refused one. */
  tokenSource?: Source;
}

const GLOBAL = 'Global options:';

export const urlOption = () =>
  new Option('--url <url>', "the Ferry server's base URL (env: FERRY_URL)").helpGroup(GLOBAL);
export const tokenOption = () =>
  new Option('--token <token>', 'API token (env: FERRY_TOKEN)').helpGroup(GLOBAL);
export const timeoutOption = () =>
  new Option(
    '--timeout <seconds>',
    `give up (exit 7) when the server stays silent this long (env: FERRY_TIMEOUT; default ${DEFAULT_TIMEOUT_SECONDS})`,
  )
    .argParser(seconds)
    .helpGroup(GLOBAL);
export const jsonOption = () =>
  new Option('--json', 'print the result as one JSON value on stdout').helpGroup(GLOBAL);

/** The first clause of a description: what the parent's command list shows. */
export function summaryOf(description: string): string {
  let text = description;
  for (let before = ''; before !== text;) {
    before = text;
    text = text.replace(/ ?\([^()]*\)/g, '');
  }
  const cut = text.search(/; |: /);
  return cut > 0 ? text.slice(0, cut) : text;
}

/**
 * A command with the global options and an example in its help. The program takes the global
 * options too; options are positional, so `release create … --version 1.2.0` is the release's
 * number while `ferry --version` is the CLI's.
 */
export function leaf<Usage extends string>(
  parent: CommandUnknownOpts,
  usage: Usage,
  description: string,
  examples: string[],
) {
  return parent
    .command(usage)
    .description(description)
    .summary(summaryOf(description))
    .addOption(urlOption())
    .addOption(tokenOption())
    .addOption(timeoutOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`,
    );
}

/** A noun (`automation`, `release`, …) grouping its commands. */
export function noun(
  parent: CommandUnknownOpts,
  name: string,
  summary: string,
  description: string,
  example: string,
) {
  return parent
    .command(name)
    .description(description)
    .summary(summary)
    .helpCommand(false)
    .addHelpText('after', `\nExample:\n  $ ${example}\n`);
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError('Must be a whole number of 1 or more.');
  return Number(value);
}

export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError('Must be a whole number of 0 or more.');
  return Number(value);
}

/** A duration in seconds: a positive number (fractions allowed). */
export function seconds(value: string): number {
  const n = Number(value);
  if (!/^\s*\d*\.?\d+\s*$/.test(value) || !(n > 0))
    throw new InvalidArgumentError('Must be a positive number of seconds.');
  return n;
}

export function port(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65535)
    throw new InvalidArgumentError('Must be a port number from 0 to 65535.');
  return Number(value);
}

/** An option that takes an automation's revision (DESIGN.md rule 10). */
export const ifRevisionOption = (what: string) =>
  new Option(
    '--if-revision <revision>',
    `refuse (exit 4) unless ${what} is still at this revision`,
  ).argParser(positiveInt);

export interface Context {
  out: Output;
  /** The global options given on the command line (before or after the command). */
  flags: Globals;
  runtime: Runtime;
  /** The server's base URL (flags > env > saved config); a usage error when none is known. */
  url(): string;
  client(): Client;
  /** How HTTP calls behave: the timeout (flag > FERRY_TIMEOUT > 60 s) and FERRY_DEBUG. */
  http(): HttpOptions;
  /** Ask on a terminal unless `yes`; refuse (exit 2) without --yes elsewhere. */
  confirm(question: string, yes: boolean | undefined, what: string): Promise<void>;
}

export interface Globals {
  url?: string;
  token?: string;
  timeout?: number;
  json?: boolean;
}

/** Global options given on the command line, on the command itself or before it. */
function globalsOf(cmd: CommandUnknownOpts): Globals {
  const found: Globals = {};
  for (let c: CommandUnknownOpts | null = cmd; c; c = c.parent) {
    const opts = c.opts() as Globals;
    for (const key of ['url', 'token', 'timeout', 'json'] as const)
      if (found[key] === undefined && opts[key] !== undefined)
        (found as Record<string, unknown>)[key] = opts[key];
  }
  return found;
}

/** --json anywhere before `--`: also for errors commander raises before any action runs. */
export const wantsJson = (argv: readonly string[]) => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
};

export function createOutput(runtime: Runtime, json: boolean): Output {
  return new Output(json, runtime.io.stdout, runtime.io.stderr, runtime.env.color);
}

export function contextOf(runtime: Runtime, cmd: CommandUnknownOpts): Context {
  const globals = globalsOf(cmd);
  const out = createOutput(runtime, globals.json === true);
  let connection: { url: string; token: string | undefined } | undefined;
  const connect = () => {
    if (connection) return connection;
    const path = configPath(runtime.env.configHome);
    const needsFile = globals.url === undefined && runtime.env.url === undefined;
    const needsToken = globals.token === undefined && runtime.env.token === undefined;
    const saved = needsFile || needsToken ? readConfig(path) : {};
    const resolved = resolveConnection(globals, runtime.env, saved);
    if (resolved.url === undefined)
      throw new CliError(
        'usage',
        'No Ferry server given: pass --url, set FERRY_URL or run "ferry login --url URL --token TOKEN".',
        { path: 'url' },
      );
    connection = { url: normaliseUrl(resolved.url), token: resolved.token };
    runtime.server = connection.url;
    if (resolved.tokenSource !== undefined) runtime.tokenSource = resolved.tokenSource;
    return connection;
  };
  const http = (): HttpOptions => {
    let timeoutSeconds = globals.timeout;
    if (timeoutSeconds === undefined && runtime.env.timeout !== undefined) {
      try {
        timeoutSeconds = seconds(runtime.env.timeout);
      } catch {
        throw new CliError(
          'usage',
          `FERRY_TIMEOUT must be a positive number of seconds, not "${runtime.env.timeout}".`,
          { path: 'timeout' },
        );
      }
    }
    return {
      timeoutSeconds: timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      ...(runtime.env.debug && { debug: (line: string) => runtime.io.stderr.write(`${line}\n`) }),
    };
  };
  let client: Client | undefined;
  return {
    out,
    flags: globals,
    runtime,
    url: () => connect().url,
    http,
    client: () => {
      if (client) return client;
      const { url, token } = connect();
      if (token === undefined)
        throw new CliError(
          'unauthorized',
          'No API token given: pass --token, set FERRY_TOKEN or run "ferry login --url URL --token TOKEN".',
          { path: 'token' },
        );
      client = createClient(url, token, `ferry-cli/${runtime.version}`, http());
      return client;
    },
    confirm: async (question, yes, what) => {
      if (yes) return;
      const { stdin, stderr } = runtime.io;
      if (stdin.isTTY !== true || stderr.isTTY !== true)
        throw new CliError('usage', `${what} needs --yes when no terminal can confirm it.`, {
          path: 'yes',
        });
      const rl = createInterface({ input: stdin, output: stderr as NodeJS.WritableStream });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim()))
          throw new CliError('usage', 'Not confirmed: nothing was changed.');
      } finally {
        rl.close();
      }
    },
  };
}
