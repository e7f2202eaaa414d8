// The built `ferry` binary on rule 15: import --into says where the previous working copy went,
// and a target's release history and rollback still work after the source is deleted.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempDir, type TestServer } from './support.js';

describe('ferry keeps what a user made', () => {
  let server: TestServer;
  let dir: string;
  /** A generated CB export in a file (the seed makes the content). */
  const botFile = (seed: number) => {
    const file = join(dir, `bot-${seed}.json`);
    writeFileSync(
      file,
      JSON.stringify(generateBotExport({ seed, dialogs: 2, interactionsPerDialog: 2 })),
    );
    return file;
  };
  beforeAll(async () => {
    server = await startTestServer();
    dir = tempDir('history');
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('import --into prints that the previous working copy was kept as version #N, and --json has it', async () => {
    await server.json(['automation', 'create', 'Into']);
    const first = await server.run(['automation', 'import', botFile(1), '--into', 'Into']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'The previous working copy was kept as version #1 "Before import".',
    );
    const shown = await server.json<{ root: string }>(['automation', 'show', 'Into']);
    const second = await server.json<{
      backup: { number: number; name: string; contentHash: string };
    }>(['automation', 'import', botFile(2), '--into', 'Into']);
    expect(second.backup).toMatchObject({
      number: 2,
      name: 'Before import',
      contentHash: shown.root,
    });
    await server.json(['version', 'save', 'Into', '--name', 'mine']);
    const third = await server.run(['automation', 'import', botFile(3), '--into', 'Into']);
    expect(third.stdout).toContain('Nothing needed keeping');
    const restored = await server.run(['version', 'restore', 'Into', '2', '--yes']);
    expect(restored.code).toBe(0);
    expect((await server.json<{ root: string }>(['automation', 'show', 'Into'])).root).toBe(
      shown.root,
    );
  });

  it('after the source of two accepted releases is deleted, release history lists both and rollback works', async () => {
    await server.json(['automation', 'import', botFile(4), '--name', 'Support (Dev)']);
    await server.json(['automation', 'import', botFile(5), '--name', 'Support (Prod)']);
    for (const [version, seed] of [
      ['1.0.0', 6],
      ['1.1.0', 7],
    ] as const) {
      await server.json(['automation', 'import', botFile(seed), '--into', 'Support (Dev)']);
      await server.json([
        'release',
        'create',
        'Support (Dev)',
        '--to',
        'Support (Prod)',
        '--version',
        version,
      ]);
      await server.json(['release', 'upgrade', 'Support (Prod)', '--force']);
    }
    const deleted = await server.run(['automation', 'delete', 'Support (Dev)', '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain("Its 2 releases stay in the other automations' history");

    const history = await server.run(['release', 'history', 'Support (Prod)']);
    expect(history.code).toBe(0);
    expect(history.stdout).not.toContain('No upgrades yet.');
    expect(history.stdout).toContain('new releases must be above 1.1.0');
    expect(history.stdout.match(/Support \(Dev\) \(deleted\)/g)).toHaveLength(2);

    await server.json(['automation', 'create', 'Hotfix']);
    const below = await server.run([
      'release',
      'create',
      'Hotfix',
      '--to',
      'Support (Prod)',
      '--version',
      '1.0.5',
    ]);
    expect(below.code).toBe(4);
    expect(below.stderr).toContain('must be greater than 1.1.0');

    const rollback = await server.run(['release', 'rollback', 'Support (Prod)', '--yes']);
    expect(rollback.code).toBe(0);
    const after = await server.json<{ runsRelease: { version: string } | null }>([
      'release',
      'history',
      'Support (Prod)',
    ]);
    expect(after.runsRelease).toMatchObject({ version: '1.0.0' });
  });
});
