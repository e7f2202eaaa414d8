import { describe, expect, it } from 'vitest';
import { when } from './format.js';

describe('when', () => {
  it('shows a timestamp in UTC to the second, as the web UI does', () => {
    expect(when('2026-11-25T20:09:23.123Z')).toBe('2026-11-25 20:09:23 UTC');
    expect(when(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02 03:04:05 UTC');
  });

  it('shows a dash for no timestamp and odd text as it is', () => {
    expect(when(null)).toBe('-');
    expect(when(undefined)).toBe('-');
    expect(when('not yet')).toBe('not yet');
  });
});
