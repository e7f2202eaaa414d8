// A child process for the crash test (secret-key.test.ts): rotates the key of the database named on
// its command line and kills itself (SIGKILL, no clean-up of any kind) once half the secrets are
// re-encrypted. Plain JavaScript on the built packages ('@ferry/api' and '@ferry/db' by name: their
// dist/, which the tests' global set-up rebuilds first when the sources changed; see @ferry/db's
// fresh-build.ts), as the other child-process tests run: loading the sources through tsx cost about
// 1.5 CPU-seconds more at each start.
import { openDatabase } from '@ferry/db';
import { parseSecretKey, rotateSecretKey } from '@ferry/api';

const [target, currentKey, newKey] = process.argv.slice(2);
if (!target || !currentKey || !newKey)
  throw new Error(
    'usage: rotate-then-crash.mjs <data dir or PostgreSQL URL> <current key> <new key>',
  );
const database = await openDatabase(
  target.startsWith('postgres')
    ? { databaseUrl: target, migrate: false }
    : { dataDir: target, migrate: false },
);
await rotateSecretKey(
  database,
  { key: parseSecretKey(currentKey), source: 'given' },
  parseSecretKey(newKey),
  {
    onProgress: (done, total) => {
      if (done >= total / 2) {
        process.stdout.write(`killing myself after ${done} of ${total}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  },
);
process.stdout.write('rotation finished: the crash did not happen\n');
