// Decider tests of the rules every operation shares (DESIGN.md rules 10 and 11): the revision check,
// the audit entry of every operation, and purity (inputs never mutated, same inputs, same result).
import { describe, expect, it } from 'vitest';
import { checkRevision } from './automation.js';
import { createRelease, rejectRelease, rollback, upgradeToRelease } from './releases.js';
import { restoreVersion, saveVersion, versionsToPrune } from './versions.js';
import {
  NOW_ISO,
  automation,
  counterCtx,
  devAndProd,
  expectOk,
  given,
  withOneUpgrade,
  withTwoUpgrades,
} from './test-support/world.js';
import { must } from './must.js';

describe('rule 10: every change states the revision it was based on', () => {
  it('the current revision is accepted', () => {
    expect(checkRevision(automation('dev', { revision: 4 }), 4)).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it('a stale revision is refused as a conflict naming expected and actual revisions', () => {
    given(automation('dev', { revision: 4 }))
      .when((a) => checkRevision(a, 3))
      .thenRefused('CONFLICT', (e) => {
        expect(e.path).toBe('baseRevision');
        expect(e.details).toEqual({ expected: 3, actual: 4 });
        expect(e.message).toContain('Dev');
      });
  });

  it('save with a stale baseRevision is refused and returns no state', () => {
    given(automation('dev', { revision: 7, lastVersionNumber: 2 }))
      .when((a) => saveVersion(a, { name: 'x', baseRevision: 6 }, counterCtx()))
      .thenRefused('CONFLICT', (e) => expect(e.details).toEqual({ expected: 6, actual: 7 }));
  });

  it('restore with a stale baseRevision is refused and returns no state', () => {
    const w = devAndProd();
    const v = w.save('dev', 'v');
    w.edit('dev', 'root-dev-2');
    given(w.get('dev'))
      .when((a) => restoreVersion(a, v, { baseRevision: a.revision - 1 }, w.ctx()))
      .thenRefused('CONFLICT');
  });

  it('rollback with a stale baseRevision is refused and returns no state', () => {
    const w = withOneUpgrade();
    given(w.rollbackInput('prod'))
      .when((input) =>
        rollback({ ...input, baseRevision: input.target.revision - 1 }, w.ctx('bob')),
      )
      .thenRefused('CONFLICT');
  });
});

describe('rule 11: every successful operation returns an audit entry', () => {
  it('names the actor, action, automation, and content hashes before and after where the content changes', () => {
    const w = devAndProd();
    const v1 = w.save('dev', 'one');
    w.edit('dev', 'root-dev-2');
    w.restore('dev', v1);
    w.createRelease('dev', 'prod', '1.0.0');
    w.upgrade('prod');
    w.rollback('prod');
    const rows = w.audit.map((a) => ({
      action: a.action,
      actor: a.actor,
      at: a.at,
      automationId: a.automationId,
      before: a.before,
      after: a.after,
    }));
    expect(rows).toEqual([
      {
        action: 'version.save',
        actor: 'alice',
        at: NOW_ISO,
        automationId: 'dev',
        before: 'root-dev-1',
        after: 'root-dev-1',
      },
      {
        action: 'version.restore',
        actor: 'alice',
        at: NOW_ISO,
        automationId: 'dev',
        before: 'root-dev-2',
        after: 'root-dev-1',
      },
      {
        action: 'release.create',
        actor: 'alice',
        at: NOW_ISO,
        automationId: 'prod',
        before: undefined,
        after: undefined,
      },
      {
        action: 'release.upgrade',
        actor: 'bob',
        at: NOW_ISO,
        automationId: 'prod',
        before: 'root-prod-1',
        after: 'root-dev-1',
      },
      {
        action: 'release.rollback',
        actor: 'bob',
        at: NOW_ISO,
        automationId: 'prod',
        before: 'root-dev-1',
        after: 'root-prod-1',
      },
    ]);
  });

  it('links the entry to the version or release it concerns', () => {
    const w = devAndProd();
    const v1 = w.save('dev', 'one');
    const backup = w.restore('dev', v1);
    const release = w.createRelease('dev', 'prod', '1.0.0');
    const up = w.upgrade('prod');
    const [save, restore, create, upgrade] = w.audit;
    expect(save).toMatchObject({ versionId: v1.id, details: { number: 1, name: 'one' } });
    expect(restore).toMatchObject({
      versionId: v1.id,
      details: { number: 1, backupVersionId: backup.id, backupNumber: 2 },
    });
    expect(create).toMatchObject({
      releaseId: release.id,
      details: { version: '1.0.0', sourceId: 'dev', contentHash: 'root-dev-1' },
    });
    expect(upgrade).toMatchObject({
      releaseId: release.id,
      details: {
        version: '1.0.0',
        forced: false,
        backupVersionId: up.backup.id,
        resultVersionId: up.result.id,
      },
    });
  });
});

describe('purity', () => {
  const deepFreeze = <T>(value: T): T => {
    if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
  };

  it('operations never mutate their inputs', () => {
    const w = withTwoUpgrades();
    w.edit('prod', 'root-prod-hotfix');
    const v = must(w.versionsOf('prod')[0], "w.versionsOf('prod')[0]");
    const snapshot = JSON.stringify([...w.automations.values(), w.versions, w.releases, w.ledger]);
    deepFreeze([...w.automations.values()]);
    deepFreeze(w.versions);
    deepFreeze(w.releases);
    deepFreeze(w.ledger);
    const ctx = w.ctx('bob');
    expectOk(saveVersion(w.get('prod'), { name: 'x' }, ctx));
    expectOk(restoreVersion(w.get('prod'), v, {}, ctx));
    expectOk(rollback(w.rollbackInput('prod'), ctx));
    const pending = w.createRelease('dev', 'prod', '3.0.0');
    deepFreeze(pending);
    expectOk(
      createRelease(
        {
          source: w.get('dev'),
          target: w.get('prod'),
          version: '3.1.0',
          pending,
          ledger: w.ledgerOf('prod'),
        },
        ctx,
      ),
    );
    expectOk(upgradeToRelease(w.upgradeInput('prod'), ctx));
    expectOk(rejectRelease(w.get('prod'), pending, { reason: 'r' }, ctx));
    versionsToPrune(w.versions, w.ledger, 0);
    expect(
      JSON.stringify([...w.automations.values(), w.versions, w.releases.slice(0, -1), w.ledger]),
    ).toBe(snapshot);
  });

  it('the same state, command and context give the same result', () => {
    const run = () => {
      const w = withTwoUpgrades();
      w.edit('prod', 'root-prod-hotfix');
      return [w.rollback('prod'), w.audit];
    };
    expect(run()).toEqual(run());
  });
});
