// The local index of the last export synced into an automation (@ferry/core's export index, as
// git's index is of a working tree): `$XDG_CACHE_HOME/ferry/sync/<server and automation>/` holds
// that export's bytes and its index. The next `import --into` compares the new file with those
// bytes (memcmp), so that only the bytes that changed are parsed and hashed.
//
// The bytes are kept as segments of files: a copy of an export, then, after each sync, a small
// file with the bytes that changed and the segments around it (so a sync writes kilobytes, not the
// whole export); a new copy is written when the segments grow many or the changes large.
//
// It is a cache: anything wrong with it — missing, from an older Ferry, cut short, damaged, a file
// of its bytes missing or of another size — and it is not used (the whole export is read, with the
// same result); a failed write leaves no index. Each file is written under a temporary name and
// renamed; the index file holds the CRC-32 of its contents and names the files of the bytes
// (random names, new with each file).
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

/** A range of a file in the index's folder: the export's bytes are such ranges, in order. */
type Segment = [file: string, start: number, end: number];

export interface SavedIndex {
  index: ExportIndex;
  /** The bytes of the export it describes, in pieces (read from its segments). */
  pieces: Buffer[];
  /** Where they are kept. */
  segments: Segment[];
}

/** More segments than this, or patches holding more than this part of the export: a new copy. */
const MAX_SEGMENTS = 64;
const MAX_PATCHED = 0.1;

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/**
 * The index file: MAGIC, the CRC-32 of what follows it, the JSON header's length and the header
 * (the segments of the export's bytes and the index's header), then its columns as they are in memory
 * (little-endian), then the hashes.
 */
function encode(index: ExportIndex, segments: Segment[]): Buffer {
  const parts = exportIndexParts(index);
  const n = parts.member.length;
  const header = Buffer.from(JSON.stringify({ segments, n, index: parts.header }), 'utf8');
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

const FILE = /^export-[0-9a-f]{16}$/;
const isSegment = (s: unknown): s is Segment =>
  Array.isArray(s) &&
  s.length === 3 &&
  typeof s[0] === 'string' &&
  FILE.test(s[0]) &&
  Number.isSafeInteger(s[1]) &&
  Number.isSafeInteger(s[2]) &&
  0 <= (s[1] as number) &&
  (s[1] as number) <= (s[2] as number);

function decode(file: Buffer): { index: ExportIndex; segments: Segment[] } | null {
  if (file.length < FIXED || !file.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  if (file.readUInt32LE(MAGIC.length) !== crc32(file.subarray(MAGIC.length + 4))) return null;
  const headerLength = file.readUInt32LE(MAGIC.length + 4);
  const head: unknown = JSON.parse(file.toString('utf8', FIXED, FIXED + headerLength));
  const { segments, n, index } = head as { segments?: unknown; n?: unknown; index?: unknown };
  if (!Array.isArray(segments) || !segments.every(isSegment)) return null;
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
  // The CRC matched: the parts are what this tool wrote.
  const parsed = indexFromParts(
    { header: index, member, start, end, risky, hashes: file.toString('latin1', at) },
    { checked: true },
  );
  return parsed === null ? null : { index: parsed, segments };
}

/** The index in `dir`, or null when there is none to trust. */
export function loadSyncIndex(dir: string): SavedIndex | null {
  if (endianness() !== 'LE') return null;
  try {
    const read = decode(readFileSync(join(dir, INDEX)));
    if (read === null) return null;
    const files = new Map<string, Buffer>();
    const pieces: Buffer[] = [];
    for (const [name, start, end] of read.segments) {
      let file = files.get(name);
      if (file === undefined) files.set(name, (file = readFileSync(join(dir, name))));
      if (end > file.length) return null;
      pieces.push(file.subarray(start, end));
    }
    const size = pieces.reduce((n, piece) => n + piece.length, 0);
    return size === read.index.size ? { index: read.index, pieces, segments: read.segments } : null;
  } catch {
    return null;
  }
}

/**
 * Keep `index` and the export `bytes` it describes as the folder's index (best effort). With the
 * index it replaces (`before`) and where the bytes differ from its (`change`), only the bytes that
 * changed are written.
 */
export function saveSyncIndex(
  dir: string,
  index: ExportIndex,
  bytes: Buffer,
  before?: { saved: SavedIndex; change: ExportChange },
): void {
  if (endianness() !== 'LE') return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const write = (data: Buffer) => {
      const name = `export-${randomBytes(8).toString('hex')}`;
      writeFileSync(join(dir, `.${name}.tmp`), data, { mode: 0o600 });
      renameSync(join(dir, `.${name}.tmp`), join(dir, name));
      return name;
    };
    let segments: Segment[] | null = null;
    if (before !== undefined) {
      const { saved, change } = before;
      const old = saved.segments;
      const end = bytes.length - change.suffix;
      const patch = bytes.subarray(change.prefix, end);
      const next = [
        ...cut(old, 0, change.prefix),
        ...(patch.length > 0 ? ([[write(patch), 0, patch.length]] as Segment[]) : []),
        ...cut(old, saved.index.size - change.suffix, saved.index.size),
      ];
      const copy = next[0]?.[0];
      const patched = next.reduce((n, [name, s, e]) => n + (name === copy ? 0 : e - s), 0);
      if (next.length <= MAX_SEGMENTS && patched <= MAX_PATCHED * bytes.length) segments = next;
    }
    segments ??= [[write(bytes), 0, bytes.length]];
    const temp = `.${INDEX}-${randomBytes(8).toString('hex')}.tmp`;
    writeFileSync(join(dir, temp), encode(index, segments), { mode: 0o600 });
    renameSync(join(dir, temp), join(dir, INDEX));
    const kept = new Set(segments.map(([name]) => name));
    for (const name of readdirSync(dir))
      if (name !== INDEX && !kept.has(name)) rmSync(join(dir, name), { force: true });
  } catch {
    // A cache: without it the next sync reads the whole export.
    try {
      rmSync(join(dir, INDEX), { force: true });
    } catch {
      // nothing more to do
    }
  }
}

/** The segments covering bytes [from, to) of the bytes `segments` make, in order. */
function cut(segments: readonly Segment[], from: number, to: number): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const [name, start, end] of segments) {
    const length = end - start;
    const lo = Math.max(from, at);
    const hi = Math.min(to, at + length);
    if (hi > lo) out.push([name, start + lo - at, start + hi - at]);
    at += length;
  }
  return out;
}

