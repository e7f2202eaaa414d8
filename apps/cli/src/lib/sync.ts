// `ferry automation import` through content-addressed sync: the export is imported here with
// @ferry/core (the same importer, snapshotter and SHA-256 the server uses), the server says which
// nodes it lacks, and only those travel (gzip-compressed when large) before the root is committed.
//
// With --into, the local index of the export last synced into that automation (sync-index.ts)
// makes this cost the change: only the bytes that differ from that export are parsed and hashed,
// and the nodes the last tree does not have go with the commit, in one request — the server holds
// that tree (whole: it synced it), or the commit names a node it lacks. Whenever that does not
// hold — no index, or the commit refused (gc swept the old tree, another client replaced the
// automation's content and its old nodes went) — the whole tree is offered (have/want: the server
// says which nodes it lacks, and only those travel), and what the server says of it stands.
import { createHash } from 'node:crypto';
import {
  createSnapshotter,
  importIndexed,
  pushTree,
  reimportIndexed,
  type BotContent,
  type IndexedImport,
  type SyncRemote,
  type SyncStats,
} from '@ferry/core/import';
import type { Client, Outputs } from './client.js';
import {
  bytesSource,
  changeBetween,
  loadSyncIndex,
  saveSyncIndex,
  syncIndexDir,
} from './sync-index.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface SyncTarget {
  into?: string | undefined;
  name?: string | undefined;
  baseRevision?: number | undefined;
  /** Save the imported working copy as the next version, named so (blank: the date and time). */
  save?: string | undefined;
}

export interface SyncResult {
  imported: Outputs['sync']['commit'];
  stats: SyncStats & {
    /** Nodes in the whole tree, and bytes of request bodies that carried nodes. */
    treeNodes: number;
    uploadedBytes: number;
    /** Whether the local index of the last synced export was used (only changed bytes read). */
    indexed: boolean;
  };
}

export interface SyncOptions {
  /** The export's largest accepted size, in bytes. */
  maxBytes: number;
  /** Where the sync index is kept ($XDG_CACHE_HOME), and the server's URL (part of its key). */
  cache?: { home: string; url: string } | undefined;
  /** FERRY_DEBUG: one line with the time each step took. */
  debug?: ((line: string) => void) | undefined;
}

type Node = { hash: string; text: string };

/** Node text below which a request's nodes go uncompressed (zlib is not even loaded). */
const SMALL = 16 * 1024;

/** Requests that carry nodes: in base64, gzip-compressed unless small, counted. */
function transport(client: Client) {
  let bytes = 0;
  const pack = async (nodes: readonly Node[]) => {
    const text = nodes.map((n) => n.text).join('\n');
    const small = text.length < SMALL;
    const data = (
      small ? Buffer.from(text, 'utf8') : (await import('node:zlib')).gzipSync(text)
    ).toString('base64');
    bytes += data.length + nodes.length * 67;
    return {
      hashes: nodes.map((n) => n.hash),
      data,
      ...(small && { encoding: 'identity' as const }),
    };
  };
  const remote: SyncRemote = {
    missing: async (hashes) => (await client.sync.missing.mutate({ hashes: [...hashes] })).missing,
    upload: async (nodes) => {
      await client.sync.upload.mutate(await pack(nodes));
    },
  };
  /** Make `root` the target's content (with `nodes` sent along), saving it when asked. */
  const commit = async (
    root: string,
    botName: string | null,
    target: SyncTarget,
    nodes: readonly Node[] = [],
  ) =>
    client.sync.commit.mutate({
      root,
      botName,
      ...(target.name !== undefined && { name: target.name }),
      ...(target.into !== undefined && { into: target.into }),
      ...(target.baseRevision !== undefined && { baseRevision: target.baseRevision }),
      ...(nodes.length > 0 && { nodes: await pack(nodes) }),
      ...(target.save !== undefined && { save: target.save }),
    });
  return { remote, commit, bytes: () => bytes };
}

