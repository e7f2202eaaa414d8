// The whole Dev → Staging → Prod workflow, through the built `ferry` binary, on every CB export
// (packages/fixtures, plus the FERRY_CB_CORPUS corpus when set): import, edit by importing a changed export, save, diff, restore,
// release, environment check blocking then passing, upgrade, export, promote, rollback.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allFixtures,
  fixturePath,
  STACK,
  startTestServer,
  tempDir,
  withoutIdentity,
  type TestServer,
} from './support.js';
import { must } from '@ferry/core';

const fixtures = allFixtures();
const GREETING = 'FERRY_CLI_GREETING';

interface Automation {
  id: string;
  name: string;
  revision: number;
  created?: boolean;
}
interface Version {
  id: string;
  number: number;
  name: string;
  description: string;
}
interface Summary {
  added: number;
  removed: number;
  changed: number;
  text: string;
}
interface Change {
  kind: string;
  op: string;
  id: string | null;
  fields: { path: string }[];
}
interface ReleaseView {
  id: string;
  version: string;
  status: string;
  contentHash: string;
  promotedFromId: string | null;
}

/** The export with one interaction renamed to use an environment variable: an edit the release checks see. */
function changedExport(text: string): { doc: Record<string, unknown>; interactionId: string } {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const first = must(
    (doc.conversationMessage as Record<string, unknown>[])[0],
    '(doc.conversationMessage as Record<string, unknown>[])[0]',
  );
  first.name = `${typeof first.name === 'string' ? first.name : 'interaction'} {$env.${GREETING}}`;
  return { doc, interactionId: String(first.id) };
}