/** The export's bytes as core reads them: latin1 to scan, UTF-8 for the elements it parses. */
export const bytesSource = (bytes: Buffer): ExportSource => ({
  length: bytes.length,
  view: (start, end) => bytes.toString('latin1', start, end),
  text: (start, end) => bytes.toString('utf8', start, end),
});

/**
 * How many bytes the export `pieces` make and `b` share at their start and (not overlapping that)
 * at their end: each piece compared whole (memcmp), the one that differs by halving.
 */
export function changeBetween(pieces: readonly Buffer[], b: Buffer): ExportChange {
  const size = pieces.reduce((n, piece) => n + piece.length, 0);
  const most = Math.min(size, b.length);
  let prefix = 0;
  for (const piece of pieces) {
    const n = Math.min(piece.length, most - prefix);
    // Bytes [lo, hi) of the piece against those of `b` where it starts.
    const at = prefix;
    const same = longest(n, (lo, hi) => piece.compare(b, at + lo, at + hi, lo, hi) === 0);
    prefix += same;
    if (same < piece.length || prefix === most) break;
  }
  const room = most - prefix;
  let suffix = 0;
  for (let p = pieces.length - 1; p >= 0; p--) {
    const piece = pieces[p] as Buffer;
    const n = Math.min(piece.length, room - suffix);
    // The piece's last bytes [lo, hi) from its end against those of `b` before the suffix so far.
    const bEnd = b.length - suffix;
    const same = longest(
      n,
      (lo, hi) =>
        piece.compare(b, bEnd - hi, bEnd - lo, piece.length - hi, piece.length - lo) === 0,
    );
    suffix += same;
    if (same < piece.length || suffix === room) break;
  }
  return { prefix, suffix };
}

/**
 * The largest k ≤ `most` for which the first k bytes are equal, `equal(lo, hi)` comparing bytes
 * [lo, hi): the whole at once, then halving the range that differs (each byte compared a few times).
 */
function longest(most: number, equal: (lo: number, hi: number) => boolean): number {
  if (equal(0, most)) return most;
  let lo = 0;
  let hi = most - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (equal(lo, mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
