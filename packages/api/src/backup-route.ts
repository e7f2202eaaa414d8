// `GET /api/backup`: the instance backup as one streamed HTTP response (tRPC answers in batched
// JSON, which cannot stream a database). Admins only, checked by the same middleware as procedures.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Db } from '@ferry/db';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { auditEntry, writeAudit } from './audit.js';
import type { Context } from './context.js';
import { FERRY_CODE_OF, FerryApiError } from './errors.js';
import { dumpSnapshot, inSnapshot } from './repositories/backup-repository.js';
import { createCallerFactory, procedure, router } from './trpc.js';

export const BACKUP_PATH = '/api/backup';

/** The endpoint's gate: a procedure, so the caller and role are checked exactly as for the API. */
const gate = createCallerFactory(
  router({
    start: procedure('admin').mutation(async ({ ctx }) => {
      await writeAudit(
        ctx.db,
        ctx,
        auditEntry(ctx, 'instance.backup', null, {
          details: { database: ctx.services.database.kind },
        }),
      );
    }),
  }),
);

/**
 * Write the backup of one snapshot to `out` (gzip'd). On PostgreSQL it streams from the snapshot
 * transaction while other connections keep writing. PGlite has one connection, and a transaction
 * holds it: the snapshot is copied to a temporary file at disk speed (writes wait meanwhile, a
 * short pause) and sent from there after the transaction ends, so a slow client never holds up
 * the instance.
 */
export async function writeBackup(
  ctx: Pick<Context, 'db' | 'services'>,
  out: Writable,
  /** Runs inside the snapshot before it is written (tests read the same snapshot with it). */
  onSnapshot?: (tx: Db) => Promise<void>,
) {
  const kind = ctx.services.database.kind;
  const dump = async function* (tx: Db) {
    await onSnapshot?.(tx);
    yield* dumpSnapshot(tx, kind);
  };
  if (kind === 'postgres') {
    await inSnapshot(ctx.db, (tx) => pipeline(Readable.from(dump(tx)), createGzip(), out));
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'ferry-backup-'));
  try {
    const spool = join(dir, `${randomUUID()}.ndjson`);
    await inSnapshot(ctx.db, (tx) =>
      pipeline(Readable.from(dump(tx)), createWriteStream(spool, { mode: 0o600 })),
    );
    await pipeline(createReadStream(spool), createGzip(), out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function handleBackup(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
): Promise<void> {
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Use GET.', code: 'VALIDATION' } }));
    return;
  }
  try {
    await gate(ctx).start();
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const code = e instanceof FerryApiError ? e.ferryCode : (FERRY_CODE_OF[e.code] ?? 'INTERNAL');
    res.writeHead(getHTTPStatusCodeFromError(e), { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: e.message, code, requestId: ctx.requestId } }));
    return;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.writeHead(200, {
    'content-type': 'application/gzip',
    'content-disposition': `attachment; filename="ferry-backup-${stamp}.ndjson.gz"`,
    'cache-control': 'no-store',
  });
  try {
    await writeBackup(ctx, res);
  } catch (err) {
    // The status is sent: cutting the stream short is how the client learns (no trailer, bad gzip).
    ctx.log.error({ err }, 'backup failed');
    res.destroy();
  }
}
