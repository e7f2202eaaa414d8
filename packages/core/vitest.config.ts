// The core's unit, property and example tests (pure code: short timeouts).
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
      testTimeout: 30_000,
      // Pure code and no shared state beyond module constants: the workers run file after file
      // without importing core again for each, which was about a third of the package's CPU.
      isolate: false,
    },
  }),
);
