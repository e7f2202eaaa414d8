// One flat config for the whole monorepo; packages run `eslint .` from their own folder.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The modules that read the process environment (all others get checked values from them). */
const ENV_MODULES = ['packages/api/src/env.ts', 'apps/cli/src/lib/env.ts'];
/** Test support that reads it: which databases to test on, the optional CB export corpus. */
const TEST_SUPPORT = ['packages/db/src/test-db.ts', 'packages/fixtures/'];
/** The end-to-end benchmark package: which database to run on (DATABASE_URL), quick-look sizes. */
const BENCH = ['packages/bench/'];
/**
 * A matcher of repo paths, by absolute path: a package lints from its own folder with this file as
 * --config, and glob patterns would then be relative to that folder.
 */
const inRepo = (paths) => {
  const absolute = paths.map((p) => fileURLToPath(new URL(p, import.meta.url)));
  // Source files only: a `files` entry that matched other files would have ESLint lint them too.
  return (file) =>
    /\.(ts|js|mjs)$/.test(file) &&
    absolute.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/bench-results/**',
      '**/.svelte-kit/**',
      // The web UI's adapter-node output (apps/web/build).
      '**/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Scripts, examples and benchmarks run in Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits loses its error, and a promise passed where a plain
    // callback is expected is never awaited either. Each file is type-checked by the nearest
    // tsconfig.json (the project service), so lint sees the same types as `typecheck`.
    files: ['**/*.ts', '**/*.svelte'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Say why a value must be there instead: `must(value, 'why')` throws a clear internal error.
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  // Configuration in one place: only the env modules read the environment — the server's
  // (packages/api/src/env.ts: parseServerEnv, and the variables adapter-node reads) and the CLI's
  // (apps/cli/src/lib/env.ts) — and hand checked values to everything else.
  {
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Read settings through an env module (packages/api/src/env.ts, apps/cli/src/lib/env.ts), which checks them.',
        },
      ],
    },
  },
  // The CLI's commands take values from core's light entries (`@ferry/core/rules`, `/labels`,
  // `/text-diff`, `/import`, `/must`), never its index: the index loads all of core (semver, the
  // hashes) into every command's start-up. Types from the index cost nothing.
  {
    files: ['apps/cli/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@ferry/core',
              allowTypeImports: true,
              message:
                "Import from one of core's light entries (@ferry/core/rules, /labels, /text-diff, /import, /must); add one if needed.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tests, test support and fixtures, scripts and benchmarks, and config files set up their own
    // environments.
    files: [
      inRepo([...ENV_MODULES, ...TEST_SUPPORT, ...BENCH]),
      '**/*.test.ts',
      '**/test/**',
      '**/e2e/**',
      '**/test-support/**',
      '**/scripts/**',
      '**/bench/**',
      '**/*.config.{js,ts,mjs}',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);
