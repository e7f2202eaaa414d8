// The API's tests: each file opens its own databases, so files run side by side.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);
