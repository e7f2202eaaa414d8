// `ferry`'s run: parses, runs one command, and maps whatever failed to one sentence on stderr and
// one exit code (lib/errors.ts). Only `ferry serve`, which runs until a signal, ends its process
// itself. index.ts loads this module for everything but `ferry --version`.
import { CommanderError } from '@commander-js/extra-typings';
import { createOutput, wantsJson, type Runtime } from './lib/command.js';
import { readEnv } from './lib/env.js';
import { describeError } from './lib/errors.js';
import { buildProgramFor } from './lazy-program.js';

const SOURCE = { flag: '--token', env: 'FERRY_TOKEN', config: 'the saved login' } as const;

export async function run(argv: string[], rt: Runtime): Promise<number> {
  const program = await buildProgramFor(rt, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // --help and --version end the parse "successfully".
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    let failure = describeError(err, rt.server);
    if (err instanceof CommanderError && err.code === 'commander.help')
      failure = { ...failure, message: 'Name a command: the list is above.' };
    else if (failure.kind === 'unauthorized' && rt.tokenSource !== undefined)
      failure = {
        ...failure,
        message: `The server did not accept the API token (from ${SOURCE[rt.tokenSource]}): it is wrong or revoked, or its user is disabled.`,
      };
    createOutput(rt, wantsJson(argv)).failure(failure);
    return failure.exitCode;
  }
}

/** `ferry ARGS` in this process, with its streams and environment. */
export async function main(argv: string[], version: string): Promise<number> {
  return run(argv, {
    env: readEnv(),
    io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
    version,
  });
}
