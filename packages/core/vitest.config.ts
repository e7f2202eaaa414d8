import { defineConfig } from 'vitest/config';

// Inside the repo, '@ferry/core' resolves to its TypeScript sources (the "@ferry/source" condition).
const conditions = ['@ferry/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
