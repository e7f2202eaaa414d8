// The local index of the last export synced into an automation (@ferry/core's export index, as
// git's index is of a working tree): `$XDG_CACHE_HOME/ferry/sync/<server and automation>/` holds
// a copy of that export's bytes and its index. The next `import --into` compares the new file with
// the copy (memcmp in 64 KB windows), so that only the bytes that changed are parsed and hashed.
//
// It is a cache: anything wrong with it — missing, from an older Ferry, cut short, damaged, a copy
// missing or of another size than the export the index describes — and it is not used (the whole
// export is read, with the same result); a failed write leaves no index. Each file is written
// under a temporary name and renamed; the index file holds the CRC-32 of its contents and names its
// copy (a random name, new with each index).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  exportIndexParts,
  indexFromParts,
  type ExportChange,
  type ExportIndex,
  type ExportSource,
} from '@ferry/core/import';

const INDEX = 'index';
const MAGIC = Buffer.from('FERRY-SYNC-INDEX-1\n', 'latin1');
/** The fixed part after the magic: the CRC-32 of the rest, the header's length. */
const FIXED = MAGIC.length + 8;

/** The index's folder for syncs of `into` on the server at `url`. */
export function syncIndexDir(cacheHome: string, url: string, into: string): string {
  const key = createHash('sha256')
    .update(`${url.replace(/\/+$/, '')}\n${into}`)
    .digest('hex');
  return join(cacheHome, 'ferry', 'sync', key.slice(0, 32));
}

export interface SavedIndex {
  index: ExportIndex;
  /** The bytes of the export it describes. */
  bytes: Buffer;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/**
 * The index file: MAGIC, the CRC-32 of what follows it, the JSON header's length and the header
 * (the copy's name and the index's header), then its columns as they are in memory
 * (little-endian), then the hashes.
 */
function encode(index: ExportIndex, copy: string): Buffer {
  const parts = exportIndexParts(index);
  const n = parts.member.length;
  const header = Buffer.from(JSON.stringify({ copy, n, index: parts.header }), 'utf8');
  const column = (a: Uint32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const fixed = Buffer.alloc(8);
  fixed.writeUInt32LE(header.length, 4);
  const body = Buffer.concat([
    fixed,
    header,
    Buffer.alloc(pad4(MAGIC.length + 8 + header.length)),
    column(parts.member),
    column(parts.start),
    column(parts.end),
    column(parts.risky),
    Buffer.alloc(pad4(n)),
    Buffer.from(parts.hashes, 'latin1'),
  ]);
  body.writeUInt32LE(crc32(body.subarray(4)), 0);
  return Buffer.concat([MAGIC, body]);
}

function decode(file: Buffer): { index: ExportIndex; copy: string } | null {
  if (file.length < FIXED || !file.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  if (file.readUInt32LE(MAGIC.length) !== crc32(file.subarray(MAGIC.length + 4))) return null;
  const headerLength = file.readUInt32LE(MAGIC.length + 4);
  const head: unknown = JSON.parse(file.toString('utf8', FIXED, FIXED + headerLength));
  const { copy, n, index } = head as { copy?: unknown; n?: unknown; index?: unknown };
  if (typeof copy !== 'string' || !/^export-[0-9a-f]{16}$/.test(copy)) return null;
  if (!Number.isSafeInteger(n) || (n as number) < 0) return null;
  const count = n as number;
  let at = FIXED + headerLength + pad4(FIXED + headerLength);
  const take = (bytes: number) => {
    const out = new Uint8Array(bytes);
    out.set(file.subarray(at, at + bytes));
    at += bytes;
    return out;
  };
  const words = () => new Uint32Array(take(4 * count).buffer);
  const member = words();
  const start = words();
  const end = words();
  const risky = take(count);
  at += pad4(count);
  if (file.length !== at + 64 * count) return null;
  const parsed = indexFromParts({
    header: index,
    member,
    start,
    end,
    risky,
    hashes: file.toString('latin1', at),
  });
  return parsed === null ? null : { index: parsed, copy };
}

/** The index in `dir`, or null when there is none to trust. */
export function loadSyncIndex(dir: string): SavedIndex | null {
  if (endianness() !== 'LE') return null;
  try {
    const read = decode(readFileSync(join(dir, INDEX)));
    if (read === null) return null;
    const bytes = readFileSync(join(dir, read.copy));
    return bytes.length === read.index.size ? { index: read.index, bytes } : null;
  } catch {
    return null;
  }
}

/** Keep `index` and the export `bytes` it describes as the folder's index (best effort). */
export function saveSyncIndex(dir: string, index: ExportIndex, bytes: Buffer): void {
  if (endianness() !== 'LE') return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const copy = `export-${randomBytes(8).toString('hex')}`;
    writeFileSync(join(dir, `.${copy}.tmp`), bytes, { mode: 0o600 });
    renameSync(join(dir, `.${copy}.tmp`), join(dir, copy));
    writeFileSync(join(dir, `.${INDEX}.tmp`), encode(index, copy), { mode: 0o600 });
    renameSync(join(dir, `.${INDEX}.tmp`), join(dir, INDEX));
    for (const name of readdirSync(dir))
      if (name !== INDEX && name !== copy) rmSync(join(dir, name), { force: true });
  } catch {
    // A cache: without it the next sync reads the whole export.
    try {
      rmSync(join(dir, INDEX), { force: true });
    } catch {
      // nothing more to do
    }
  }
}

/** The export's bytes as core reads them: latin1 to scan, UTF-8 for the elements it parses. */
export const bytesSource = (bytes: Buffer): ExportSource => ({
  length: bytes.length,
  view: (start, end) => bytes.toString('latin1', start, end),
  text: (start, end) => bytes.toString('utf8', start, end),
});

const WINDOW = 64 * 1024;

/** How many bytes `a` and `b` share at their start and (not overlapping that) at their end. */
export function changeBetween(a: Buffer, b: Buffer): ExportChange {
  const most = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < most) {
    const end = Math.min(most, prefix + WINDOW);
    if (a.compare(b, prefix, end, prefix, end) !== 0) break;
    prefix = end;
  }
  while (prefix < most && a[prefix] === b[prefix]) prefix++;
  const room = most - prefix;
  let suffix = 0;
  while (suffix < room) {
    const n = Math.min(room, suffix + WINDOW);
    if (a.compare(b, b.length - n, b.length - suffix, a.length - n, a.length - suffix) !== 0) break;
    suffix = n;
  }
  while (suffix < room && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}
