// Issue 14's found-wrong items through the built `ferry` binary: agent and environment-link
// changes move the automation's revision on and take --if-revision (exit 4 when stale); a stale
// upgrade says who changed the target since the preview; after a rollback the automation says what
// it really runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, STACK, startTestServer, type TestServer } from './support.js';

interface Shown {
  id: string;
  revision: number;
}

describe('revisions of deployment bindings, stale upgrades and rollbacks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('agent add/remove and env link/unlink move the revision on and refuse a stale --if-revision', async () => {
    const { run, json } = server;
    const bot = await json<Shown>(['automation', 'create', 'Bindings']);
    const added = await run([
      'agent',
      'add',
      'Bindings',
      'bind-agent',
      '--if-revision',
      String(bot.revision),
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`now at revision ${bot.revision + 1}`);
    const stale = await run([
      'agent',
      'remove',
      'Bindings',
      'bind-agent',
      '--if-revision',
      String(bot.revision),
    ]);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/changed since revision/);
    expect(stale.stderr).not.toMatch(STACK);
    await json(['env', 'create', 'Bindings env']);
    const linked = await json<{ automation: { revision: number } }>([
      'env',
      'link',
      'Bindings',
      'Bindings env',
      '--if-revision',
      String(bot.revision + 1),
    ]);
    expect(linked.automation.revision).toBe(bot.revision + 2);
    const staleUnlink = await run([
      'env',
      'unlink',
      'Bindings',
      '--if-revision',
      String(bot.revision + 1),
      '--json',
    ]);
    expect(staleUnlink.code).toBe(4);
    expect(JSON.parse(staleUnlink.stderr)).toMatchObject({
      error: { code: 'CONFLICT', path: 'ifRevision', details: { actual: bot.revision + 2 } },
    });
    expect((await json<Shown>(['automation', 'show', 'Bindings'])).revision).toBe(bot.revision + 2);
    const removed = await json<{ automation: { revision: number } }>([
      'agent',
      'remove',
      'Bindings',
      'bind-agent',
      '--if-revision',
      String(bot.revision + 2),
    ]);
    expect(removed.automation.revision).toBe(bot.revision + 3);
  });

  it('a stale upgrade names who changed the target; after a rollback it says it runs the backup', async () => {
    const { run, json } = server;
    await json(['automation', 'import', fixturePath('returns-desk.json'), '--name', 'Gate Dev']);
    await json(['automation', 'import', fixturePath('hello-minimal.json'), '--name', 'Gate Prod']);
    await json(['release', 'create', 'Gate Dev', '--to', 'Gate Prod', '--version', '1.0.0']);
    await json(['release', 'upgrade', 'Gate Prod']);
    await json(['release', 'create', 'Gate Dev', '--to', 'Gate Prod', '--version', '1.1.0']);
    const preview = await json<{ target: { revision: number } }>([
      'release',
      'show',
      '--target',
      'Gate Prod',
    ]);
    // Prod is edited after the preview (and after 1.0.0), by importing another export into it.
    await json(['automation', 'import', fixturePath('loose-ends.json'), '--into', 'Gate Prod']);
    const stale = await run([
      'release',
      'upgrade',
      'Gate Prod',
      '--if-revision',
      String(preview.target.revision),
    ]);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(
      /"Gate Prod" changed since the preview \(revision \d+, now \d+\): automation\.import by admin at .*; its content since: .*; review the release again\./,
    );
    const upgraded = await json<{ backupVersion: { number: number } }>([
      'release',
      'upgrade',
      'Gate Prod',
    ]);
    const rolledBack = await run(['release', 'rollback', 'Gate Prod', '--yes']);
    expect(rolledBack.code).toBe(0);
    const runs = `the backup taken before upgrading to 1.1.0 (version #${upgraded.backupVersion.number})`;
    expect(rolledBack.stderr).toContain(`It now runs ${runs}.`);
    expect((await run(['release', 'history', 'Gate Prod'])).stdout).toContain(
      `Gate Prod runs ${runs};`,
    );
    expect((await run(['automation', 'show', 'Gate Prod'])).stdout).toContain(runs);
  });
});
