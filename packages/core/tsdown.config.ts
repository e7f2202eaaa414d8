import { defineConfig } from 'tsdown';

export default defineConfig({
  // `rules`, `labels`, `cb-shape`, `must` and `import` on their own too: browser code that needs
  // only a rule, a label or a reader (the time format, type badges, the interaction editor), and
  // the CLI's start-up and its import, get no more of core (`semver` cannot be tree-shaken).
  entry: [
    'src/index.ts',
    'src/testing.ts',
    'src/rules.ts',
    'src/labels.ts',
    'src/cb-shape.ts',
    'src/must.ts',
    'src/import.ts',
  ],
  format: ['esm'],
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
});
