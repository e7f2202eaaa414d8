import { FLOW_DIALOG_PREFIX, type OverviewNode } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { OVERVIEW_NODE, columnsFor, layeredLayout, packOverview } from './overview';

const apart = (x: number[], y: number[]) => {
  const { width, height } = OVERVIEW_NODE;
  for (let a = 0; a < x.length; a++)
    for (let b = a + 1; b < x.length; b++) {
      const [ax, ay, bx, by] = [x[a] ?? 0, y[a] ?? 0, x[b] ?? 0, y[b] ?? 0];
      if (!(ax + width <= bx || bx + width <= ax || ay + height <= by || by + height <= ay))
        return [a, b];
    }
  return null;
};

describe('layeredLayout', () => {
  it('puts a node below the nodes linking to it, from the nodes nothing links into', () => {
    // 0 → 1 → 2, 0 → 3, 4 alone, 5 ⇄ 6 (a cycle with no way in).
    const edges = [
      [0, 1],
      [1, 2],
      [0, 3],
      [5, 6],
      [6, 5],
    ] as const;
    const { x, y } = layeredLayout(7, edges);
    expect(apart(x, y)).toBeNull();
    const row = (n: number) => y[n] ?? NaN;
    expect(row(1)).toBeGreaterThan(row(0));
    expect(row(3)).toBe(row(1));
    expect(row(2)).toBeGreaterThan(row(1));
    // The cycle starts at its first node, in the first layer; the unlinked node comes last.
    expect(row(5)).toBe(row(0));
    expect(row(6)).toBe(row(1));
    expect(row(4)).toBeGreaterThan(row(2));
  });

  it('wraps thousands of nodes into rows without overlaps, the same every time', () => {
    const count = 2000;
    const edges = Array.from(
      { length: 700 },
      (_, i) => [(i * 7) % count, (i * 13 + 5) % count] as const,
    );
    const first = layeredLayout(count, edges);
    expect(columnsFor(count)).toBe(12);
    expect(new Set(first.y.map((v, i) => `${first.x[i]},${v}`)).size).toBe(count);
    expect(Math.max(...first.x) + OVERVIEW_NODE.width).toBeLessThanOrEqual(first.width);
    expect(Math.max(...first.y) + OVERVIEW_NODE.height).toBeLessThanOrEqual(first.height);
    expect(layeredLayout(count, edges)).toEqual(first);
  });

  it('ignores links to itself and to nodes that are not there', () => {
    const { x, y } = layeredLayout(2, [
      [0, 0],
      [0, 9],
    ]);
    expect(apart(x, y)).toBeNull();
  });
});

describe('packOverview', () => {
  it('places every dialog and refers to dialogs by index in edges and changes', () => {
    const node = (id: string, status: OverviewNode['status'] = 'unchanged'): OverviewNode => ({
      id: FLOW_DIALOG_PREFIX + id,
      name: `<b>${id}</b>`,
      type: 'DIALOG',
      interactions: 2,
      status,
      changes: status === 'unchanged' ? 0 : 1,
    });
    const packed = packOverview({
      nodes: [node('a'), node('b', 'changed'), node('c')],
      edges: [
        { id: 'x', source: 'dialog:a', target: 'dialog:b', links: 2 },
        { id: 'y', source: 'dialog:c', target: 'dialog:gone', links: 1 },
      ],
      changed: ['dialog:b'],
    });
    expect(packed.edges).toEqual([[0, 1, 2]]);
    expect(packed.changed).toEqual([1]);
    expect(packed.nodes[1]).toMatchObject({ name: '<b>b</b>', status: 'changed', changes: 1 });
    expect(packed.nodes[1]?.y).toBeGreaterThan(packed.nodes[0]?.y ?? 0);
  });
});
