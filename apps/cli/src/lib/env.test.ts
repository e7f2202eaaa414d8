// What the CLI takes from its environment: the timeout and debug switches, and colour as NO_COLOR
// and FORCE_COLOR ask (NO_COLOR wins).
import { describe, expect, it } from 'vitest';
import { readEnv } from './env.js';

describe('the CLI environment', () => {
  it.each([
    [{}, 'auto'],
    [{ NO_COLOR: '' }, 'auto'],
    [{ NO_COLOR: '1' }, 'never'],
    [{ FORCE_COLOR: '1' }, 'always'],
    [{ FORCE_COLOR: '3' }, 'always'],
    [{ FORCE_COLOR: '' }, 'auto'],
    [{ FORCE_COLOR: '0' }, 'never'],
    [{ FORCE_COLOR: 'false' }, 'never'],
    [{ FORCE_COLOR: '1', NO_COLOR: 'yes' }, 'never'],
  ])('colour for %j is %s', (env, color) => {
    expect(readEnv(env).color).toBe(color);
  });

  it('reads FERRY_TIMEOUT as given (checked where it is used) and FERRY_DEBUG as a switch', () => {
    expect(readEnv({}).timeout).toBeUndefined();
    expect(readEnv({ FERRY_TIMEOUT: '5' }).timeout).toBe('5');
    for (const on of ['1', 'true', 'yes']) expect(readEnv({ FERRY_DEBUG: on }).debug).toBe(true);
    for (const off of ['', '0', 'false']) expect(readEnv({ FERRY_DEBUG: off }).debug).toBe(false);
  });

  it("hands `ferry serve` the server's variables untouched, for the server's own parser", () => {
    const env = { PORT: '8080', LOG_LEVEL: 'debug', FERRY_TRUST_PROXY: 'yes' };
    expect(readEnv(env).serverEnv).toMatchObject(env);
  });
});
