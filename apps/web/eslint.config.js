// The web UI: the monorepo's rules, plus eslint-plugin-svelte for .svelte files (TypeScript in
// <script lang="ts"> is parsed by typescript-eslint).
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import root from '../../eslint.config.js';
import svelteConfig from './svelte.config.js';

export default tseslint.config(...root, ...svelte.configs.recommended, {
  files: ['**/*.svelte', '**/*.svelte.ts'],
  languageOptions: {
    globals: globals.browser,
    parserOptions: {
      extraFileExtensions: ['.svelte'],
      parser: tseslint.parser,
      svelteConfig,
    },
  },
  rules: {
    // The Ferry server mounts the app at / and sets no `paths.base`, so plain hrefs are right;
    // wrapping every link in resolve() would only add noise.
    'svelte/no-navigation-without-resolve': 'off',
  },
});
