// The API's tests: each file opens its own databases, so files run side by side.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The PGlite template every test database starts from, built before any file runs.
      globalSetup: ['../../packages/db/src/template-setup.ts'],
      include: ['src/**/*.test.ts'],
      // Conversation tests in the built worker (src/test-support/built-worker.ts).
      setupFiles: ['./src/test-support/built-worker.ts'],
      // Whole-suite runs share two cores with every other package's tests: a first start (migrations,
      // a spawned server) that takes 10-30 s alone can take four times that then.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      // Each file opens its own databases and servers (port 0, temporary data directories), so
      // files are independent; much of their time is spent waiting for spawned servers and
      // PostgreSQL, so two files side by side (turbo runs two tasks at once: about four busy
      // processes on two cores, not a dozen that push slow first starts past their timeouts).
      maxWorkers: 2,
      // The two workers run every file in turn without a fresh module graph per file: importing the
      // router, drizzle and tRPC and compiling PGlite's WebAssembly again for each of 31 files cost
      // about a quarter of the package's CPU. Files share nothing else: each opens its own databases
      // and servers, and the process-wide caches they share are content-addressed (node-cache.ts,
      // export-cache.ts), as they are across requests in one server.
      isolate: false,
    },
  }),
);
