// schema.ts and the committed migrations describe the same schema: a schema change without its
// migration (`pnpm --filter @ferry/db db:generate`) fails here instead of at a user's next start.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MIGRATIONS = fileURLToPath(new URL('../drizzle/', import.meta.url));
const SCHEMA = fileURLToPath(new URL('./schema.ts', import.meta.url));
// The CLI beside the package's entry point (drizzle-kit does not export its bin).
const DRIZZLE_KIT = join(dirname(createRequire(import.meta.url).resolve('drizzle-kit')), 'bin.cjs');

/** Runs drizzle-kit; resolves with its output, whatever its exit code (it exits 0 on errors too). */
function drizzleKit(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DRIZZLE_KIT, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // A question (a rename?) would wait for an answer no one gives: stop it and show the output.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

describe('schema.ts against the committed migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-drift-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('needs no new migration', async () => {
    // Generate into a copy of the migrations folder: drizzle-kit compares schema.ts with the last
    // snapshot there and writes a migration only when they differ. (Paths relative to its cwd.)
    cpSync(MIGRATIONS, join(dir, 'drizzle'), { recursive: true });
    writeFileSync(
      join(dir, 'drizzle.config.mjs'),
      `export default ${JSON.stringify({ dialect: 'postgresql', schema: SCHEMA, out: './drizzle' })};\n`,
    );
    const output = await drizzleKit(dir, ['generate', '--config', 'drizzle.config.mjs']);
    const written = readdirSync(join(dir, 'drizzle'))
      .filter((f) => f.endsWith('.sql'))
      .filter((f) => !readdirSync(MIGRATIONS).includes(f));
    const sql = written.map((f) => readFileSync(join(dir, 'drizzle', f), 'utf8')).join('\n');
    expect(
      written,
      `schema.ts changed without a migration: run \`pnpm --filter @ferry/db db:generate\`. It would add:\n${sql}`,
    ).toEqual([]);
    expect(output, 'drizzle-kit did not confirm the schema matches').toContain('No schema changes');
  });
});
