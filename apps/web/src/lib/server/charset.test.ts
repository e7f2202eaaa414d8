import { describe, expect, it } from 'vitest';
import { withCharset } from './charset';

const typeOf = (type: string) =>
  withCharset(new Response('x', { headers: { 'content-type': type } })).headers.get('content-type');

describe('withCharset', () => {
  it('names UTF-8 on HTML that names no charset', () => {
    expect(typeOf('text/html')).toBe('text/html; charset=utf-8');
    expect(typeOf('Text/HTML')).toBe('text/html; charset=utf-8');
  });

  it('leaves a named charset and other types alone', () => {
    expect(typeOf('text/html; charset=iso-8859-1')).toBe('text/html; charset=iso-8859-1');
    expect(typeOf('application/json')).toBe('application/json');
    expect(typeOf('text/htmlx')).toBe('text/htmlx');
  });
});
