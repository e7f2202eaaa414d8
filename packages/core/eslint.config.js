// The shared config, plus the rule that keeps the core pure (DESIGN.md): no I/O, no environment,
// no clock, no randomness. Tests and their helpers may use Node.
import base from '../../eslint.config.js';

export default [
  ...base,
  {
    // tsconfig.json holds only the pure sources; tests, examples and configs are type-checked (and
    // linted with types) through tsconfig.test.json.
    files: ['src/**/*.test.ts', 'src/test-support/**', 'examples/**/*.ts', '*.config.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/test-support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:|fs|path|os|child_process|net|http|https|crypto)',
              message: '@ferry/core must stay pure',
            },
            { regex: '^@ferry/fixtures', message: 'test data is for tests only' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'fetch', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pass the clock in' },
        { object: 'Math', property: 'random', message: 'pass randomness in' },
      ],
    },
  },
];
