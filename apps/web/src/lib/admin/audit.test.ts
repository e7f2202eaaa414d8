import { describe, expect, it } from 'vitest';
import { auditCursor, auditFilters, auditPageHref, summariseDetails } from './audit';

describe('audit log filters', () => {
  it('reads the filters and page size a URL gives, leaving out blank ones and unknown parameters', () => {
    const params = new URLSearchParams(
      'actor=+admin+&action=environment.*&automation=&since=2026-01-01&limit=9&cursor=42&x=1',
    );
    expect(auditFilters(params)).toEqual({
      actor: 'admin',
      action: 'environment.*',
      since: '2026-01-01',
      limit: '9',
    });
    expect(auditCursor(params)).toBe('42');
    expect(auditCursor(new URLSearchParams('cursor='))).toBeUndefined();
  });

  it('links to another page keeping the filters, and to the first page without a cursor', () => {
    expect(auditPageHref({ actor: 'a&b', action: 'user.*' }, '17')).toBe(
      '/audit?actor=a%26b&action=user.*&cursor=17',
    );
    expect(auditPageHref({ actor: 'admin' }, null)).toBe('/audit?actor=admin');
    expect(auditPageHref({})).toBe('/audit');
  });
});

describe('summariseDetails', () => {
  it('writes each detail as key: value, lists joined, nested objects as JSON', () => {
    expect(
      summariseDetails({
        added: ['API_URL', 'TOKEN'],
        removed: [],
        previous: null,
        environment: 'Staging',
        extra: { a: 1 },
        count: 3,
      }),
    ).toBe(
      'environment: Staging · added: API_URL, TOKEN · previous: — · extra: {"a":1} · count: 3',
    );
    expect(summariseDetails({ to: 'admin', from: 'editor', user: 'olivia' })).toBe(
      'user: olivia · from: editor · to: admin',
    );
  });

  it('is empty without details, keeps markup as plain characters, and cuts long text', () => {
    expect(summariseDetails(null)).toBe('');
    expect(summariseDetails({ agent: '<img src=x>' })).toBe('agent: <img src=x>');
    const long = summariseDetails({ text: 'x'.repeat(1000) });
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
  });
});
