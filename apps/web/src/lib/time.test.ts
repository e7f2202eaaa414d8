import { describe, expect, it } from 'vitest';
import { utc } from './time';

describe('utc', () => {
  it('shows an ISO instant to the second, in UTC', () => {
    expect(utc('2026-11-25T20:09:23.123Z')).toBe('2026-11-25 20:09:23 UTC');
  });
});
