// `ferry automation import` through content-addressed sync: the export is parsed and hashed here
// with @ferry/core (the same snapshotter and SHA-256 the server uses), the server says which nodes
// it lacks, and only those travel (gzip, in batches), before the root is committed.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createSnapshotter, pushTree, type BotContent, type SyncStats } from '@ferry/core';
import type { Client, Outputs } from './client.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface SyncTarget {
  into?: string | undefined;
  name?: string | undefined;
  baseRevision?: number | undefined;
}

export interface SyncResult {
  imported: Outputs['sync']['commit'];
  stats: SyncStats & {
    /** Nodes in the whole tree, and bytes of request bodies that carried nodes. */
    treeNodes: number;
    uploadedBytes: number;
  };
}

/** Import parsed `content` (with the export's bot name) by sending what the server lacks. */
export async function syncImport(
  client: Client,
  content: BotContent,
  botName: string | null,
  target: SyncTarget,
): Promise<SyncResult> {
  const snap = createSnapshotter(sha256);
  const root = snap.write(content);
  let uploadedBytes = 0;
  const stats = await pushTree(snap.store, root, {
    missing: async (hashes) => (await client.sync.missing.mutate({ hashes: [...hashes] })).missing,
    upload: async (nodes) => {
      const data = gzipSync(nodes.map((n) => n.text).join('\n')).toString('base64');
      uploadedBytes += data.length + nodes.length * 67;
      await client.sync.upload.mutate({ hashes: nodes.map((n) => n.hash), data });
    },
  });
  const imported = await client.sync.commit.mutate({
    root,
    botName,
    ...(target.name !== undefined && { name: target.name }),
    ...(target.into !== undefined && { into: target.into }),
    ...(target.baseRevision !== undefined && { baseRevision: target.baseRevision }),
  });
  return { imported, stats: { ...stats, treeNodes: snap.store.size, uploadedBytes } };
}
