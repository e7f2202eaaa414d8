import { importCbExport, type BotContent } from '@ferry/core';
import { allFixtures, fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import { buildGraph } from './graph';

const load = (file: string): BotContent => {
  const r = importCbExport(fixture(file));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.content;
};

describe('buildGraph on the returns-desk bot', () => {
  const g = buildGraph(load('returns-desk.json'));

  it('lays every node out without overlaps', () => {
    for (const a of g.nodes)
      for (const b of g.nodes) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x ||
          b.x + b.width <= a.x ||
          a.y + a.height <= b.y ||
          b.y + b.height <= a.y;
        expect(apart).toBe(true);
      }
  });
});

describe('buildGraph on every fixture', () => {
  it.each(allFixtures())('%s: every node has a finite position', (file) => {
    const g = buildGraph(load(file));
    expect(g.nodes.length).toBeGreaterThan(0);
    for (const n of g.nodes) expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
  });
});
