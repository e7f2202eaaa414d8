import { describe, expect, it } from 'vitest';
import { listHref, listQuery } from './dialog-list';

const at = (search: string) => new URL(`http://x/automations/a${search}`);

describe('the dialog list in the URL', () => {
  it('reads the search, where to look and the page, refusing what makes no sense', () => {
    expect(listQuery(at(''))).toEqual({ search: '', in: 'all', page: 1 });
    expect(listQuery(at('?q=%20Refund%20&in=text&p=3'))).toEqual({
      search: 'Refund',
      in: 'text',
      page: 3,
    });
    expect(listQuery(at('?in=everything&p=0'))).toMatchObject({ in: 'all', page: 1 });
    expect(listQuery(at('?p=2.5')).page).toBe(1);
    expect(listQuery(at(`?q=${'x'.repeat(300)}`)).search).toHaveLength(200);
  });

  it('writes links that keep the list while opening a dialog, and only what differs from the default', () => {
    const base = '/automations/a';
    expect(listHref(base, { search: '', in: 'all', page: 1 })).toBe(base);
    expect(listHref(base, { search: '', in: 'text', page: 2 }, 'd 1')).toBe(
      `${base}?p=2&dialog=d+1`,
    );
    const href = listHref(base, { search: 'a&b', in: 'dialog', page: 1 }, 'd1');
    expect(listQuery(new URL(`http://x${href}`))).toEqual({ search: 'a&b', in: 'dialog', page: 1 });
    expect(new URL(`http://x${href}`).searchParams.get('dialog')).toBe('d1');
  });
});
