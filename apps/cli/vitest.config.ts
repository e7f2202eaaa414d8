import { defineConfig } from 'vitest/config';

// Inside the repo, '@ferry/api' (the in-process test server) resolves to its TypeScript sources.
const conditions = ['@ferry/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The tests mostly wait for the `ferry` processes they spawn: the files run side by side (vitest
    // would run them one by one on two cores), a few concurrent tests each, keeping cores busy
    // without flooding them.
    maxWorkers: 3,
    maxConcurrency: 3,
  },
});
