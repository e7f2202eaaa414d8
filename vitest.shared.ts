// The test settings every package shares; each package's vitest.config.ts extends this with
// mergeConfig and adds its own files and timeouts.
import { defineConfig } from 'vitest/config';
import TimeoutMargin from './vitest.timeout-margin.ts';

// Inside the repo, '@ferry/*' packages resolve to their TypeScript sources (the "@ferry/source"
// condition), so tests never run against a stale build.
const conditions = ['@ferry/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // The usual report, then how close the slowest test came to its timeout (the rule: none may
    // come closer than half).
    reporters: ['default', new TimeoutMargin()],
    // A test that never reaches an `expect` proves nothing: fail it instead of passing it.
    expect: { requireAssertions: true },
  },
});
