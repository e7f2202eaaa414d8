// `ferry`: the command-line tool of Ferry. Only what a command uses is loaded: `ferry --version`
// answers from here; everything else loads the command tree (run.ts), whose commands load their
// heavier parts (the API client, @ferry/core, the server) when they run.
import { version } from '../package.json';

// A closed pipe (`ferry … | head`) is not an error worth a message.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V'))
  // What commander prints for it, without loading commander.
  process.stdout.write(`${version}\n`);
else process.exitCode = await (await import('./run.js')).main(argv, version);
