import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/main.ts',
    'src/error-codes.ts',
    'src/roles.ts',
    'src/inputs.ts',
    'src/webhook-events.ts',
  ],
  format: ['esm'],
  platform: 'node',
  // dist/*.js, as package.json's exports say (tsdown writes .mjs for the node platform otherwise).
  fixedExtension: false,
  dts: true,
  sourcemap: true,
  clean: true,
});
