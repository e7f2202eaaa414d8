import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/main.ts',
    'src/error-codes.ts',
    'src/roles.ts',
    'src/inputs.ts',
    'src/webhook-events.ts',
    // The worker thread conversation test runs happen in (test-run.ts starts it by this name).
    'src/test-worker.ts',
  ],
  format: ['esm'],
  platform: 'node',
  // dist/*.js, as package.json's exports say (tsdown writes .mjs for the node platform otherwise).
  fixedExtension: false,
  // Declaration maps: an editor in a dependent package goes to the source, not the .d.ts.
  dts: { sourcemap: true },
  sourcemap: true,
  clean: true,
});
