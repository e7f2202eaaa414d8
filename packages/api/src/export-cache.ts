// The bytes of CB exports, kept by what makes them: a content root (immutable, content-addressed)
// and the automation's identity (its id and name, which the export carries). One entry holds the
// plain JSON and, once a client has asked for them, its gzip and brotli forms. Bounded by bytes
// (all forms counted), least recently used first out; shared by every request of the process.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'identity' | 'gzip' | 'br';

export interface ExportKey {
  root: string;
  id: string;
  name: string;
}

/** The default budget: a 10,000-interaction bot is 14.6 MB plain, 0.8 MB gzip'd, 0.75 MB brotli. */
export const DEFAULT_EXPORT_CACHE_BYTES = 256 * 1024 * 1024;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * The entity tag of an export: its root and (as the export names the automation) a digest of the
 * automation's id and name, so that a rename never answers 304 with the old name.
 */
export function exportTag(key: ExportKey): string {
  const identity = createHash('sha256').update(`${key.id}\n${key.name}`).digest('hex');
  return `"${key.root}.${identity.slice(0, 16)}"`;
}

/**
 * The coding to answer with for an Accept-Encoding header: brotli, else gzip, else the plain bytes
 * (q=0 refuses a coding; `*` stands for the ones not named).
 */
export function chooseEncoding(header: string | string[] | undefined): Encoding {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const q = new Map<string, number>();
  for (const part of text.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    const weight = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    q.set(name.trim(), weight === undefined ? 1 : Number(weight));
  }
  const accepts = (coding: string) => (q.get(coding) ?? q.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return 'identity';
}

interface Entry {
  key: string;
  identity: Buffer;
  gzip?: Promise<Buffer>;
  br?: Promise<Buffer>;
  bytes: number;
}

export interface ExportCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

export class ExportCache {
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<Entry>>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(readonly maxBytes = DEFAULT_EXPORT_CACHE_BYTES) {}

  /**
   * The export's bytes in `encoding`: from the cache, else from `build` (called once however many
   * requests ask for the same export at the same time).
   */
  async get(
    key: ExportKey,
    encoding: Encoding,
    build: () => Promise<Buffer>,
  ): Promise<{ body: Buffer; cached: boolean }> {
    const k = `${key.root}\n${key.id}\n${key.name}`;
    let entry = this.entries.get(k);
    const cached = entry !== undefined;
    if (entry) {
      this.hits++;
      // Most recently used last.
      this.entries.delete(k);
      this.entries.set(k, entry);
    } else {
      this.misses++;
      let pending = this.building.get(k);
      if (!pending) {
        pending = build().then((identity) => ({ key: k, identity, bytes: identity.length }));
        this.building.set(k, pending);
        pending.then(
          (e) => {
            this.building.delete(k);
            this.store(k, e);
          },
          () => this.building.delete(k),
        );
      }
      entry = await pending;
    }
    if (encoding === 'identity') return { body: entry.identity, cached };
    const e = entry;
    const form = (e[encoding] ??= this.compress(e, encoding).catch((err: unknown) => {
      delete e[encoding];
      throw err;
    }));
    return { body: await form, cached };
  }

  stats(): ExportCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }

  private async compress(entry: Entry, encoding: 'gzip' | 'br'): Promise<Buffer> {
    const body =
      encoding === 'gzip'
        ? await gzipAsync(entry.identity)
        : // Quality 4: about gzip's speed with a smaller result; 11 (the default) takes seconds.
          await brotliAsync(entry.identity, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 4,
              [constants.BROTLI_PARAM_SIZE_HINT]: entry.identity.length,
            },
          });
    entry.bytes += body.length;
    if (this.entries.get(entry.key) === entry) {
      this.bytes += body.length;
      this.evict();
    }
    return body;
  }

  private store(k: string, entry: Entry) {
    // Larger than the whole budget: served, never kept.
    if (entry.bytes > this.maxBytes) return;
    this.entries.set(k, entry);
    this.bytes += entry.bytes;
    this.evict();
  }

  private evict() {
    for (const [k, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= entry.bytes;
    }
  }
}
