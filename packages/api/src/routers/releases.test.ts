import { importCbExport, must, referencedEnvNames, releaseChecks } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { schema } from '@ferry/db';
import { and, count, eq } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, setPolicy } from '../repositories/policy-repository.js';
import {
  FIXTURES,
  fixture,
  createTestApi,
  failure,
  testDatabaseKinds,
  type TestApi,
} from '../test-support/harness.js';

/** A generated bot whose content references API_BASE_URL, SKILL_ID and BRAND. */
const generatedBot = (seed: number) =>
  generateBotExport({ seed, dialogs: 3, interactionsPerDialog: 5, name: `Generated ${seed}` });

describe.each(testDatabaseKinds())('releases on %s', (kind) => {
  let api: TestApi;
  let n = 0;
  /** A fresh name, so tests sharing the database never collide. */
  const unique = (label: string) => `${label} ${++n}`;

  beforeAll(async () => {
    api = await createTestApi(kind);
  });
  afterAll(() => api.close());

  const editor = () => api.as('editor');
  const creator = () => api.as('release-creator');
  const acceptor = () => api.as('release-acceptor');
  const viewer = () => api.as('viewer');
  const db = () => api.database.db;

  const importBot = (document: string | Record<string, unknown>, label: string) =>
    editor().automations.import({ document, name: unique(label) });
  const emptyBot = (label: string) => editor().automations.create({ name: unique(label) });
  const exportOf = (automation: string, version?: string) =>
    viewer().automations.export({ automation, ...(version && { version }) });

  /** Link a new environment defining `keys` to the automation (as the environments router would). */
  async function linkEnvironment(automationId: string, keys: string[]) {
    const id = uuidv7();
    await db()
      .insert(schema.environments)
      .values({ id, name: unique('Environment') });
    await defineVariables(id, keys);
    await db()
      .update(schema.automations)
      .set({ environmentId: id })
      .where(eq(schema.automations.id, automationId));
    return id;
  }
  async function defineVariables(environmentId: string, keys: string[], secret = false) {
    if (keys.length === 0) return;
    await db()
      .insert(schema.envVariables)
      .values(
        keys.map((key) =>
          secret
            ? { environmentId, key, value: null, secret: true, ciphertext: 'aXY=.dGFn.ZGF0YQ==' }
            : { environmentId, key, value: `value of ${key}` },
        ),
      );
  }

  /** Everything a refused operation must leave untouched. */
  async function state(automationId: string) {
    const [automation] = await db()
      .select({
        revision: schema.automations.revision,
        root: schema.automations.root,
        last: schema.automations.lastVersionNumber,
      })
      .from(schema.automations)
      .where(eq(schema.automations.id, automationId));
    const releases = await db()
      .select({ id: schema.releases.id, status: schema.releases.status })
      .from(schema.releases)
      .where(eq(schema.releases.targetId, automationId))
      .orderBy(schema.releases.id);
    const [versions] = await db()
      .select({ n: count() })
      .from(schema.versions)
      .where(eq(schema.versions.automationId, automationId));
    const [upgrades] = await db()
      .select({ n: count() })
      .from(schema.upgrades)
      .where(eq(schema.upgrades.targetId, automationId));
    const [audit] = await db().select({ n: count() }).from(schema.auditLog);
    return { automation, releases, versions, upgrades, audit };
  }

  /** `doc`, an export of automation `from`, as an export of automation `to` would read. */
  function withIdentity(
    doc: Record<string, unknown>,
    from: { id: string },
    to: { id: string; name: string },
  ) {
    const out = JSON.parse(JSON.stringify(doc).replaceAll(from.id, to.id));
    out.bot.name = to.name;
    return out;
  }

  describe('the whole workflow on every CB export', () => {
    const pairs = FIXTURES.map(
      (f, i) => [f, must(FIXTURES[(i + 1) % FIXTURES.length], 'the next fixture')] as const,
    );

    it.each(pairs)(
      '%s released into an automation imported from %s: preview, upgrade, reject, roll back',
      async (devFile, prodFile) => {
        const dev = await importBot(fixture(devFile), 'Dev');
        const prod = await importBot(fixture(prodFile), 'Prod');
        // Prod's environment defines every variable the release uses (and one it does not).
        const parsed = importCbExport(fixture(devFile));
        if (!parsed.ok) throw new Error(parsed.error.message);
        const defined = ['BRAND', ...referencedEnvNames(parsed.value.content)];
        const environmentId = await linkEnvironment(prod.id, defined);
        const agent = unique('prod-agent');
        await db()
          .insert(schema.agents)
          .values({ id: uuidv7(), automationId: prod.id, name: agent });
        const prodBefore = await exportOf(prod.id);
        const devExport = await exportOf(dev.id);
        const expectedChecks = releaseChecks(parsed.value.content, defined);

        const release = await creator().releases.create({
          source: dev.name,
          target: prod.name,
          version: '1.0.0',
          description: 'First release',
        });
        expect(release).toMatchObject({
          version: '1.0.0',
          status: 'pending',
          sourceId: dev.id,
          sourceName: dev.name,
          targetId: prod.id,
          targetName: prod.name,
          contentHash: devExport.root,
          createdBy: 'release-creator',
          superseded: null,
        });

        const preview = await acceptor().releases.show({ release: release.id });
        expect(preview.target).toMatchObject({
          id: prod.id,
          name: prod.name,
          revision: prod.revision,
          environment: { id: environmentId },
        });
        expect(preview.preview.changes.length).toBeGreaterThan(0);
        expect(preview.preview.summary.text).not.toBe('No changes.');
        expect(preview.checks).toMatchObject({ ok: true, errors: [], missingEnv: [] });
        expect(preview.checks.warnings).toHaveLength(expectedChecks.warnings.length);
        expect(preview).toMatchObject({ canUpgrade: true, blockers: [] });

        const upgraded = await acceptor().releases.upgrade({
          target: prod.name,
          ifRevision: preview.target.revision,
        });
        expect(upgraded).toMatchObject({
          automation: { id: prod.id, name: prod.name, revision: prod.revision + 1 },
          release: { id: release.id, status: 'upgraded', decidedBy: 'release-acceptor' },
          backupVersion: { number: 1, name: 'Before upgrade to 1.0.0' },
          resultVersion: { number: 2, name: 'Release 1.0.0' },
          // Passing checks are not rerun in full at upgrade time: the preview carries the warnings.
          warnings: null,
          forced: false,
        });
        const prodAfter = await exportOf(prod.id);
        expect(prodAfter.root).toBe(devExport.root);
        expect(prodAfter.document).toEqual(withIdentity(devExport.document, dev, prod));
        const shown = await viewer().automations.show({ automation: prod.id });
        expect(shown).toMatchObject({
          name: prod.name,
          agents: [{ name: agent }],
          environment: { id: environmentId },
          runsRelease: { id: release.id, version: '1.0.0' },
        });
        expect((await exportOf(prod.id, 'Before upgrade to 1.0.0')).document).toEqual(
          prodBefore.document,
        );
        expect((await exportOf(prod.id, 'Release 1.0.0')).root).toBe(devExport.root);

        const later = await creator().releases.create({
          source: dev.id,
          target: prod.id,
          version: '1.1.0',
        });
        const rejected = await acceptor().releases.reject({ target: prod.id, reason: 'Not now' });
        expect(rejected).toMatchObject({
          id: later.id,
          status: 'rejected',
          rejectReason: 'Not now',
          decidedBy: 'release-acceptor',
        });
        expect(await viewer().releases.list({ automation: prod.id, pending: true })).toEqual([]);

        const rolledBack = await acceptor().releases.rollback({
          target: prod.id,
          baseRevision: upgraded.automation.revision,
        });
        expect(rolledBack).toMatchObject({
          automation: { revision: upgraded.automation.revision + 1 },
          release: { id: release.id, status: 'rolled-back' },
          restoredVersion: { number: 1, name: 'Before upgrade to 1.0.0' },
          savedEditsVersion: null,
          runsRelease: null,
        });
        expect((await exportOf(prod.id)).document).toEqual(prodBefore.document);

        const history = await viewer().releases.history({ automation: prod.name });
        expect(history).toMatchObject({
          runsRelease: null,
          pendingRelease: null,
          semverFloor: null,
          upgrades: [
            {
              release: { id: release.id, version: '1.0.0', sourceName: dev.name },
              rolledBack: true,
              active: false,
              by: 'release-acceptor',
              backupVersion: { number: 1 },
              resultVersion: { number: 2 },
            },
          ],
        });
        expect(history.releases.map((r) => [r.version, r.status, r.role])).toEqual([
          ['1.1.0', 'rejected', 'target'],
          ['1.0.0', 'rolled-back', 'target'],
        ]);
      },
    );
  });

  describe('environment checks', () => {
    it('an upgrade whose content uses variables the environment lacks is refused with their names, writing nothing, and passes once they are defined', async () => {
      const dev = await importBot(generatedBot(1), 'Generated dev');
      const prod = await emptyBot('Prod');
      const environmentId = await linkEnvironment(prod.id, ['API_BASE_URL']);
      const release = await creator().releases.create({
        source: dev.id,
        target: prod.id,
        version: '1.0.0',
      });

      const preview = await acceptor().releases.show({ target: prod.name });
      expect(preview.release.id).toBe(release.id);
      expect(preview.checks).toMatchObject({ ok: false, missingEnv: ['BRAND', 'SKILL_ID'] });
      expect(preview.checks.errors.map((e) => [e.code, e.subject])).toEqual([
        ['ENV_UNDEFINED', 'BRAND'],
        ['ENV_UNDEFINED', 'SKILL_ID'],
      ]);
      expect(preview.canUpgrade).toBe(false);
      expect(preview.blockers.join(' ')).toContain('BRAND, SKILL_ID');

      const before = await state(prod.id);
      expect(
        await failure(
          acceptor().releases.upgrade({ target: prod.id, ifRevision: preview.target.revision }),
        ),
      ).toMatchObject({
        code: 'PRECONDITION_FAILED',
        path: 'environment',
        details: { missing: ['BRAND', 'SKILL_ID'] },
      });
      expect(await state(prod.id)).toEqual(before);

      // A secret counts as defined: checks compare names, never values.
      await defineVariables(environmentId, ['BRAND']);
      await defineVariables(environmentId, ['SKILL_ID'], true);
      const again = await acceptor().releases.show({ target: prod.name });
      expect(again).toMatchObject({ canUpgrade: true, checks: { ok: true, missingEnv: [] } });
      const upgraded = await acceptor().releases.upgrade({
        target: prod.id,
        ifRevision: again.target.revision,
      });
      expect(upgraded.forced).toBe(false);
      expect((await exportOf(prod.id)).root).toBe(release.contentHash);
    });

    it('the preview checks the whole release content even when the diff opens none of it (content the target already has)', async () => {
      const dev = await importBot(generatedBot(7), 'Generated dev');
      const prod = await emptyBot('Prod');
      await linkEnvironment(prod.id, ['API_BASE_URL']);
      await creator().releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
      await acceptor().releases.upgrade({ target: prod.id, force: true });
      await creator().releases.create({ source: dev.id, target: prod.id, version: '1.1.0' });

      const preview = await acceptor().releases.show({ target: prod.id });
      expect(preview.release.version).toBe('1.1.0');
      expect(preview.preview.changes).toEqual([]);
      expect(preview.checks).toMatchObject({ ok: false, missingEnv: ['BRAND', 'SKILL_ID'] });
    });

    it('force upgrades although the target has no environment at all, and the audit says it was forced', async () => {
      const dev = await importBot(generatedBot(2), 'Generated dev');
      const prod = await emptyBot('Prod');
      const emptyRoot = (await exportOf(prod.id)).root;
      await creator().releases.create({ source: dev.id, target: prod.id, version: '0.1.0' });
      const preview = await acceptor().releases.show({ target: prod.id });
      expect(preview.checks.missingEnv).toEqual(['API_BASE_URL', 'BRAND', 'SKILL_ID']);
      expect(must(preview.checks.errors[0], 'the first release check error').message).toContain(
        'no environment linked',
      );
      expect(await failure(acceptor().releases.upgrade({ target: prod.id }))).toMatchObject({
        code: 'PRECONDITION_FAILED',
      });

      const upgraded = await acceptor().releases.upgrade({ target: prod.id, force: true });
      expect(upgraded).toMatchObject({ forced: true, release: { status: 'upgraded' } });
      const [entry] = await db()
        .select()
        .from(schema.auditLog)
        .where(
          and(
            eq(schema.auditLog.action, 'release.upgrade'),
            eq(schema.auditLog.automationId, prod.id),
          ),
        );
      expect(entry).toMatchObject({
        actor: 'release-acceptor',
        releaseId: upgraded.release.id,
        before: emptyRoot,
        after: upgraded.release.contentHash,
        details: { forced: true },
      });
    });
  });

  it('an upgrade based on a stale preview is a conflict that writes nothing; the fresh revision succeeds', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await importBot(fixture('order-tracker.json'), 'Prod');
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
    const preview = await acceptor().releases.show({ target: prod.id });
    // Someone edits Production after the acceptor looked.
    await editor().automations.import({
      document: fixture('loose-ends.json'),
      into: prod.id,
      baseRevision: preview.target.revision,
    });
    // …and links an environment, which moves the revision on too.
    const env = await api.as('admin').environments.create({ name: 'Stale env' });
    await api.as('admin').environments.link({ automation: prod.id, environment: env.id });
    const before = await state(prod.id);
    const stale = await failure(
      acceptor().releases.upgrade({ target: prod.id, ifRevision: preview.target.revision }),
    );
    expect(stale).toMatchObject({
      code: 'CONFLICT',
      path: 'ifRevision',
      details: {
        expected: preview.target.revision,
        actual: preview.target.revision + 2,
        // Who changed it, when, with what; and what became of its content.
        changes: [
          {
            actor: 'editor',
            action: 'automation.import',
            revision: preview.target.revision + 1,
            at: expect.any(String),
          },
          {
            actor: 'admin',
            action: 'environment.link',
            revision: preview.target.revision + 2,
            at: expect.any(String),
          },
        ],
        changesTotal: 2,
        content: { text: expect.stringMatching(/\S/) },
      },
    });
    // The import kept Prod's previous content as version #1: the content change is #1 → now.
    const imported = await api.as('viewer').versions.diff({ automation: prod.id, from: '1' });
    expect(imported.summary.text).not.toBe('');
    expect(stale.message).toMatch(
      /^"Prod[^"]*" changed since the preview \(revision \d+, now \d+\): automation\.import by editor at .*; environment\.link by admin at .*; its content since: .*; review the release again\.$/,
    );
    expect(stale.message).toContain(imported.summary.text.replace(/\.$/, ''));
    expect((stale.details as { content: { text: string } }).content.text).toBe(
      imported.summary.text,
    );
    expect(await state(prod.id)).toEqual(before);

    const fresh = await acceptor().releases.show({ target: prod.id });
    expect(fresh.preview.summary.text).not.toBe(preview.preview.summary.text);
    const upgraded = await acceptor().releases.upgrade({
      target: prod.id,
      ifRevision: fresh.target.revision,
    });
    expect(upgraded.automation.revision).toBe(fresh.target.revision + 1);
  });

  it('a new release supersedes the pending one, which stays in history and can no longer be upgraded to', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await emptyBot('Prod');
    const first = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.0.0',
    });
    const second = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.1.0',
      description: 'Better',
    });
    expect(second.superseded).toEqual({ id: first.id, version: '1.0.0' });

    const toProd = await viewer().releases.list({ automation: prod.id, role: 'target' });
    expect(toProd.map((r) => [r.version, r.status, r.supersededById])).toEqual([
      ['1.1.0', 'pending', null],
      ['1.0.0', 'superseded', second.id],
    ]);
    expect(await viewer().releases.list({ automation: prod.id, role: 'source' })).toEqual([]);
    expect(
      (await viewer().releases.list({ automation: dev.name, role: 'source' })).map((r) => r.id),
    ).toEqual([second.id, first.id]);
    expect(
      (await viewer().releases.list({ automation: prod.id, pending: true })).map((r) => r.id),
    ).toEqual([second.id]);
    expect(
      (await viewer().releases.list({ automation: prod.id, pending: false })).map((r) => r.id),
    ).toEqual([first.id]);

    const old = await acceptor().releases.show({ target: prod.id, version: '1.0.0' });
    expect(old).toMatchObject({ release: { id: first.id }, canUpgrade: false });
    expect(
      await failure(acceptor().releases.upgrade({ target: prod.id, release: first.id })),
    ).toMatchObject({ code: 'CONFLICT', details: { status: 'superseded' } });
    const upgraded = await acceptor().releases.upgrade({ target: prod.id, release: '1.1.0' });
    expect(upgraded.release).toMatchObject({ id: second.id, description: 'Better' });
  });

  it('concurrent releases between two automations in both directions neither deadlock nor leave two pending', async () => {
    const a = await importBot(fixture('returns-desk.json'), 'A');
    const b = await importBot(fixture('order-tracker.json'), 'B');
    // Forced: whichever of 1.0.0 and 1.1.0 commits second supersedes the other, and a lower number
    // superseding a pending higher one is otherwise refused (this test is about the locks).
    const results = await Promise.all([
      creator().releases.create({ source: a.id, target: b.id, version: '1.0.0', force: true }),
      creator().releases.create({ source: b.id, target: a.id, version: '1.0.0', force: true }),
      creator().releases.create({ source: a.id, target: b.id, version: '1.1.0', force: true }),
      creator().releases.create({ source: b.id, target: a.id, version: '1.1.0', force: true }),
    ]);
    expect(results).toHaveLength(4);
    for (const target of [a, b]) {
      const pending = await viewer().releases.list({
        automation: target.id,
        role: 'target',
        pending: true,
      });
      expect(pending).toHaveLength(1);
    }
  });

  it('a release number must be above the one the target last upgraded to, unless forced', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await emptyBot('Prod');
    await creator().releases.create({ source: dev.id, target: prod.id, version: '2.0.0' });
    await acceptor().releases.upgrade({ target: prod.id });
    for (const version of ['1.9.0', '2.0.0'])
      expect(
        await failure(creator().releases.create({ source: dev.id, target: prod.id, version })),
      ).toMatchObject({ code: 'CONFLICT', path: 'version', details: { floor: '2.0.0' } });
    expect(
      await failure(creator().releases.create({ source: dev.id, target: prod.id, version: 'two' })),
    ).toMatchObject({ code: 'VALIDATION', path: 'version' });
    expect(await viewer().releases.list({ automation: prod.id, pending: true })).toEqual([]);
    const forced = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.9.0',
      force: true,
    });
    expect(forced.status).toBe('pending');
    expect(
      (await creator().releases.create({ source: dev.id, target: prod.id, version: 'v2.0.1' }))
        .version,
    ).toBe('2.0.1');
  });

  it('semver: build metadata is kept, a used number is burned, a lower number superseding is refused unless forced', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await emptyBot('Prod');
    const first = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.0.0+build.5',
    });
    expect(first.version).toBe('1.0.0+build.5');
    expect(
      await failure(
        creator().releases.create({ source: dev.id, target: prod.id, version: '1.0.0-rc.1' }),
      ),
    ).toMatchObject({ code: 'CONFLICT', path: 'version', details: { pending: '1.0.0+build.5' } });
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.1.0' });
    for (const version of ['1.0.0', '1.1.0+again'])
      expect(
        await failure(
          creator().releases.create({ source: dev.id, target: prod.id, version, force: true }),
        ),
      ).toMatchObject({
        code: 'CONFLICT',
        path: 'version',
        message: expect.stringMatching(/already used/),
      });
  });

  it('with the acceptor-differs policy, the creator of a release may not upgrade to it; someone else may', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await emptyBot('Prod');
    await setPolicy(db(), { ...DEFAULT_POLICY, acceptorMustDifferFromCreator: true });
    try {
      await api.as('admin').releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
      const preview = await api.as('admin').releases.show({ target: prod.id });
      expect(preview.canUpgrade).toBe(false);
      expect(preview.blockers.join(' ')).toContain('another user');
      const before = await state(prod.id);
      expect(await failure(api.as('admin').releases.upgrade({ target: prod.id }))).toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(await state(prod.id)).toEqual(before);
      expect((await acceptor().releases.show({ target: prod.id })).canUpgrade).toBe(true);
      await acceptor().releases.upgrade({ target: prod.id });
    } finally {
      await setPolicy(db(), DEFAULT_POLICY);
    }
  });

  it('promotes Dev → Staging → Prod with the content hash Staging accepted, even after Dev moved on, and shows the pipeline', async () => {
    const dev = await importBot(generatedBot(3), 'Dev');
    const staging = await emptyBot('Staging');
    const prod = await emptyBot('Prod');
    for (const target of [staging, prod])
      await linkEnvironment(target.id, ['API_BASE_URL', 'SKILL_ID', 'BRAND']);
    expect(
      await failure(
        creator().releases.promote({ from: staging.id, to: prod.id, version: '1.0.0' }),
      ),
    ).toMatchObject({ code: 'PRECONDITION_FAILED', path: 'from' });

    const toStaging = await creator().releases.create({
      source: dev.id,
      target: staging.id,
      version: '1.0.0',
    });
    await acceptor().releases.upgrade({ target: staging.id });
    await editor().automations.import({ document: generatedBot(4), into: dev.id });

    const promoted = await creator().releases.promote({
      from: staging.name,
      to: prod.name,
      version: '1.0.0',
      description: 'As accepted in Staging',
    });
    expect(promoted).toMatchObject({
      sourceId: staging.id,
      targetId: prod.id,
      contentHash: toStaging.contentHash,
      promotedFromId: toStaging.id,
      status: 'pending',
    });
    await acceptor().releases.upgrade({ target: prod.id });
    const prodExport = await exportOf(prod.id);
    expect(prodExport.root).toBe(toStaging.contentHash);
    expect(prodExport.document).toEqual(
      withIdentity((await exportOf(staging.id)).document, staging, prod),
    );
    expect((await exportOf(dev.id)).root).not.toBe(toStaging.contentHash);

    await creator().releases.create({ source: dev.id, target: staging.id, version: '1.1.0' });
    const pipeline = (await viewer().releases.pipelines()).find((p) =>
      p.automations.some((a) => a.id === dev.id),
    );
    expect(pipeline).toMatchObject({
      label: `${dev.name} → ${staging.name} → ${prod.name}`,
      automations: [
        { id: dev.id, depth: 0, runsRelease: null, pendingRelease: null },
        {
          id: staging.id,
          depth: 1,
          runsRelease: { version: '1.0.0' },
          pendingRelease: { version: '1.1.0', sourceId: dev.id },
        },
        { id: prod.id, depth: 2, runsRelease: { version: '1.0.0' }, pendingRelease: null },
      ],
    });
    expect(
      must(pipeline, 'the Dev → Staging → Prod pipeline').edges.map((e) => [
        e.sourceName,
        e.targetName,
        e.releases,
      ]),
    ).toEqual([
      [dev.name, staging.name, 2],
      [staging.name, prod.name, 1],
    ]);
  });

  it('rolling back twice goes two upgrades back, saving edits made since first, and lowers the number floor', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await importBot(fixture('hello-minimal.json'), 'Prod');
    const original = await exportOf(prod.id);
    const first = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.0.0',
    });
    await acceptor().releases.upgrade({ target: prod.id });
    await editor().automations.import({ document: fixture('loose-ends.json'), into: dev.id });
    await creator().releases.create({ source: dev.id, target: prod.id, version: '2.0.0' });
    await acceptor().releases.upgrade({ target: prod.id });
    // Production is edited after the upgrade: the rollback keeps those edits as a version.
    const edited = await editor().automations.import({
      document: fixture('card-services.json'),
      into: prod.id,
    });
    const editedRoot = (await exportOf(prod.id)).root;

    expect(
      await failure(
        acceptor().releases.rollback({ target: prod.id, baseRevision: edited.revision - 1 }),
      ),
    ).toMatchObject({ code: 'CONFLICT' });
    const once = await acceptor().releases.rollback({
      target: prod.id,
      baseRevision: edited.revision,
    });
    expect(once).toMatchObject({
      release: { version: '2.0.0', status: 'rolled-back' },
      savedEditsVersion: { name: 'Before rollback of 2.0.0' },
      runsRelease: { id: first.id, version: '1.0.0' },
    });
    expect((await exportOf(prod.id)).root).toBe(first.contentHash);
    expect(
      (
        await exportOf(
          prod.id,
          must(once.savedEditsVersion, 'the version that saved the edits').name,
        )
      ).root,
    ).toBe(editedRoot);
    expect((await viewer().releases.history({ automation: prod.id })).semverFloor).toBe('1.0.0');
    // The floor fell back to 1.0.0: a number between the two is accepted again.
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.5.0' });

    const twice = await acceptor().releases.rollback({ target: prod.id });
    expect(twice).toMatchObject({
      release: { id: first.id, status: 'rolled-back' },
      savedEditsVersion: null,
      runsRelease: null,
      // Not "no release" only: it runs what it had before its first upgrade.
      runs: {
        kind: 'backup',
        rolledBack: { version: '1.0.0' },
        text: expect.stringMatching(
          /^the backup taken before upgrading to 1\.0\.0 \(version #\d+\)$/,
        ),
      },
    });
    expect((await exportOf(prod.id)).document).toEqual(original.document);
    const history = await viewer().releases.history({ automation: prod.id });
    expect(history).toMatchObject({
      semverFloor: null,
      runsRelease: null,
      pendingRelease: { version: '1.5.0' },
    });
    expect(history.upgrades.map((u) => [u.release.version, u.rolledBack])).toEqual([
      ['2.0.0', true],
      ['1.0.0', true],
    ]);
    expect(await failure(acceptor().releases.rollback({ target: prod.id }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
  });

  it('after a rollback it says it runs the backup, not the previous release, when the backup holds edits made after that release', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await importBot(fixture('hello-minimal.json'), 'Prod');
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
    await acceptor().releases.upgrade({ target: prod.id });
    // Production is edited after 1.0.0; then 1.1.0 comes, and is rolled back.
    const shown = await viewer().automations.show({ automation: prod.id });
    await editor().editing.addDialog({
      automation: prod.id,
      baseRevision: shown.revision,
      dialog: { name: 'Hotfix after 1.0.0' },
    });
    await editor().automations.import({ document: fixture('loose-ends.json'), into: dev.id });
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.1.0' });
    const upgraded = await acceptor().releases.upgrade({ target: prod.id });
    const back = await acceptor().releases.rollback({ target: prod.id });
    const backup = upgraded.backupVersion;
    const expected = {
      kind: 'backup',
      release: null,
      rolledBack: { version: '1.1.0' },
      backupVersion: { id: backup.id, number: backup.number },
      text: `the backup taken before upgrading to 1.1.0 (version #${backup.number})`,
    };
    expect(back).toMatchObject({ runsRelease: null, runs: expected });
    expect(await viewer().releases.history({ automation: prod.id })).toMatchObject({
      runsRelease: null,
      runs: expected,
      semverFloor: '1.0.0',
    });
    expect(await viewer().automations.show({ automation: prod.id })).toMatchObject({
      runsRelease: null,
      runs: expected,
    });
    expect((await viewer().automations.list()).find((a) => a.id === prod.id)).toMatchObject({
      runsRelease: null,
      runs: expected.text,
    });
    // The pipeline view says the same.
    const stage = (await viewer().releases.pipelines())
      .flatMap((p) => p.automations)
      .find((st) => st.id === prod.id);
    expect(stage).toMatchObject({ runsRelease: null, runsBackup: { version: '1.1.0' } });

    // Without edits in between, the backup is exactly release 1.0.0's content: it runs 1.0.0.
    const prod2 = await importBot(fixture('hello-minimal.json'), 'Prod');
    const first = await creator().releases.create({
      source: dev.id,
      target: prod2.id,
      version: '1.0.0',
    });
    await acceptor().releases.upgrade({ target: prod2.id });
    await editor().automations.import({ document: fixture('tile-showcase.json'), into: dev.id });
    await creator().releases.create({ source: dev.id, target: prod2.id, version: '1.1.0' });
    await acceptor().releases.upgrade({ target: prod2.id });
    expect(await acceptor().releases.rollback({ target: prod2.id })).toMatchObject({
      runsRelease: { id: first.id, version: '1.0.0' },
      runs: { kind: 'release', text: 'release 1.0.0' },
    });
    // A later upgrade is what it runs again.
    await editor().automations.import({ document: fixture('order-tracker.json'), into: dev.id });
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.2.0' });
    await acceptor().releases.upgrade({ target: prod.id, force: true });
    expect((await viewer().releases.history({ automation: prod.id })).runs).toMatchObject({
      kind: 'release',
      text: 'release 1.2.0',
    });
  });

  it('a release is frozen at creation, and can be made from a chosen version of the source', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await emptyBot('Prod');
    const other = await emptyBot('Other');
    const emptyRoot = (await exportOf(prod.id)).root;
    const devRoot = (await exportOf(dev.id)).root;
    const release = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.0.0',
    });
    await editor().automations.import({ document: fixture('loose-ends.json'), into: dev.id });
    const preview = await acceptor().releases.show({ release: release.id });
    expect(preview.release.contentHash).toBe(devRoot);
    await acceptor().releases.upgrade({ target: prod.id });
    expect((await exportOf(prod.id)).root).toBe(devRoot);

    // Prod now has versions #1 (backup, empty) and #2 ("Release 1.0.0").
    const fromBackup = await creator().releases.create({
      source: prod.id,
      target: other.id,
      version: '1.0.0',
      fromVersion: '#1',
    });
    expect(fromBackup).toMatchObject({ contentHash: emptyRoot });
    const fromNamed = await creator().releases.create({
      source: prod.id,
      target: other.id,
      version: '1.0.1',
      fromVersion: 'Release 1.0.0',
    });
    expect(fromNamed).toMatchObject({ contentHash: devRoot, superseded: { id: fromBackup.id } });
    expect(
      await failure(
        creator().releases.create({
          source: prod.id,
          target: other.id,
          version: '1.0.2',
          fromVersion: '#99',
        }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND', path: 'fromVersion' });
  });

  it('every release action writes its audit entry with the content hashes', async () => {
    const dev = await importBot(fixture('returns-desk.json'), 'Dev');
    const prod = await emptyBot('Prod');
    const emptyRoot = (await exportOf(prod.id)).root;
    const release = await creator().releases.create({
      source: dev.id,
      target: prod.id,
      version: '1.0.0',
    });
    await acceptor().releases.upgrade({ target: prod.id });
    await creator().releases.create({ source: dev.id, target: prod.id, version: '1.1.0' });
    await acceptor().releases.reject({ target: prod.id, reason: 'no' });
    await acceptor().releases.rollback({ target: prod.id });
    const entries = await db()
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.automationId, prod.id))
      .orderBy(schema.auditLog.seq);
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['automation.create', 'editor'],
      ['release.create', 'release-creator'],
      ['release.upgrade', 'release-acceptor'],
      ['release.create', 'release-creator'],
      ['release.reject', 'release-acceptor'],
      ['release.rollback', 'release-acceptor'],
    ]);
    expect(entries[2]).toMatchObject({
      releaseId: release.id,
      before: emptyRoot,
      after: release.contentHash,
    });
    expect(entries[5]).toMatchObject({ before: release.contentHash, after: emptyRoot });
  });

  describe('refusals', () => {
    it('a release to its own source is invalid', async () => {
      const dev = await importBot(fixture('returns-desk.json'), 'Dev');
      expect(
        await failure(
          creator().releases.create({ source: dev.name, target: dev.id, version: '1.0.0' }),
        ),
      ).toMatchObject({ code: 'VALIDATION', path: 'target' });
      expect(
        await failure(creator().releases.create({ source: dev.id, target: ' ', version: '1.0.0' })),
      ).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('target') });
    });

    it('unknown automations and releases are NOT_FOUND, naming the field', async () => {
      const dev = await importBot(fixture('returns-desk.json'), 'Dev');
      const prod = await emptyBot('Prod');
      const cases: [() => Promise<unknown>, string][] = [
        [
          () => creator().releases.create({ source: 'nope', target: prod.id, version: '1.0.0' }),
          'source',
        ],
        [
          () => creator().releases.create({ source: dev.id, target: 'nope', version: '1.0.0' }),
          'target',
        ],
        [() => creator().releases.promote({ from: 'nope', to: prod.id, version: '1.0.0' }), 'from'],
        [() => viewer().releases.show({ release: 'nope' }), 'release'],
        [() => viewer().releases.show({ target: prod.id }), 'release'],
        [() => viewer().releases.show({ target: 'nope' }), 'target'],
        [() => acceptor().releases.upgrade({ target: prod.id }), 'release'],
        [() => acceptor().releases.upgrade({ target: prod.id, release: 'nope' }), 'release'],
        [() => acceptor().releases.upgrade({ target: 'nope' }), 'target'],
        [() => acceptor().releases.reject({ target: prod.id }), 'release'],
        [() => viewer().releases.history({ automation: 'nope' }), 'automation'],
        [() => viewer().releases.list({ automation: 'nope' }), 'automation'],
      ];
      for (const [call, path] of cases)
        expect(await failure(call())).toMatchObject({ code: 'NOT_FOUND', path });
      expect(await failure(viewer().releases.show({}))).toMatchObject({ code: 'VALIDATION' });
      expect(await failure(acceptor().releases.rollback({ target: prod.id }))).toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
    });

    it('a release addressed to another target cannot be upgraded to or rejected there', async () => {
      const dev = await importBot(fixture('returns-desk.json'), 'Dev');
      const prod = await emptyBot('Prod');
      const elsewhere = await emptyBot('Elsewhere');
      const release = await creator().releases.create({
        source: dev.id,
        target: prod.id,
        version: '1.0.0',
      });
      for (const call of [
        () => acceptor().releases.upgrade({ target: elsewhere.id, release: release.id }),
        () => acceptor().releases.reject({ target: elsewhere.id, release: release.id }),
        () => viewer().releases.show({ target: elsewhere.id, release: release.id }),
      ])
        expect(await failure(call())).toMatchObject({ code: 'NOT_FOUND', path: 'release' });
      expect((await viewer().releases.show({ release: release.id })).release.status).toBe(
        'pending',
      );
    });

    it('only release creators create and promote, only release acceptors upgrade, reject and roll back', async () => {
      const dev = await importBot(fixture('returns-desk.json'), 'Dev');
      const prod = await emptyBot('Prod');
      for (const role of ['viewer', 'editor', 'release-acceptor'] as const) {
        expect(
          await failure(
            api.as(role).releases.create({ source: dev.id, target: prod.id, version: '1.0.0' }),
          ),
        ).toMatchObject({ code: 'FORBIDDEN' });
        expect(
          await failure(
            api.as(role).releases.promote({ from: dev.id, to: prod.id, version: '1.0.0' }),
          ),
        ).toMatchObject({ code: 'FORBIDDEN' });
      }
      await creator().releases.create({ source: dev.id, target: prod.id, version: '1.0.0' });
      const before = await state(prod.id);
      for (const role of ['viewer', 'editor', 'release-creator'] as const) {
        for (const call of [
          () => api.as(role).releases.upgrade({ target: prod.id }),
          () => api.as(role).releases.reject({ target: prod.id }),
          () => api.as(role).releases.rollback({ target: prod.id }),
        ])
          expect(await failure(call())).toMatchObject({ code: 'FORBIDDEN' });
      }
      expect(await state(prod.id)).toEqual(before);
      const preview = await viewer().releases.show({ target: prod.id });
      expect(preview.canUpgrade).toBe(false);
      expect(await failure(api.as('anonymous').releases.list())).toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });
  });
});
