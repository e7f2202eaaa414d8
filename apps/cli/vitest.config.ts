// The CLI's tests: unit tests, and `ferry` processes run against an in-process test server.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The PGlite template every test database starts from, built before any file runs.
      globalSetup: ['../../packages/db/src/template-setup.ts'],
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Each test spawns `ferry` processes and servers; under the whole suite on two cores they take
      // several times as long as alone.
      testTimeout: 240_000,
      hookTimeout: 240_000,
      // The tests mostly wait for the `ferry` processes they spawn: the files run side by side
      // (vitest would run them one by one on two cores), a few concurrent tests each, keeping cores
      // busy without flooding them (turbo runs two tasks at once).
      maxWorkers: 2,
      maxConcurrency: 3,
      // The workers run file after file without a fresh module graph for each (the API server, the
      // database layer, PGlite's WebAssembly loaded once per worker, not per file): a fifth less
      // CPU. Each file starts its own servers on their own directories and databases.
      isolate: false,
    },
  }),
);
