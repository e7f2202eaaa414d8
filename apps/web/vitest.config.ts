// Three projects that run side by side: unit tests (src/**), browser scenarios (e2e/**, against
// the built app served by the Ferry server) in one process, and the few that need a process of
// their own.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

/** Browser scenario files that load the web UI under settings of their own. */
const OWN_PROCESS = ['e2e/guidance.test.ts'];

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The PGlite template every test database starts from, built before any file runs.
      globalSetup: ['../../packages/db/src/template-setup.ts'],
      // Whole-suite runs share two cores with every other package's tests: a first start (migrations,
      // a spawned server) that takes 10-30 s alone can take four times that then.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      projects: [
        { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
        {
          extends: true,
          test: {
            name: 'browser',
            include: ['e2e/**/*.test.ts'],
            // Each scenario file starts a server and a browser context: one file at a time.
            fileParallelism: false,
            // All in one process without a fresh module graph per file: the server's modules,
            // PGlite's WebAssembly and Chromium (e2e/harness.ts) load once, not once per file.
            // Each file still starts its own server, database and browser context.
            isolate: false,
            exclude: OWN_PROCESS,
          },
        },
        {
          extends: true,
          test: {
            // Scenarios that set the environment the web UI reads when it loads (adapter-node's
            // BODY_SIZE_LIMIT), so they need a process of their own.
            name: 'browser-own-process',
            include: OWN_PROCESS,
            fileParallelism: false,
          },
        },
      ],
    },
  }),
);
