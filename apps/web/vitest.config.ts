// Unit tests (src/**) and browser scenarios (e2e/**, against the built app served by the Ferry server).
import { defineConfig } from 'vitest/config';

const conditions = ['@ferry/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Browser scenario files each start a server and a Chromium: one file at a time.
    fileParallelism: false,
  },
});
