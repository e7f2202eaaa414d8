import { flowGraph, importCbExport, type BotContent, type FlowGraph } from '@ferry/core';
import { generateBotExport } from '@ferry/core/testing';
import { allFixtures, fixture } from '@ferry/fixtures';
import { describe, expect, it } from 'vitest';
import { DAGRE_MAX_NODES, layout, type FlowNode } from './graph';

const load = (text: string): BotContent => {
  const r = importCbExport(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.content;
};

const overlapping = (nodes: readonly FlowNode[]) => {
  const pairs: [string, string][] = [];
  for (const a of nodes)
    for (const b of nodes) {
      if (a === b) continue;
      const apart =
        a.x + a.width <= b.x ||
        b.x + b.width <= a.x ||
        a.y + a.height <= b.y ||
        b.y + b.height <= a.y;
      if (!apart) pairs.push([a.id, b.id]);
    }
  return pairs;
};

describe('layout on the returns-desk bot', () => {
  const g = layout(flowGraph(load(fixture('returns-desk.json'))));

  it('lays every node out without overlaps', () => {
    expect(overlapping(g.nodes)).toEqual([]);
  });
});

describe('layout on every fixture', () => {
  it.each(allFixtures())('%s: every node has a finite position', (file) => {
    const g = layout(flowGraph(load(fixture(file))));
    expect(g.nodes.length).toBeGreaterThan(0);
    for (const n of g.nodes) expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
  });
});

describe('layout of a graph too big for dagre', () => {
  it('lays it out in layers, without overlaps, following its edges down', () => {
    const doc = generateBotExport({ seed: 3, dialogs: 1, interactionsPerDialog: 260 });
    const graph: FlowGraph = flowGraph(load(JSON.stringify(doc)));
    expect(graph.nodes.length).toBeGreaterThan(DAGRE_MAX_NODES);
    const g = layout(graph);
    expect(overlapping(g.nodes)).toEqual([]);
    const at = new Map(g.nodes.map((n) => [n.id, n]));
    // A chain: each interaction lies below the one linking to it.
    for (const e of g.edges)
      expect(at.get(e.target)?.y ?? 0).toBeGreaterThan(at.get(e.source)?.y ?? 0);
  });
});
