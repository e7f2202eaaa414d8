// The lint rule behind "configuration in one place": `process.env` outside the env modules (and
// tests, scripts, config files) is an error, checked with the rule blocks of the repo's own config.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = 'no-restricted-properties';

async function linter() {
  const config = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as {
    default: Linter.Config[];
  };
  // Only the rule's own blocks (the rule and its allow-list): the other rules may need type
  // information, which a file made up for the test does not have.
  const blocks = config.default.filter((b) => b.rules !== undefined && RULE in b.rules);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  return new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      ...blocks,
    ],
  });
}

const READS = 'export const port = process.env.PORT;\nexport const { HOME } = process.env;\n';

describe('reading process.env', () => {
  const found = async (path: string) => {
    const [result] = await (await linter()).lintText(READS, { filePath: join(root, path) });
    return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.line);
  };

  it.each([
    'packages/api/src/server.ts',
    'packages/api/src/main.ts',
    'packages/db/src/open.ts',
    'apps/cli/src/commands/serve.ts',
    'apps/cli/src/commands/env.ts',
    'apps/web/src/hooks.server.ts',
  ])('is an error in %s', async (path) => {
    expect(await found(path)).toEqual([1, 2]);
  });

  it.each([
    'packages/api/src/env.ts',
    'apps/cli/src/lib/env.ts',
    'packages/api/src/server.test.ts',
    'apps/cli/test/support.ts',
    'apps/web/e2e/harness.ts',
    'packages/db/src/test-db.ts',
    'packages/fixtures/src/index.ts',
    'scripts/check.ts',
    'apps/web/vite.config.ts',
  ])('is allowed in %s', async (path) => {
    expect(await found(path)).toEqual([]);
  });
});