/**
 * Import the export `bytes` by sending what the server lacks. Null when the export is not one the
 * indexed importer takes (a malformed export, orphan interactions …): the caller then reads it
 * with importCbExport, which says what is wrong or imports it the plain way.
 */
export async function syncExport(
  client: Client,
  bytes: Buffer,
  target: SyncTarget,
  options: SyncOptions,
): Promise<SyncResult | null> {
  const steps: string[] = [];
  let last = performance.now();
  const step = (what: string) => {
    const now = performance.now();
    steps.push(`${what} ${Math.round(now - last)} ms`);
    last = now;
  };
  const limits = { maxBytes: options.maxBytes };
  const source = bytesSource(bytes);
  const dir =
    target.into !== undefined && options.cache !== undefined
      ? syncIndexDir(options.cache.home, options.cache.url, target.into)
      : null;
  const saved = dir === null ? null : loadSyncIndex(dir);
  step(saved === null ? 'no index' : 'index read');
  const between = saved === null ? null : changeBetween(saved.pieces, bytes);
  const change =
    saved === null || between === null
      ? null
      : reimportIndexed(saved.index, source, between, sha256, limits);
  if (saved !== null) step(change === null ? 'change not indexable' : 'change imported');
  const send = transport(client);
  let done: { tree: IndexedImport; imported: Outputs['sync']['commit']; stats: SyncStats } | null =
    null;
  if (change?.fresh) {
    const nodes = [...change.fresh].map(([hash, text]) => ({ hash, text }));
    try {
      const imported = await send.commit(change.root, change.botName, target, nodes);
      const uploadedChars = nodes.reduce((n, x) => n + x.text.length, 0);
      done = {
        tree: change,
        imported,
        stats: { rounds: 0, offered: 0, uploadedNodes: nodes.length, uploadedChars },
      };
    } catch (e) {
      // A node missing on the server, or (which would be this tool's fault) a tree refused: the
      // whole tree is offered, which a plain import's result is.
      if (!refused(e)) throw e;
    }
    step(done === null ? 'commit refused' : 'committed');
  }
  if (done === null) {
    // The whole tree: the server says what it lacks.
    const tree = importIndexed(source, sha256, limits);
    step('whole export imported');
    if (tree === null) return null;
    const stats = await pushTree(tree.store, tree.root, send.remote);
    step('nodes sent');
    done = { tree, imported: await send.commit(tree.root, tree.botName, target), stats };
    step('committed');
  }
  if (dir !== null)
    saveSyncIndex(
      dir,
      done.tree.index,
      bytes,
      saved !== null && between !== null ? { saved, change: between } : undefined,
    );
  if (dir !== null) step('index saved');
  options.debug?.(`ferry: sync: ${steps.join(', ')}`);
  return {
    imported: done.imported,
    stats: {
      ...done.stats,
      treeNodes: done.tree.index.treeNodes,
      uploadedBytes: send.bytes(),
      indexed: done.tree === change,
    },
  };
}

/**
 * The commit refused the tree (VALIDATION): a node the server does not hold (the old tree is
 * gone), or the tree itself. The whole tree is then offered: what it says stands.
 */
function refused(e: unknown): boolean {
  return (e as { data?: { ferryCode?: unknown } }).data?.ferryCode === 'VALIDATION';
}

/**
 * Import parsed `content` (an export the indexed importer does not take, importCbExport does) by
 * sending what the server lacks: the whole tree offered, no index kept.
 */
export async function syncContent(
  client: Client,
  content: BotContent,
  botName: string | null,
  target: SyncTarget,
): Promise<SyncResult> {
  const snap = createSnapshotter(sha256);
  const root = snap.write(content);
  const send = transport(client);
  const stats = await pushTree(snap.store, root, send.remote);
  const imported = await send.commit(root, botName, target);
  return {
    imported,
    stats: { ...stats, treeNodes: snap.store.size, uploadedBytes: send.bytes(), indexed: false },
  };
}
