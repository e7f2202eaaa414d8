import type { Change } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { groupChanges, showPath, showValue } from './group';

const change = (c: Partial<Change> & Pick<Change, 'kind' | 'op'>): Change => ({
  id: null,
  name: null,
  fields: [],
  ...c,
});

describe('groupChanges', () => {
  it('puts interactions under their dialog and the other kinds in their own groups', () => {
    const g = groupChanges(
      [
        change({ kind: 'settings', op: 'changed', name: 'Settings' }),
        change({ kind: 'dialog', op: 'added', id: 'd2', name: 'New dialog' }),
        change({ kind: 'interaction', op: 'changed', id: 'i1', name: 'Hi', dialogId: 'd1' }),
        change({ kind: 'interaction', op: 'added', id: 'i2', name: 'Bye', dialogId: 'd2' }),
        change({ kind: 'interaction', op: 'removed', id: 'i3', name: 'Old', dialogId: 'd1' }),
        change({ kind: 'integration', op: 'removed', id: 'x', name: 'API', section: 'responder' }),
        change({ kind: 'section', op: 'changed', name: 'entities', section: 'entities' }),
        change({ kind: 'order', op: 'changed' }),
      ],
      { d1: 'Welcome' },
    );
    expect(g.settings.map((c) => c.name)).toEqual(['Settings']);
    expect(
      g.dialogs.map((d) => [d.id, d.title, d.change?.op, d.interactions.map((i) => i.id)]),
    ).toEqual([
      ['d2', 'New dialog', 'added', ['i2']],
      ['d1', 'Welcome', undefined, ['i1', 'i3']],
    ]);
    expect(g.integrations.map((c) => c.name)).toEqual(['API']);
    expect(g.sections.map((c) => c.name)).toEqual(['entities']);
    expect(g.order).toHaveLength(1);
  });

  it('names a dialog by its id when its name is not known', () => {
    const g = groupChanges([
      change({ kind: 'interaction', op: 'changed', id: 'i', dialogId: 'd9' }),
    ]);
    expect(g.dialogs[0]?.title).toBe('Dialog d9');
  });
});

describe('showValue', () => {
  it('shows strings as they are and anything else as JSON', () => {
    expect(showValue('<img src=x onerror=alert(1)>')).toEqual({
      text: '<img src=x onerror=alert(1)>',
      block: false,
      absent: false,
    });
    expect(showValue(3).text).toBe('3');
    expect(showValue('3').text).toBe('3');
    expect(showValue(null).text).toBe('null');
    expect(showValue(true).text).toBe('true');
  });

  it('marks absent values and puts long or multi-line ones in a block', () => {
    expect(showValue(undefined)).toEqual({ text: '(absent)', block: false, absent: true });
    expect(showValue({ a: 1 }).block).toBe(true);
    expect(showValue('x'.repeat(81)).block).toBe(true);
    expect(showValue('line\nline').block).toBe(true);
    expect(showValue([1]).text).toBe('[\n  1\n]');
  });

  it('shows the empty pointer as the whole value', () => {
    expect(showPath('')).toBe('(whole value)');
    expect(showPath('/content/0')).toBe('/content/0');
  });
});
