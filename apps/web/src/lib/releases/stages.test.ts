import { describe, expect, it } from 'vitest';
import { nextStages, stagesOf } from './stages';

describe('stagesOf', () => {
  it('puts automations in columns by depth, keeping their order inside a column', () => {
    const stages = stagesOf([
      { name: 'Dev', depth: 0 },
      { name: 'QA', depth: 1 },
      { name: 'Staging', depth: 1 },
      { name: 'Prod', depth: 2 },
    ]);
    expect(stages.map((s) => s.map((a) => a.name))).toEqual([['Dev'], ['QA', 'Staging'], ['Prod']]);
  });

  it('orders columns by depth even when the input is not, and skips no gap', () => {
    const stages = stagesOf([
      { name: 'Prod', depth: 3 },
      { name: 'Dev', depth: 0 },
    ]);
    expect(stages.map((s) => s.map((a) => a.name))).toEqual([['Dev'], ['Prod']]);
  });

  it('has no stages for no automations', () => {
    expect(stagesOf([])).toEqual([]);
  });
});

describe('nextStages', () => {
  const edge = (sourceId: string, targetId: string, targetDeleted = false) => ({
    sourceId,
    targetId,
    targetName: targetId.toUpperCase(),
    targetDeleted,
  });

  it('names the automations a stage released to before, that still exist', () => {
    const pipeline = {
      edges: [edge('dev', 'staging'), edge('staging', 'prod'), edge('staging', 'old', true)],
    };
    expect(nextStages(pipeline, 'staging')).toEqual([{ id: 'prod', name: 'PROD' }]);
    expect(nextStages(pipeline, 'prod')).toEqual([]);
  });
});
