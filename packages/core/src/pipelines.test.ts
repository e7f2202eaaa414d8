// Given releases between automations, when the pipelines are built, then the stages come in
// release order with what each runs and awaits (DESIGN.md rules 9 and 15).
import { describe, expect, it } from 'vitest';
import type { Upgrade } from './automation.js';
import {
  buildPipelines,
  stageDepths,
  type PipelineAutomation,
  type PipelineRelease,
} from './pipelines.js';
import { must } from './must.js';

let clock = 0;
const release = (
  id: string,
  sourceId: string,
  targetId: string,
  over: Partial<PipelineRelease> = {},
): PipelineRelease => ({
  id,
  sourceId,
  targetId,
  version: '1.0.0',
  status: 'upgraded',
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString(),
  sourceName: null,
  targetName: null,
  ...over,
});
const automation = (id: string, name = id, environment: string | null = null) =>
  ({ id, name, revision: 1, environment }) satisfies PipelineAutomation;
const upgrade = (targetId: string, releaseId: string, releaseVersion: string, rolledBack = false) =>
  ({
    id: `u-${releaseId}`,
    targetId,
    releaseId,
    releaseVersion,
    backupVersionId: 'b',
    resultVersionId: 'r',
    root: 'h',
    by: 'alice',
    at: '2026-01-01T00:00:00.000Z',
    rolledBack,
  }) satisfies Upgrade;

describe('pipelines', () => {
  it('no releases make no pipelines', () => {
    expect(buildPipelines({ releases: [], automations: [automation('a')], upgrades: [] })).toEqual(
      [],
    );
  });

  it('a chain Dev → Staging → Prod is one pipeline in release order, whatever the names sort to', () => {
    const pipelines = buildPipelines({
      releases: [release('r1', 'dev', 'stg'), release('r2', 'stg', 'prd')],
      automations: [
        automation('dev', 'Zeta dev', 'dev-env'),
        automation('stg', 'Middle'),
        automation('prd', 'Alpha prod', 'prod-env'),
      ],
      upgrades: [],
    });
    expect(pipelines).toHaveLength(1);
    expect(must(pipelines[0], 'pipelines[0]').label).toBe('Zeta dev → Middle → Alpha prod');
    expect(
      must(pipelines[0], 'pipelines[0]').automations.map((s) => [s.id, s.depth, s.environment]),
    ).toEqual([
      ['dev', 0, 'dev-env'],
      ['stg', 1, null],
      ['prd', 2, 'prod-env'],
    ]);
  });

  it('two unconnected pairs are two pipelines, sorted by label', () => {
    const pipelines = buildPipelines({
      releases: [release('r1', 'x', 'y'), release('r2', 'a', 'b')],
      automations: ['x', 'y', 'a', 'b'].map((id) => automation(id)),
      upgrades: [],
    });
    expect(pipelines.map((p) => p.label)).toEqual(['a → b', 'x → y']);
  });

  it('an edge counts its releases and shows the latest one', () => {
    const [p] = buildPipelines({
      releases: [
        release('r1', 'dev', 'prd', { version: '1.0.0' }),
        release('r2', 'dev', 'prd', { version: '1.1.0', status: 'pending' }),
      ],
      automations: [automation('dev'), automation('prd')],
      upgrades: [],
    });
    expect(must(p, 'p').edges).toHaveLength(1);
    expect(must(p, 'p').edges[0]).toMatchObject({
      sourceId: 'dev',
      targetId: 'prd',
      releases: 2,
      lastRelease: { id: 'r2', version: '1.1.0', status: 'pending' },
    });
  });

  it('a stage shows the release it runs (not a rolled-back one) and its pending release', () => {
    const [p] = buildPipelines({
      releases: [
        release('r1', 'dev', 'prd', { version: '1.0.0' }),
        release('r2', 'dev', 'prd', { version: '2.0.0', status: 'rolled-back' }),
        release('r3', 'dev', 'prd', { version: '3.0.0', status: 'pending' }),
      ],
      automations: [automation('dev'), automation('prd')],
      upgrades: [upgrade('prd', 'r1', '1.0.0'), upgrade('prd', 'r2', '2.0.0', true)],
    });
    const prod = must(p, 'p').automations.find((s) => s.id === 'prd');
    expect(must(prod, 'prod').runsRelease).toEqual({ id: 'r1', version: '1.0.0' });
    expect(must(prod, 'prod').pendingRelease).toEqual({
      id: 'r3',
      version: '3.0.0',
      sourceId: 'dev',
    });
    expect(
      must(
        must(p, 'p').automations.find((s) => s.id === 'dev'),
        "p!.automations.find((s) => s.id === 'dev')",
      ).runsRelease,
    ).toBeNull();
  });

  it('a deleted automation stays a stage under the name its releases kept', () => {
    const [p] = buildPipelines({
      releases: [release('r1', 'gone', 'prd', { sourceName: 'Old dev' })],
      automations: [automation('prd', 'Prod')],
      upgrades: [],
    });
    expect(must(p, 'p').label).toBe('Old dev (deleted) → Prod');
    expect(must(p, 'p').automations[0]).toMatchObject({
      name: 'Old dev',
      deleted: true,
      revision: null,
    });
    expect(must(p, 'p').edges[0]).toMatchObject({ sourceName: 'Old dev', sourceDeleted: true });
  });

  it('a hotfix released back (a cycle) still gives every automation a stage', () => {
    const [p] = buildPipelines({
      releases: [release('r1', 'dev', 'prd'), release('r2', 'prd', 'dev')],
      automations: [automation('dev', 'Dev'), automation('prd', 'Prod')],
      upgrades: [],
    });
    expect(must(p, 'p').automations.map((s) => [s.name, s.depth])).toEqual([
      ['Dev', 0],
      ['Prod', 1],
    ]);
    expect(must(p, 'p').edges).toHaveLength(2);
  });

  it('a release to itself is an edge but no stage step', () => {
    const [p] = buildPipelines({
      releases: [release('r1', 'solo', 'solo')],
      automations: [automation('solo')],
      upgrades: [],
    });
    expect(must(p, 'p').automations.map((s) => s.depth)).toEqual([0]);
    expect(must(p, 'p').edges).toHaveLength(1);
  });
});

describe('stage depths', () => {
  it('the longest chain of releases decides a stage, not the shortest', () => {
    const depth = stageDepths(
      ['a', 'b', 'c'],
      [
        { sourceId: 'a', targetId: 'b' },
        { sourceId: 'b', targetId: 'c' },
        { sourceId: 'a', targetId: 'c' },
      ],
    );
    expect([...depth]).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });
});
