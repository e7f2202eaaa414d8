// The database layer's tests: PGlite, PostgreSQL when DATABASE_URL is set, and fault injection.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The PGlite template every test database starts from, built before any file runs.
      globalSetup: ['./src/template-setup.ts'],
      include: ['src/**/*.test.ts'],
      // Whole-suite runs share two cores with every other package's tests: a first start (migrations,
      // a spawned server) that takes 10-30 s alone can take four times that then.
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  }),
);
