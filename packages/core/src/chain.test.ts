import { describe, expect, it } from 'vitest';
import { importCbExport } from './cb-export.js';
import {
  chainOrder,
  linkIntoChain,
  placeInteraction,
  relinkChain,
  unlinkFromChain,
} from './chain.js';
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

describe('placing a new interaction', () => {
  const fresh = (): JsonObject => ({ id: 'new', type: 'TEXT' });
  const placed = (list: JsonObject[], place: Parameters<typeof placeInteraction>[2]) => {
    const result = placeInteraction(list, fresh(), place);
    if (!result.ok) throw new Error(result.error.message);
    const { index, added, neighbours } = result.value;
    const stored = [...list.map((i) => String(i.id))];
    stored.splice(index ?? stored.length, 0, 'new');
    return { index, stored, chain: chainOrder(apply([...list, added], neighbours)) };
  };

  it('puts it right after or right before the interaction named, in the list and the chain', () => {
    const list = welcome();
    const ids = list.map((i) => String(i.id));
    const order = chainOrder(list);
    const x = must(ids[3], 'the fourth in the list');

    const after = placed(list, { after: x });
    expect(after.index).toBe(4);
    expect(after.stored.slice(3, 5)).toEqual([x, 'new']);
    expect(after.chain[after.chain.indexOf(x) + 1]).toBe('new');
    expect(after.chain.filter((id) => id !== 'new')).toEqual(order);

    const before = placed(list, { before: x });
    expect(before.index).toBe(3);
    expect(before.stored.slice(3, 5)).toEqual(['new', x]);
    expect(before.chain[before.chain.indexOf(x) - 1]).toBe('new');
    expect(before.chain.filter((id) => id !== 'new')).toEqual(order);
  });

  it('puts it first, at an index, or last, as addInteraction always did', () => {
    const list = welcome();
    const order = chainOrder(list);
    const first = placed(list, { index: 0 });
    expect(first.stored[0]).toBe('new');
    expect(first.chain[0]).toBe('new');
    // Before the chain's head: first in the chain too.
    expect(placed(list, { before: must(order[0], 'head') }).chain[0]).toBe('new');
    const last = placed(list, {});
    expect(last.index).toBeUndefined();
    expect(last.stored.at(-1)).toBe('new');
    expect(last.chain.at(-1)).toBe('new');
    // An empty dialog: the new interaction is all of it.
    expect(placed([], { after: undefined }).chain).toEqual(['new']);
  });

  it('refuses an interaction the dialog does not have, and two places at once', () => {
    const list = welcome();
    expect(placeInteraction(list, fresh(), { after: 'gone' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', path: 'after' },
    });
    expect(placeInteraction(list, fresh(), { before: 'gone' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', path: 'before' },
    });
    expect(
      placeInteraction(list, fresh(), { index: 1, after: must(list[0], 'x').id as string }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION', path: 'after' } });
  });
});
