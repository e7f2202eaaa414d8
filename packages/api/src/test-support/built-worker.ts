// Vitest set-up for every test file of this package: conversation tests run in the built worker
// (dist/test-worker.js, rebuilt first by the global set-up when its sources changed; see
// @ferry/db's fresh-build.ts), not in one that loads the sources through tsx at every run.
import { pathToFileURL } from 'node:url';
import { builtEntry } from '@ferry/db/testing';
import { useBuiltWorker } from '../test-run.js';

useBuiltWorker(pathToFileURL(builtEntry('api', 'test-worker.js')));
