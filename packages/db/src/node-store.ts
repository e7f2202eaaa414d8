// The SQL side of the core's node store: content-addressed rows, written once, shared by every
// automation, version and release.
import type { AsyncNodeStore } from '@ferry/core';
import { inArray, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { nodes } from './schema.js';

const BATCH = 500;

export class SqlNodeStore implements AsyncNodeStore {
  constructor(private readonly db: Db) {}

  async getMany(hashes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < hashes.length; i += BATCH) {
      const rows = await this.db
        .select()
        .from(nodes)
        .where(inArray(nodes.hash, hashes.slice(i, i + BATCH) as string[]));
      for (const row of rows) out.set(row.hash, row.body);
    }
    return out;
  }

  /** Which of `hashes` are stored (content-addressed sync asks before uploading). */
  async existingHashes(hashes: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < hashes.length; i += BATCH) {
      const rows = await this.db
        .select({ hash: nodes.hash })
        .from(nodes)
        .where(inArray(nodes.hash, hashes.slice(i, i + BATCH) as string[]));
      for (const row of rows) out.add(row.hash);
    }
    return out;
  }

  async putMany(batch: ReadonlyMap<string, string>): Promise<void> {
    const rows = [...batch].map(([hash, body]) => ({ hash, body }));
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db
        .insert(nodes)
        .values(rows.slice(i, i + BATCH))
        .onConflictDoNothing({ target: nodes.hash });
    }
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(nodes);
    return row?.n ?? 0;
  }
}
