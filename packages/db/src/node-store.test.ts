// Stored node bodies: every form decodes to the text it was made from, and a node that differs from
// its base by a hash is stored as a patch of a few dozen bytes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody } from './node-store.js';

const hash = (n: number) => createHash('sha256').update(String(n)).digest('hex');

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('node bodies', () => {
  it('decode to their text in every form, against any base', () => {
    const rand = seeded(3);
    const pieces = [
      '{"i":[',
      hash(1),
      hash(2),
      '"abc"',
      'é✓🙂',
      ',',
      '0f',
      'F',
      '"',
      '\\u0000',
      '',
    ];
    const some = (n: number) =>
      Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)] as string);
    for (let k = 0; k < 2000; k++) {
      const parts = some(Math.floor(rand() * 12));
      const base = parts.join('');
      // Mostly the base with some of its pieces replaced (what edits make), sometimes unrelated.
      const at = Math.floor(rand() * (parts.length + 1));
      const t =
        rand() < 0.8
          ? [
              ...parts.slice(0, at),
              ...some(Math.floor(rand() * 3)),
              ...parts.slice(at + Math.floor(rand() * 3)),
            ].join('')
          : some(Math.floor(rand() * 12)).join('');
      const plain = encodeBody(t);
      expect(decodeBody(plain.body)).toBe(t);
      const { body, delta } = encodeBody(t, base);
      expect([k, decodeBody(body, delta ? base : undefined)]).toEqual([k, t]);
    }
  });

  it('stores a node that differs from its base by one hash in a few dozen bytes', () => {
    const entries = Array.from({ length: 20 }, (_, i) => `["id-${i}","${hash(i)}"]`);
    const base = `{"i":[${entries.join(',')}],"l":0}`;
    const changed = base.replace(hash(7), hash(700));
    const { body, delta } = encodeBody(changed, base);
    expect(delta).toBe(true);
    expect(body[0]).toBe(3);
    expect(body.length).toBeLessThanOrEqual(40);
    expect(decodeBody(body, base)).toBe(changed);
    // An odd number of hex digits between what stays (the hashes share a digit by chance).
    const odd = base.replace(hash(7), hash(7).slice(0, 10) + 'a' + hash(7).slice(11));
    expect(decodeBody(encodeBody(odd, base).body, base)).toBe(odd);
  });

  it('refuses a patch that does not fit its base', () => {
    const base = `{"dialog":"${hash(1)}","interactions":"${hash(2)}"}`;
    const { body } = encodeBody(base.replace(hash(2), hash(3)), base);
    expect(() => decodeBody(body, '{}')).toThrow();
    expect(() => decodeBody(body)).toThrow();
  });
});
