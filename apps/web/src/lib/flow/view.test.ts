import { describe, expect, it } from 'vitest';
import { changeSteps, shownParams, viewQuery } from './view';

describe('viewQuery', () => {
  it('keeps what is shown and adds where the view is', () => {
    const shown = shownParams(new URL('http://x/flow?from=1&q=old&dialog=d&to=2'));
    expect(shown.toString()).toBe('from=1&to=2');
    expect(viewQuery(shown, { dialog: 'a b', node: 'n&1' })).toBe(
      '?from=1&to=2&dialog=a+b&node=n%261',
    );
    expect(viewQuery(new URLSearchParams(), { list: 1 })).toBe('?');
    expect(viewQuery(new URLSearchParams(), { list: 3, q: 'x' })).toBe('?q=x&list=3');
  });
});

describe('changeSteps', () => {
  const changed = ['dialog:a', 'dialog:c', 'dialog:e'];

  it('steps through the marked dialogs on the overview, wrapping around', () => {
    expect(changeSteps({ changed, dialog: null, marked: [], focus: null })).toEqual({
      position: '3 dialogs have changes.',
      previous: { node: 'dialog:e' },
      next: { node: 'dialog:a' },
    });
    expect(changeSteps({ changed, dialog: null, marked: [], focus: 'dialog:c' })).toEqual({
      position: 'Dialog 2 of 3 with changes.',
      previous: { node: 'dialog:a' },
      next: { node: 'dialog:e' },
    });
    expect(changeSteps({ changed, dialog: null, marked: [], focus: 'dialog:e' })?.next).toEqual({
      node: 'dialog:a',
    });
    expect(changeSteps({ changed: [], dialog: null, marked: [], focus: null })).toBeNull();
  });

  it('steps through a dialog marked nodes, then on to the next or previous marked dialog', () => {
    const inC = { changed, dialog: 'dialog:c', marked: ['i1', 'i2'] };
    expect(changeSteps({ ...inC, focus: null })).toEqual({
      position: '2 changes in this dialog. Dialog 2 of 3 with changes.',
      previous: { dialog: 'c', node: 'i2' },
      next: { dialog: 'c', node: 'i1' },
    });
    expect(changeSteps({ ...inC, focus: 'i1' })).toEqual({
      position: 'Change 1 of 2 in this dialog. Dialog 2 of 3 with changes.',
      previous: { dialog: 'a', change: 'last' },
      next: { dialog: 'c', node: 'i2' },
    });
    expect(changeSteps({ ...inC, focus: 'i2' })?.next).toEqual({ dialog: 'e', change: 'first' });
    // From the last marked dialog, on to the first.
    expect(changeSteps({ changed, dialog: 'dialog:e', marked: ['z'], focus: 'z' })?.next).toEqual({
      dialog: 'a',
      change: 'first',
    });
    // The only marked dialog: round inside it.
    expect(changeSteps({ ...inC, changed: ['dialog:c'], focus: 'i2' })).toMatchObject({
      next: { dialog: 'c', node: 'i1' },
      previous: { dialog: 'c', node: 'i1' },
    });
    // An unmarked dialog: on to the first or last marked one.
    expect(changeSteps({ changed, dialog: 'dialog:b', marked: [], focus: null })).toEqual({
      position: 'Nothing in this dialog changed.',
      previous: { dialog: 'e', change: 'last' },
      next: { dialog: 'a', change: 'first' },
    });
  });
});
