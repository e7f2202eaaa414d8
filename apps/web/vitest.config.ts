// Two projects that run side by side: unit tests (src/**) and browser scenarios (e2e/**, against
// the built app served by the Ferry server).
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

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
            // Each scenario file starts a server and a Chromium: one file at a time.
            fileParallelism: false,
          },
        },
      ],
    },
  }),
);
