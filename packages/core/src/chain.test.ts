import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import { chainOrder, linkIntoChain, relinkChain, unlinkFromChain } from './chain.js';
import type { JsonObject } from './json.js';
import { must } from './must.js';
import { readFixture } from './test-support/fixtures.js';

// returns-desk.json lists its interactions by id (as CB does) while its Welcome dialog runs along
// the chain in another order: the chain, not the array, is what CB runs.
function welcome(): JsonObject[] {
  const imported = importCbExport(readFixture('returns-desk.json'));
  if (!imported.ok) throw new Error(imported.error.message);
  const dialog = imported.value.content.dialogs.find((d) => d.interactions.length === 6);
  return must(dialog, 'the six-interaction dialog').interactions;
}

const apply = (list: JsonObject[], changes: JsonObject[]) =>
  list.map((i) => changes.find((c) => c.id === i.id) ?? i);

describe('the CB link chain', () => {
  it('reads the running order of a dialog from its links', () => {
    const list = welcome();
    const order = chainOrder(list);
    expect(order).toHaveLength(6);
    expect(order).not.toEqual(list.map((i) => i.id));
    const first = must(
      list.find((i) => i.id === order[0]),
      'head',
    );
    expect(first).not.toHaveProperty('prevMessageId');
  });

  it('relinks every interaction so that CB runs the order given, keys kept in place', () => {
    const list = welcome();
    const wanted = [...chainOrder(list)].reverse();
    const changes = relinkChain(list, wanted);
    const after = apply(list, changes);
    expect(chainOrder(after)).toEqual(wanted);
    for (const [i, id] of wanted.entries()) {
      const e = must(
        after.find((x) => x.id === id),
        id,
      );
      expect(e.prevMessageId).toBe(wanted[i - 1]);
      expect(e.nextMessageId).toBe(wanted[i + 1]);
    }
    // A relinked interaction keeps its other keys in their order.
    const changed = must(changes[1], 'a change');
    const original = must(
      list.find((x) => x.id === changed.id),
      'original',
    );
    const others = (o: JsonObject) =>
      Object.keys(o).filter((k) => k !== 'prevMessageId' && k !== 'nextMessageId');
    expect(others(changed)).toEqual(others(original));
    // The order it already runs in changes nothing.
    expect(relinkChain(list, chainOrder(list))).toEqual([]);
  });

  it('links the neighbours of a removed interaction, and a new one after the one named', () => {
    const list = welcome();
    const order = chainOrder(list);
    const middle = must(order[2], 'middle');
    const rest = apply(
      list.filter((i) => i.id !== middle),
      unlinkFromChain(list, middle),
    );
    expect(chainOrder(rest)).toEqual(order.filter((id) => id !== middle));
    const { added, neighbours } = linkIntoChain(
      rest,
      { id: 'new', type: 'TEXT' },
      must(order[0], 'head'),
    );
    const withNew = apply([...rest, added], neighbours);
    expect(chainOrder(withNew)).toEqual([
      order[0],
      'new',
      ...order.slice(1).filter((id) => id !== middle),
    ]);
  });
});
