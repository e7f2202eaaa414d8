// `ferry backup create` downloads one consistent, checksummed snapshot of the whole instance from
// the server; `ferry backup restore` loads one into a new, empty database (offline).
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type * as FerryApi from '@ferry/api';
import { contextOf, leaf, noun, type Context, type Runtime } from '../lib/command.js';
import { configPath, readConfig, resolveConnection } from '../lib/config.js';
import { CliError, type ErrorKind } from '../lib/errors.js';
import { formatBytes } from '../lib/files.js';
import { plural } from '../lib/format.js';
import { must } from '@ferry/core/must';

const KEY_NOTE_CREATE =
  "Secrets in it stay encrypted: reading them after a restore needs this instance's key (its FERRY_SECRET_KEY, or secret.key in its data directory).";

export function registerBackup(program: CommandUnknownOpts, rt: Runtime) {
  const backup = noun(
    program,
    'backup',
    'back up the instance, or restore a backup into an empty database',
    'instance backups: one consistent snapshot of every automation, version, release, environment, user, token, policy and audit entry',
    'ferry backup create --out ferry.ndjson.gz',
  );

  leaf(
    backup,
    'create',
    'download a backup of the whole instance while it keeps running (admins only); refuses to overwrite a file',
    ['ferry backup create', 'ferry backup create --out /backups/ferry-nightly.ndjson.gz --json'],
  )
    .option('--out <file>', 'where to write it (default ./ferry-backup-<time>.ndjson.gz)')
    .action(async (opts, command) => {
      const ctx = contextOf(rt, command);
      const out =
        opts.out ?? `ferry-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson.gz`;
      if (existsSync(out))
        throw new CliError('validation', `${out} already exists: choose another --out.`, {
          path: 'out',
        });
      const summary = await download(ctx, out);
      ctx.out.result(summary, () => {
        ctx.out.line(
          `Backed up ${plural(summary.rows, 'row')} of ${plural(Object.keys(summary.tables).length, 'table')} (${formatBytes(summary.bytes)}) to ${out}.`,
        );
        ctx.out.message(KEY_NOTE_CREATE);
      });
    });

  leaf(
    backup,
    'restore',
    'load a backup into a new, empty database (offline: --data DIR for the embedded database, or DATABASE_URL), then verify it',
    [
      'ferry backup restore ferry.ndjson.gz --data ./.ferry/restored',
      'DATABASE_URL=postgres://… ferry backup restore ferry.ndjson.gz',
    ],
  )
    .argument('<file>', 'the backup file')
    .option(
      '--data <dir>',
      'the embedded database directory to restore into (env: FERRY_DATA_DIR; not with DATABASE_URL)',
    )
    .addHelpText(
      'after',
      `
The target must hold no rows (exit 4 otherwise); every checksum is checked before anything is
written, and a corrupt or truncated file changes nothing (exit 2). Stop servers on the target first.`,
    )
    .action(async (file, opts, command) => {
      const { out } = contextOf(rt, command);
      const env = rt.env.server;
      const dataDir = opts.data ?? env.dataDir;
      if (opts.data !== undefined && env.databaseUrl !== undefined)
        throw new CliError(
          'usage',
          'Give either --data (embedded database) or DATABASE_URL (PostgreSQL), not both.',
        );
      if (dataDir === undefined && env.databaseUrl === undefined)
        throw new CliError(
          'usage',
          'Name the database to restore into: --data DIR for the embedded database, or DATABASE_URL for PostgreSQL.',
          { path: 'data' },
        );
      if (!existsSync(file) || !statSync(file).isFile())
        throw new CliError('validation', `Cannot read ${file}: no such file.`, { path: 'file' });
      const api = await import('@ferry/api');
      const progress = out.progress('Checking the backup');
      let report;
      try {
        report = await api.restoreBackupInto(
          env.databaseUrl !== undefined
            ? { databaseUrl: env.databaseUrl }
            : { dataDir: must(dataDir, 'dataDir') },
          () => createReadStream(file),
          (phase, rows) =>
            progress.update(
              `${phase === 'checking' ? 'Checking the backup' : 'Restoring'}: ${rows.toLocaleString('en')} rows`,
            ),
        );
      } catch (e) {
        throw restoreError(e, api);
      } finally {
        progress.stop();
      }
      const r = report;
      const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
      const where =
        env.databaseUrl !== undefined ? 'PostgreSQL (DATABASE_URL)' : must(dataDir, 'dataDir');
      out.result(
        {
          file,
          target:
            env.databaseUrl !== undefined
              ? { database: 'postgres' }
              : { database: 'pglite', dataDir },
          rows,
          tables: r.rows,
          backup: summaryOf(r.manifest),
          migratedForward: r.migratedForward,
          verify: r.verify,
        },
        () => {
          out.line(
            `Restored ${plural(rows, 'row')} into ${where} from ${file} (made ${r.manifest.createdAt}).`,
          );
          if (r.migratedForward.length > 0)
            out.line(`Migrated forward: ${r.migratedForward.join(', ')}.`);
          out.line(
            r.verify.ok
              ? `Verified ${plural(r.verify.nodes, 'node')} and ${plural(r.verify.roots, 'snapshot')}: all intact.`
              : `Verify found damage: ${plural(r.verify.corrupt.length, 'corrupt node')}, ${plural(r.verify.missing.length, 'missing node')}, ${plural(r.verify.damagedCount, 'damaged snapshot')}.`,
          );
          out.message(
            env.databaseUrl !== undefined
              ? "Secrets are still encrypted with the source instance's key: start every server with FERRY_SECRET_KEY set to it (an embedded source's key is the base64 in its data directory's secret.key)."
              : `Secrets are still encrypted with the source instance's key: copy the source's secret.key into ${dataDir} (or set FERRY_SECRET_KEY to the source's key) before "ferry serve --data ${dataDir}", or a new key would be generated that cannot read them.`,
          );
        },
      );
      if (!r.verify.ok)
        throw new CliError(
          'unexpected',
          'The restored content store is damaged (as the backup was): run "ferry verify" for details.',
        );
    });
}

