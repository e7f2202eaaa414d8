import type { Change } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import {
  CHANGES_PER_PAGE,
  diffHref,
  diffPageParams,
  diffPageView,
  GROUPS_PER_PAGE,
  groupChanges,
  showValue,
  UNNAMED_DIALOG,
} from './group';

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

  it("names an unchanged dialog by the name core gave its interactions' changes, never its id", () => {
    const g = groupChanges([
      change({
        kind: 'interaction',
        op: 'changed',
        id: 'i',
        dialogId: 'd9',
        dialogName: 'Billing',
      }),
      change({ kind: 'interaction', op: 'changed', id: 'j', dialogId: 'd8', dialogName: null }),
    ]);
    expect(g.dialogs.map((d) => d.title)).toEqual(['Billing', UNNAMED_DIALOG]);
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

  it('shows an epoch time under a time key as its date, other numbers as they are', () => {
    expect(showValue(1739361600000, '/modificationTime').text).toBe('2025-02-12 12:00:00 UTC');
    expect(showValue(1739361600000, '/sessionLength').text).toBe('1739361600000');
    expect(showValue(1739361600000).text).toBe('1739361600000');
  });
});

const summary = { added: 0, removed: 0, changed: 0, moved: 0, text: 'Some changes.' };
const params = (q = '') => diffPageParams(new URLSearchParams(q));

describe('diffPageView', () => {
  it('puts a word diff inside a changed text field and a line diff inside changed code', () => {
    const v = diffPageView(
      summary,
      [
        change({
          kind: 'interaction',
          op: 'changed',
          id: 'i1',
          name: 'Hi',
          dialogId: 'd1',
          dialogName: 'Welcome',
          fields: [
            {
              path: '/content/text',
              before: 'Hello there, friend',
              after: 'Hello there, dear friend',
            },
            { path: '/code', before: 'a();\nb();\n', after: 'a();\nc();\n' },
            { path: '/status', before: 'ACTIVE', after: undefined },
          ],
        }),
      ],
      params(),
    );
    const fields = v.dialogs[0]?.interactions?.[0]?.fields ?? [];
    expect(fields.map((f) => f.diff?.mode ?? null)).toEqual(['words', 'lines', null]);
    expect(fields.map((f) => f.label)).toEqual(['Content › Text', 'Code', 'Status']);
    expect(fields[0]?.diff?.segments).toEqual([
      { op: 'equal', text: 'Hello there, ' },
      { op: 'added', text: 'dear ' },
      { op: 'equal', text: 'friend' },
    ]);
    expect(fields[2]?.after.absent).toBe(true);
  });

  it('shows a whole added bot as one page of dialogs with counts, and drills into one a page at a time', () => {
    const changes: Change[] = [];
    for (let d = 0; d < 60; d++) {
      changes.push(change({ kind: 'dialog', op: 'added', id: `d${d}`, name: `Dialog ${d}` }));
      for (let i = 0; i < 40; i++)
        changes.push(
          change({
            kind: 'interaction',
            op: 'added',
            id: `d${d}i${i}`,
            name: `I${i}`,
            dialogId: `d${d}`,
            after: { id: `d${d}i${i}` },
          }),
        );
    }
    changes.push(change({ kind: 'order', op: 'changed' }));
    const v = diffPageView(summary, changes, params());
    expect(v).toMatchObject({
      total: changes.length,
      dialogCount: 60,
      page: 1,
      pages: 3,
      orderChanged: true,
    });
    expect(v.dialogs).toHaveLength(GROUPS_PER_PAGE);
    expect(v.dialogs[0]).toMatchObject({
      title: 'Dialog 0',
      counts: { added: 40, removed: 0, changed: 0, moved: 0 },
      total: 40,
      interactions: null,
      open: false,
    });
    // Drill-down: the dialog's page of groups, its changes a page at a time.
    const drilled = diffPageView(summary, changes, params('dialog=d30&ipage=2'));
    expect(drilled.page).toBe(2);
    const open = drilled.dialogs.filter((d) => d.open);
    expect(open.map((d) => d.id)).toEqual(['d30']);
    expect(open[0]?.interactions?.map((c) => c.title)).toEqual(
      Array.from({ length: 40 - CHANGES_PER_PAGE }, (_, i) => `I${i + CHANGES_PER_PAGE}`),
    );
    expect(open[0]).toMatchObject({ page: 2, pages: 2 });
    expect(drilled.dialogs.filter((d) => !d.open).every((d) => d.interactions === null)).toBe(true);
    // Out-of-range pages land on the last one.
    expect(diffPageView(summary, changes, params('dpage=99')).page).toBe(3);
  });

  it('shows the few changes of a changed dialog without a drill-down, its moves by dialog names', () => {
    const v = diffPageView(
      summary,
      [
        change({
          kind: 'interaction',
          op: 'moved',
          id: 'i1',
          name: 'Hi',
          dialogId: 'd2',
          dialogName: 'Billing',
          fromDialogId: 'd1',
          fromDialogName: 'Welcome',
          fields: [{ path: '/group', before: 'd1', after: 'd2' }],
        }),
      ],
      params(),
    );
    expect(v.dialogs[0]?.interactions?.[0]?.movedBetween).toEqual({
      from: 'Welcome',
      to: 'Billing',
    });
    expect(v.orderChanged).toBe(false);
  });

  it('reads paging parameters leniently', () => {
    expect(params('dpage=abc&ipage=-2&dialog=%20')).toEqual({
      page: 1,
      dialog: undefined,
      dialogPage: 1,
    });
    expect(params('dpage=3&dialog=x&ipage=2')).toEqual({ page: 3, dialog: 'x', dialogPage: 2 });
  });
});

