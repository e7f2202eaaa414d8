// The hash function is passed in like the clock: native SHA-256 on the server, this pure one elsewhere.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** SHA-256 of the UTF-8 bytes of `text`, as 64 lower-case hex digits. */
export type HashFn = (text: string) => string;

/** A pure-JavaScript SHA-256 that runs in browsers and Node alike (slower than node:crypto). */
export const sha256Hex: HashFn = (text) => bytesToHex(sha256(utf8ToBytes(text)));
