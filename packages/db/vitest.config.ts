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
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);