describe('field labels and type badges', () => {
  it('names fields for people and gives each interaction its CB type', () => {
    const before = {
      id: 'i1',
      name: 'Ask',
      interactionType: 'QUICK_REPLY',
      content: { results: { type: 'QUICK_REPLY', tile: { tileData: [{ text: 'Pick one' }] } } },
      quickReplies: [{ title: 'Yes' }, { title: 'No' }],
    };
    const after = structuredClone(before);
    after.content.results.tile.tileData[0] = { text: 'Pick one, please' };
    const reply = after.quickReplies[1];
    if (reply) reply.title = 'Nope';
    const v = diffPageView(
      summary,
      [
        change({
          kind: 'interaction',
          op: 'changed',
          id: 'i1',
          name: 'Ask',
          dialogId: 'd1',
          dialogName: 'Welcome',
          before,
          after,
          fields: [
            {
              path: '/content/results/tile/tileData/0/text',
              before: 'Pick one',
              after: 'Pick one, please',
            },
            { path: '/quickReplies/1/title', before: 'No', after: 'Nope' },
          ],
        }),
        change({ kind: 'dialog', op: 'added', id: 'd2', name: 'New', after: { id: 'd2' } }),
      ],
      params(),
    );
    const c = v.dialogs[0]?.interactions?.[0];
    expect(c?.type).toBe('QUICK_REPLY');
    expect(c?.fields.map((f) => f.label)).toEqual(['Message text', 'Quick reply 2 title']);
    expect(v.dialogs[1]?.own?.type).toBe('DIALOG');
    expect(v.dialogs[1]?.own?.fields[0]?.label).toBe('The whole dialog');
  });
});

describe('diffHref', () => {
  it('replaces the paging parameters and keeps the others', () => {
    const url = new URL('http://x/automations/a/diff?from=1&to=2&dpage=3');
    expect(diffHref(url, { dialog: 'd 1', dpage: undefined })).toBe(
      '/automations/a/diff?from=1&to=2&dialog=d+1#diff',
    );
    expect(diffHref(new URL('http://x/p?dialog=d'), { dialog: undefined })).toBe('/p#diff');
  });
});
