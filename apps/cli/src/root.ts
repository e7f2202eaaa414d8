// The root of the `ferry` command tree: global options, help text and exit behaviour, without any
// command (program.ts adds them all; lazy-program.ts only the one a command line names).
import { Command } from '@commander-js/extra-typings';
import { jsonOption, timeoutOption, tokenOption, urlOption, type Runtime } from './lib/command.js';

const HELP_AFTER = `
Connection: --url and --token, else FERRY_URL and FERRY_TOKEN, else what "ferry login" saved.
A call fails (exit 7) when the server stays silent for --timeout seconds (FERRY_TIMEOUT; 60).
FERRY_DEBUG=1 prints each HTTP call (method, path, status, time, request id) on stderr.
Colour on a terminal; NO_COLOR turns it off, FORCE_COLOR on (e.g. in CI logs).
An automation is named by id or by its unique name; a version by N or #N, id, or name.

Exit codes: 0 ok, 1 unexpected, 2 bad input or usage, 3 not found, 4 conflict (e.g. a stale
--if-revision), 5 unauthenticated or forbidden, 6 precondition failed (e.g. an upgrade blocked by
missing environment variables), 7 server unreachable.

Examples:
  $ ferry serve --data ./.ferry/data
  $ ferry login --url http://127.0.0.1:3000 --token ferry_…
  $ ferry automation import support-bot.json --name "Support (Dev)"
  $ ferry release create "Support (Dev)" --to "Support (Prod)" --version 1.0.0 --description "First"
  $ ferry release upgrade "Support (Prod)"
`;

export function createRoot(rt: Runtime): Command {
  const program = new Command('ferry')
    .description(
      'Ferry: version, release and change management for Conversation Builder bots ("automations")',
    )
    .version(rt.version, '-V, --version', "print the CLI's version")
    .helpOption('-h, --help', 'show help for a command')
    // Options are positional: `release create … --version 1.2.0` is the release's number, and
    // the global options are accepted before a command and after it (each command declares them).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => rt.io.stdout.write(s),
      writeErr: (s) => rt.io.stderr.write(s),
      // Errors are printed once, by the top-level handler (as JSON under --json).
      outputError: () => {},
    })
    .showSuggestionAfterError()
    .addOption(urlOption())
    .addOption(tokenOption())
    .addOption(timeoutOption())
    .addOption(jsonOption())
    .addHelpText('after', HELP_AFTER);
  program.helpCommand(false);
  return program;
}

/** The top-level `token` noun (also `ferry user token`). */
export const TOKEN_NOUN = [
  'token',
  'create, list and revoke API tokens',
  'API tokens (also "ferry user token"): create, list, revoke',
  'ferry token create --user ci-bot',
] as const;
