import { describe, expect, it } from 'vitest';
import { applySetCookie } from './cookies';

describe('applySetCookie', () => {
  it('keeps the session cookie HttpOnly with its path, SameSite and expiry', () => {
    const calls: unknown[][] = [];
    applySetCookie(
      { set: (...args: unknown[]) => void calls.push(args) },
      'ferry_session=abc=def; HttpOnly; SameSite=Lax; Path=/; Expires=Wed, 01 Jan 2031 00:00:00 GMT',
    );
    expect(calls).toHaveLength(1);
    const [name, value, options] = calls[0] as [string, string, Record<string, unknown>];
    expect([name, value]).toEqual(['ferry_session', 'abc=def']);
    expect(options).toMatchObject({ path: '/', httpOnly: true, secure: false, sameSite: 'lax' });
    expect((options.expires as Date).toISOString()).toBe('2031-01-01T00:00:00.000Z');
  });

  it('clears a cookie the API expires with Max-Age=0', () => {
    const calls: unknown[][] = [];
    applySetCookie(
      { set: (...args: unknown[]) => void calls.push(args) },
      'ferry_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0',
    );
    expect(calls[0]?.[1]).toBe('');
    expect(calls[0]?.[2]).toMatchObject({ maxAge: 0 });
  });
});
