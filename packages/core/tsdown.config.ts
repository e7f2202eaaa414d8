import { defineConfig } from 'tsdown';

export default defineConfig({
  // `rules`, `labels`, `cb-shape`, `must`, `import` and `text-diff` on their own too: browser code
  // that needs only a rule, a label or a reader (the time format, type badges, the interaction
  // editor), and the CLI's start-up, its import and its diff printer, get no more of core
  // (`semver` cannot be tree-shaken).
  entry: [
    'src/index.ts',
    'src/testing.ts',
    'src/rules.ts',
    'src/labels.ts',
    'src/cb-shape.ts',
    'src/must.ts',
    'src/import.ts',
    'src/text-diff.ts',
  ],
  format: ['esm'],
  platform: 'neutral',
  // Declaration maps: an editor in a dependent package goes to the source, not the .d.ts.
  dts: { sourcemap: true },
  sourcemap: true,
  clean: true,
});
