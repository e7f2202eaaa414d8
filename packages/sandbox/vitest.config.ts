// The sandbox's tests: QuickJS limits, the botContext shim, and the simulator running bot code.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } }),
);
