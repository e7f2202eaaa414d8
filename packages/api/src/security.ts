// Passwords (scrypt), API and session tokens (random, stored as SHA-256), secret values (AES-256-GCM).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import { must } from '@ferry/core';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (stored === null) return false;
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

/** A new random token with a recognisable prefix (e.g. `ferry_…`). */
export const newToken = (prefix = 'ferry'): string =>
  `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Tokens are long and random, so a plain SHA-256 is enough to store and look them up. */
export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The fixed label the key check value is the HMAC of (a new label would be a new check scheme). */
const KEY_CHECK_LABEL = 'ferry secret key check v1';

/**
 * The key check value: HMAC-SHA256 of a fixed label under the key. An HMAC is a pseudo-random
 * function, so the value says nothing about the key (unlike a plain hash of the key, it gives no
 * faster way to test guesses than trying them on a secret), it is deterministic (a plain comparison,
 * no nonce to store) and it needs no secret to exist yet.
 */
export const keyCheckValue = (key: Buffer): string =>
  createHmac('sha256', key).update(KEY_CHECK_LABEL).digest('hex');

/** Encrypts secret environment values with a 32-byte key. */
export class SecretBox {
  /** The check value of this box's key (stored by the instance; see secret-key.ts). */
  readonly checkValue: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The secret key must be 32 bytes.');
    this.checkValue = keyCheckValue(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64')).join('.');
  }

  open(sealed: string): string {
    const [iv, tag, data] = sealed.split('.').map((p) => Buffer.from(p, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', this.key, must(iv, 'iv'));
    decipher.setAuthTag(must(tag, 'tag'));
    return Buffer.concat([decipher.update(must(data, 'data')), decipher.final()]).toString('utf8');
  }
}
