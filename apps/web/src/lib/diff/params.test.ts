import { describe, expect, it } from 'vitest';
import { compareQuery, sidesHref, versionParam } from './params';

describe('versionParam', () => {
  it('reads a version number, a blank or absent one as the working copy', () => {
    expect(versionParam('3')).toBe(3);
    expect(versionParam(' 12 ')).toBe(12);
    expect(versionParam('')).toBeUndefined();
    expect(versionParam('  ')).toBeUndefined();
    expect(versionParam(null)).toBeUndefined();
  });

  it('passes anything else on for the API to resolve or refuse', () => {
    expect(versionParam('#3')).toBe('#3');
    expect(versionParam('abc')).toBe('abc');
  });
});

describe('compareQuery', () => {
  it('leaves out the working-copy sides', () => {
    expect(compareQuery(1, 2)).toBe('?from=1&to=2');
    expect(compareQuery(1, undefined)).toBe('?from=1');
    expect(compareQuery(undefined, 2)).toBe('?to=2');
    expect(compareQuery(undefined, undefined)).toBe('');
  });
});

describe('sidesHref', () => {
  it('names both sides in the URL, leaving out the working copies', () => {
    expect(sidesHref({ automation: 'prod' }, { automation: 'dev' })).toBe(
      '/automations/dev/against?against=prod',
    );
    expect(
      sidesHref({ automation: 'prod', version: 2 }, { automation: 'dev', version: '#4' }),
    ).toBe('/automations/dev/against?against=prod&version=%234&againstVersion=2');
  });
});
