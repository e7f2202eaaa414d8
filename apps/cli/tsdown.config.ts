import { defineConfig } from 'tsdown';

// One runnable file, dist/ferry.js. Dependencies stay external (node_modules at run time): @ferry/api
// in particular, whose embedded database needs its wasm files beside it.
export default defineConfig({
  entry: { ferry: 'src/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  fixedExtension: false,
  banner: '#!/usr/bin/env node',
  dts: false,
  sourcemap: true,
  clean: true,
  // commander and picocolors go into the chunks that use them: loading them through Node's CommonJS
  // loader (package.json lookups, a wrapper per file) cost every command about 10 ms.
  noExternal: ['commander', '@commander-js/extra-typings', 'picocolors'],
});
