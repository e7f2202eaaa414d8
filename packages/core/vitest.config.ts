// The core's unit, property and example tests (pure code: short timeouts).
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
      testTimeout: 30_000,
    },
  }),
);