describe('the Dev → Prod workflow on CB exports', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = tempDir('workflow');
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(7));

  it.concurrent.each(fixtures.map((f, i) => [f, i] as const))('%s', async (fixture, index) => {
    const { run, json } = server;
    const thorough = index === 0; // the refusals are checked once; the workflow on every fixture
    const base = fixture.replace(/\.json$/, '');
    const dev = `${base} (Dev)`;
    const stage = `${base} (Staging)`;
    const prod = `${base} (Prod)`;
    const source = fixturePath(fixture);
    const { doc: changed, interactionId } = changedExport(readFileSync(source, 'utf8'));
    const changedFile = join(dir, `${base}.changed.json`);
    writeFileSync(changedFile, JSON.stringify(changed, null, 2));

    // Import: a new automation (its id alone on stdout, or the JSON answer).
    let shown: Automation;
    if (thorough) {
      const imported = await run(['automation', 'import', source, '--name', dev]);
      expect(imported.code).toBe(0);
      expect(imported.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
      shown = await json<Automation>(['automation', 'show', dev]);
      expect(shown.id).toBe(imported.stdout.trim());
    } else shown = await json<Automation>(['automation', 'import', source, '--name', dev]);
    expect(shown).toMatchObject({ name: dev, revision: 1 });
    const devId = shown.id;
    const baseline = await json<Version>(['version', 'save', dev, '--name', 'baseline']);
    expect(baseline).toMatchObject({ number: 1, name: 'baseline' });

    // Edit: import a changed export into the same automation, guarded by its revision.
    const edited = await json<Automation>([
      'automation',
      'import',
      changedFile,
      '--into',
      dev,
      '--if-revision',
      String(shown.revision),
    ]);
    expect(edited).toMatchObject({ id: devId, created: false, revision: shown.revision + 1 });
    if (thorough) {
      const stale = await run([
        'automation',
        'import',
        changedFile,
        '--into',
        dev,
        '--if-revision',
        String(shown.revision),
      ]);
      expect(stale.code).toBe(4);
      expect(stale.stderr).toMatch(/revision/);
      expect(stale.stderr).not.toMatch(STACK);
    }
    const greeting = await json<Version>([
      'version',
      'save',
      dev,
      '--name',
      'greeting',
      '--description',
      'uses the greeting variable',
    ]);
    expect(greeting).toMatchObject({
      number: 2,
      name: 'greeting',
      description: 'uses the greeting variable',
    });

    // Diff: exactly the renamed interaction.
    const diff = await json<{ summary: Summary; changes: Change[] }>(['diff', dev, '1', '2']);
    expect(diff.summary).toMatchObject({ added: 0, removed: 0, changed: 1 });
    expect(diff.changes).toEqual([
      expect.objectContaining({
        kind: 'interaction',
        op: 'changed',
        id: interactionId,
        fields: [expect.objectContaining({ path: '/name' })],
      }),
    ]);
    if (thorough) {
      const human = await run(['diff', dev, '1', '2']);
      expect(human.stdout).toMatch(/1 interaction changed/);
      expect(human.stdout).toContain(interactionId);
    }

    // Restore #1 (confirmed with --yes), then the greeting version again by name.
    if (thorough) {
      const unconfirmed = await run(['version', 'restore', dev, '1']);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toMatch(/--yes/);
    }
    const restored = await json<{
      restored: Version;
      backup: Version;
      automation: { revision: number };
    }>(['version', 'restore', dev, '1', '--yes']);
    expect(restored.restored.number).toBe(1);
    expect(restored.backup).toMatchObject({
      number: 3,
      name: expect.stringMatching(/^Before restore of #1/),
    });
    expect((await json<{ summary: Summary }>(['diff', dev, '1'])).summary).toMatchObject({
      added: 0,
      removed: 0,
      changed: 0,
    });
    await json(['version', 'restore', dev, 'greeting', '--yes']);
    if (thorough)
      expect((await json<{ summary: Summary }>(['diff', dev, 'greeting'])).summary).toMatchObject({
        added: 0,
        removed: 0,
        changed: 0,
      });

    // Staging and Prod, sharing one environment (an environment can serve several automations).
    const environment = `${base} env`;
    await json(['env', 'create', environment]);
    for (const name of [stage, prod]) {
      await json(['automation', 'create', name]);
      await json(['env', 'link', name, environment]);
    }

    // Release Dev → Staging: the preview shows the changes and the missing variables.
    const release = await json<ReleaseView>([
      'release',
      'create',
      dev,
      '--to',
      stage,
      '--version',
      '1.0.0',
      '--description',
      `first ${base}`,
    ]);
    expect(release).toMatchObject({ version: '1.0.0', status: 'pending' });
    const preview = await json<{
      summary: Summary;
      changes: Change[];
      checks: { missingEnv: string[] };
      target: { revision: number };
      canUpgrade: boolean;
    }>(['release', 'show', release.id]);
    expect(preview.summary.added).toBeGreaterThan(0);
    expect(preview.changes.length).toBeGreaterThan(0);
    expect(preview.checks.missingEnv).toContain(GREETING);
    expect(preview.canUpgrade).toBe(false);

    // The CI gate says the same, with where each check fired: exit 6 while blocked.
    if (thorough) {
      const gate = await run(['release', 'check', stage]);
      expect(gate.code).toBe(6);
      expect(gate.stdout).toContain(`environment variable ${GREETING}`);
      expect(gate.stdout).toMatch(/ {13}at dialog ".*" › interaction ".*" › field name\n/);
      expect(gate.stdout).toContain('The upgrade would be blocked:');
      expect(gate.stderr).toContain(GREETING);
      const gateJson = await run(['release', 'check', stage, '--release', '1.0.0', '--json']);
      expect(gateJson.code).toBe(6);
      expect(JSON.parse(gateJson.stdout)).toMatchObject({
        release: { id: release.id, version: '1.0.0' },
        canUpgrade: false,
        checks: { missingEnv: expect.arrayContaining([GREETING]) },
      });
      expect(JSON.parse(gateJson.stderr)).toMatchObject({
        error: { code: 'PRECONDITION_FAILED', exitCode: 6 },
      });
    }

    // Upgrade blocked (exit 6, naming every missing variable), then passing once they are defined.
    const blocked = await run(['release', 'upgrade', stage]);
    expect(blocked.code).toBe(6);
    for (const name of preview.checks.missingEnv) expect(blocked.stderr).toContain(name);
    expect(blocked.stderr).not.toMatch(STACK);
    const assignments = preview.checks.missingEnv.map((n) => `${n}=value of ${n}`);
    await json(['env', 'set', environment, ...assignments]);
    if (thorough) {
      const passing = await run(['release', 'check', stage]);
      expect(passing.code).toBe(0);
      expect(passing.stdout).toContain('The upgrade would be allowed.');
      expect(
        (await json<{ canUpgrade: boolean; blockers: string[] }>(['release', 'check', stage]))
          .canUpgrade,
      ).toBe(true);
    }
    const stale = await run([
      'release',
      'upgrade',
      stage,
      '--if-revision',
      String(preview.target.revision + 7),
    ]);
    expect(stale.code).toBe(4);
    const upgraded = await json<{ automation: Automation; release: ReleaseView }>([
      'release',
      'upgrade',
      stage,
      '--if-revision',
      String(preview.target.revision),
    ]);
    expect(upgraded.release.status).toBe('upgraded');

    // Staging now exports the changed bot, apart from identity (and so does Dev).
    const stageExport = join(dir, `${base}.staging.json`);
    await json(['automation', 'export', stage, '--out', stageExport]);
    const expected = withoutIdentity(changed);
    const stageDoc = JSON.parse(readFileSync(stageExport, 'utf8')) as Record<string, unknown>;
    expect(withoutIdentity(stageDoc)).toEqual(expected);
    expect((stageDoc.bot as { name: string }).name).toBe(stage);
    const devExport = await run(['automation', 'export', dev]);
    expect(withoutIdentity(JSON.parse(devExport.stdout) as Record<string, unknown>)).toEqual(
      expected,
    );

    // Promote Staging → Prod: the same content hash, accepted by Prod.
    const promoted = await json<ReleaseView>(['release', 'promote', stage, '--to', prod]);
    expect(promoted).toMatchObject({
      version: '1.0.0',
      status: 'pending',
      contentHash: release.contentHash,
      promotedFromId: release.id,
    });
    await json(['release', 'upgrade', prod]);
    const prodDoc = JSON.parse((await run(['automation', 'export', prod])).stdout) as Record<
      string,
      unknown
    >;
    expect(withoutIdentity(prodDoc)).toEqual(expected);

    // Roll Prod back (confirmed): it returns to its empty self from before the upgrade.
    if (thorough) expect((await run(['release', 'rollback', prod])).code).toBe(2);
    const rolledBack = await json<{ restoredVersion: Version; runsRelease: unknown }>([
      'release',
      'rollback',
      prod,
      '--yes',
    ]);
    expect(rolledBack.restoredVersion.name).toBe('Before upgrade to 1.0.0');
    expect(rolledBack.runsRelease).toBeNull();
    const prodNow = await json<{ counts: { dialogs: number; interactions: number } }>([
      'automation',
      'show',
      prod,
    ]);
    expect(prodNow.counts).toMatchObject({ dialogs: 0, interactions: 0 });
    if (thorough) {
      const ledger = await json<ReleaseView[]>(['release', 'list', prod]);
      expect(ledger.map((r) => r.status)).toEqual(['rolled-back']);
    }
  });
});
