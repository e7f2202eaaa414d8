// A child process for the crash test: rotates the key of the database named on its command line
// and kills itself (SIGKILL, no clean-up of any kind) once half the secrets are re-encrypted.
import { openDatabase } from '@ferry/db';
import { parseSecretKey, rotateSecretKey } from '../secret-key.js';
import { must } from '@ferry/core';

const [target, currentKey, newKey] = process.argv.slice(2);
const database = await openDatabase(
  must(target, 'target').startsWith('postgres')
    ? { databaseUrl: must(target, 'target'), migrate: false }
    : { dataDir: must(target, 'target'), migrate: false },
);
await rotateSecretKey(
  database,
  { key: parseSecretKey(must(currentKey, 'currentKey')), source: 'given' },
  parseSecretKey(must(newKey, 'newKey')),
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