interface Summary {
  file: string;
  bytes: number;
  /** SHA-256 of the file as written. */
  sha256: string;
  rows: number;
  createdAt: string;
  database: string;
  migration: string;
  tables: Record<string, number>;
}

const summaryOf = (m: {
  createdAt: string;
  database: string;
  migration: string;
  tables: { name: string; rows: number }[];
}) => ({
  createdAt: m.createdAt,
  database: m.database,
  migration: m.migration,
  tables: Object.fromEntries(m.tables.map((t) => [t.name, t.rows])),
});

/**
 * GET /api/backup into `out` (through `out.partial`, renamed only once the whole stream has been
 * read back and every checksum matched), with bytes and rows on a terminal.
 */
async function download(ctx: Context, out: string): Promise<Summary> {
  // The same connection every command uses: client() fails clearly when no token is known.
  ctx.client();
  const url = new URL('/api/backup', ctx.url());
  const { token } = resolveConnection(
    ctx.flags,
    ctx.runtime.env,
    readConfig(configPath(ctx.runtime.env.configHome)),
  );
  const api = await import('@ferry/api');
  const progress = ctx.out.progress('Backing up');
  const partial = `${out}.partial`;
  try {
    const res = await get(url, token, `ferry-cli/${ctx.runtime.version}`);
    if (res.statusCode !== 200) throw await httpError(res);
    const hash = createHash('sha256');
    let bytes = 0;
    let rows = 0;
    const verifyIn = new PassThrough();
    const draw = () =>
      progress.update(`Backing up: ${formatBytes(bytes)}, ${rows.toLocaleString('en')} rows`);
    const checking = (async () => {
      for await (const event of api.decodeBackup(verifyIn)) {
        if (event.kind === 'rows') {
          rows += event.rows.length;
          draw();
        }
        if (event.kind === 'end') return event.manifest;
      }
      throw new api.BackupFormatError('The backup is truncated.');
    })();
    // Every byte goes to the file and to the checker, at the pace of the slower one.
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        hash.update(chunk);
        if (verifyIn.write(chunk)) done(null, chunk);
        else verifyIn.once('drain', () => done(null, chunk));
      },
      flush(done) {
        verifyIn.end();
        done();
      },
    });
    await Promise.all([
      pipeline(res, tee, createWriteStream(partial, { flags: 'wx', mode: 0o600 })),
      checking,
    ]).catch((e: unknown) => {
      verifyIn.destroy();
      throw e instanceof api.BackupFormatError
        ? new CliError(
            'unexpected',
            `The backup from the server is incomplete or corrupt: ${e.message} Nothing was kept.`,
          )
        : e;
    });
    const manifest = await checking;
    await rename(partial, out);
    return {
      file: out,
      bytes,
      sha256: hash.digest('hex'),
      rows,
      ...summaryOf(manifest),
    };
  } catch (e) {
    await rm(partial, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ECONNRESET')
      throw new CliError(
        'unexpected',
        'The server ended the backup early (see its log); nothing was kept.',
      );
    throw e;
  } finally {
    progress.stop();
  }
}

function get(url: URL, token: string | undefined, userAgent: string): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'GET',
        agent: false,
        headers: {
          'user-agent': userAgent,
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
}

async function httpError(res: IncomingMessage): Promise<CliError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  let body: { error?: { message?: string; code?: string } } = {};
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
  } catch {
    // not a Ferry answer: described by the status below
  }
  const kinds: Record<number, ErrorKind> = {
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not-found',
  };
  const message =
    body.error?.message ??
    (res.statusCode === 404
      ? 'This server has no backup endpoint (a Ferry older than this CLI?).'
      : `The server answered HTTP ${res.statusCode}.`);
  return new CliError(kinds[res.statusCode ?? 0] ?? 'unexpected', message, {
    ...(body.error?.code && { details: { code: body.error.code } }),
  });
}

function restoreError(e: unknown, api: typeof FerryApi): unknown {
  if (e instanceof api.BackupFormatError)
    return new CliError(
      'validation',
      `The backup cannot be restored: ${e.message} Nothing was changed.`,
    );
  if (e instanceof api.RestoreRefusedError)
    return new CliError(
      e.reason === 'not-empty' ? 'conflict' : 'validation',
      `${e.message} Nothing was changed.`,
    );
  if (e instanceof Error && e.constructor.name === 'DataDirLockedError')
    return new CliError('conflict', e.message);
  return e;
}
