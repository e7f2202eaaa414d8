// A child process for the crash test: rotates the key of the database named on its command line
// and kills itself (SIGKILL, no clean-up of any kind) once half the secrets are re-encrypted.
import { openDatabase } from '@ferry/db';
import { parseSecretKey, rotateSecretKey } from '../secret-key.js';

const [target, currentKey, newKey] = process.argv.slice(2);
const database = await openDatabase(
  target!.startsWith('postgres')
    ? { databaseUrl: target!, migrate: false }
    : { dataDir: target!, migrate: false },
);
await rotateSecretKey(
  database,
  { key: parseSecretKey(currentKey!), source: 'given' },
  parseSecretKey(newKey!),
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
