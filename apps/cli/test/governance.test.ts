// The built `ferry` binary on release governance (issue 14): the required-approvals policy,
// `release approve` (exit 6 while too few approved), `release comment`, `release notes` and
// `diff A --against B`, in text and --json.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateBotExport } from '@ferry/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempDir, type TestServer } from './support.js';

describe('ferry release governance', () => {
  let server: TestServer;
  let dir: string;
  const tokens: Record<string, string> = {};

  /** A generated CB export in a file; `rename` renames its second interaction. */
  const botFile = (seed: number, rename?: string) => {
    const doc = generateBotExport({ seed, dialogs: 2, interactionsPerDialog: 3 }) as unknown as {
      conversationMessage: { name: string }[];
    };
    if (rename !== undefined && doc.conversationMessage[1])
      doc.conversationMessage[1].name = rename;
    const file = join(dir, `bot-${seed}-${rename ?? 'plain'}.json`);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  beforeAll(async () => {
    server = await startTestServer();
    dir = tempDir('governance');
    for (const [name, role] of [
      ['maker', 'release-creator'],
      ['alice', 'release-acceptor'],
      ['bob', 'release-acceptor'],
      ['vic', 'viewer'],
    ] as const)
      tokens[name] = (
        await server.json<{ token: string }>(['user', 'create', name, '--role', role])
      ).token;
    await server.json(['automation', 'import', botFile(3), '--name', 'Gov (Prod)']);
    await server.json([
      'automation',
      'import',
      botFile(3, 'Ask <order> id'),
      '--name',
      'Gov (Dev)',
    ]);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('diff A --against B shows what A has that B has not, in text and --json', async () => {
    const text = await server.run(['diff', 'Gov (Dev)', '--against', 'Gov (Prod)']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Gov \(Prod\) \(revision \d+\) → Gov \(Dev\) \(revision \d+\)/);
    expect(text.stdout).toContain('1 interaction changed.');
    expect(text.stdout).toContain('Ask <order> id');
    const json = await server.json<{
      summary: { changed: number };
      to: { automation: { name: string } };
    }>(['diff', 'Gov (Dev)', '--against', 'Gov (Prod)']);
    expect(json.summary.changed).toBe(1);
    expect(json.to.automation.name).toBe('Gov (Dev)');
    const bad = await server.run(['diff', 'Gov (Dev)', '1', '--against', 'Gov (Prod)']);
    expect(bad.code).toBe(2);
    const missing = await server.run(['diff', 'Gov (Dev)', '--against', 'Nope']);
    expect(missing.code).toBe(3);
  });

  it('approvals gate the upgrade (exit 6 naming who approved), comments and notes show', async () => {
    const policy = await server.run(['policy', 'set', '--required-approvals', '2']);
    expect(policy.code).toBe(0);
    expect(policy.stdout).toContain('approvals required: 2');
    expect((await server.run(['policy', 'set', '--required-approvals', 'x'])).code).toBe(2);
    expect(
      (await server.json<{ requiredApprovals: number }>(['policy', 'show'])).requiredApprovals,
    ).toBe(2);

    // Created by the admin, who may accept releases but never approve their own.
    const created = await server.json<{ id: string }>([
      'release',
      'create',
      'Gov (Dev)',
      '--to',
      'Gov (Prod)',
      '--version',
      '1.0.0',
      '--description',
      'Order ids',
    ]);

    const own = await server.run(['release', 'approve', 'Gov (Prod)']);
    expect(own.code).toBe(5);
    expect(own.stderr).toContain(
      'You created release 1.0.0; its approvals must come from other users.',
    );
    const role = await server.run(['release', 'approve', 'Gov (Prod)'], { token: tokens.maker });
    expect(role.code).toBe(5);
    expect(role.stderr).toContain('needs "accept-release"');

    const first = await server.run(
      ['release', 'approve', 'Gov (Prod)', '--comment', 'Fine by me'],
      {
        token: tokens.alice,
      },
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'Approved release 1.0.0 for "Gov (Prod)": 1 of 2 required approvals (alice).',
    );
    const twice = await server.run(['release', 'approve', 'Gov (Prod)'], { token: tokens.alice });
    expect(twice.code).toBe(4);

    const blocked = await server.run(['release', 'upgrade', 'Gov (Prod)', '--force'], {
      token: tokens.bob,
    });
    expect(blocked.code).toBe(6);
    expect(blocked.stderr).toContain(
      'needs 2 approvals before an upgrade; it has 1 so far, by alice.',
    );
    const blockedJson = await server.run(
      ['release', 'upgrade', 'Gov (Prod)', '--force', '--json'],
      {
        token: tokens.bob,
      },
    );
    expect(JSON.parse(blockedJson.stderr)).toMatchObject({
      error: { exitCode: 6, details: { required: 2, approvedBy: ['alice'] } },
    });

    const said = await server.run(
      ['release', 'comment', 'Gov (Prod)', 'Checked with\tthe brand team'],
      { token: tokens.maker },
    );
    expect(said.code).toBe(0);
    const shown = await server.run(['release', 'show', created.id], { token: tokens.bob });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Approvals: 1 of 2 required:');
    expect(shown.stdout).toMatch(/alice .*: Fine by me/);
    expect(shown.stdout).toMatch(/maker .*: Checked with the brand team/);
    expect(shown.stdout).toContain('needs 2 approvals before an upgrade');
    const shownJson = await server.json<{
      reviews: { approvals: { by: string }[]; comments: { text: string }[] };
    }>(['release', 'show', created.id]);
    expect(shownJson.reviews.approvals.map((a) => a.by)).toEqual(['alice']);
    expect(shownJson.reviews.comments.map((c) => c.text)).toEqual(['Checked with\tthe brand team']);

    await server.json(['release', 'approve', 'Gov (Prod)', '--release', '1.0.0'], {
      token: tokens.bob,
    });
    const upgraded = await server.run(['release', 'upgrade', 'Gov (Prod)', '--force'], {
      token: tokens.bob,
    });
    expect(upgraded.code).toBe(0);

    const notes = await server.run(['release', 'notes', '1.0.0', '--target', 'Gov (Prod)']);
    expect(notes.code).toBe(0);
    expect(notes.stdout.startsWith('# Release 1.0.0\n')).toBe(true);
    expect(notes.stdout).toContain('Order ids');
    expect(notes.stdout).toContain('## Dialog “');
    expect(notes.stdout).toContain('Changed interaction “Ask \\<order\\> id” (Interaction name)');
    expect(notes.stdout).toMatch(/before the upgrade \(version #\d+\)/);
    const notesJson = await server.run(['release', 'notes', created.id, '--format', 'json']);
    expect(JSON.parse(notesJson.stdout)).toMatchObject({
      version: '1.0.0',
      description: 'Order ids',
      dialogs: [{ items: [{ op: 'changed', name: 'Ask <order> id' }] }],
    });
    expect((await server.run(['release', 'notes', created.id, '--format', 'html'])).code).toBe(2);
    expect((await server.run(['release', 'notes', '9.9.9', '--target', 'Gov (Prod)'])).code).toBe(
      3,
    );
  });

  it('release history shows the rejection reason and the comments of received releases', async () => {
    await server.json(['policy', 'set', '--required-approvals', '0']);
    await server.json(
      ['release', 'create', 'Gov (Dev)', '--to', 'Gov (Prod)', '--version', '1.1.0'],
      {
        token: tokens.maker,
      },
    );
    await server.json(['release', 'reject', 'Gov (Prod)', '--reason', 'Wrong skill'], {
      token: tokens.alice,
    });
    await server.json(['release', 'comment', 'Gov (Prod)', '--release', '1.1.0', 'Will redo it'], {
      token: tokens.maker,
    });
    const history = await server.run(['release', 'history', 'Gov (Prod)']);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('Release 1.1.0 rejected');
    expect(history.stdout).toContain('Rejection reason (alice): Wrong skill');
    expect(history.stdout).toMatch(/Comment by maker .*: Will redo it/);
    expect(history.stdout).toContain('Approved by alice, bob');
  });
});
