// `GET /api/export?automation=<id or name>[&version=<N, #N, id or name>]`: an automation's working
// copy (or one version) as a CB export, the same bytes as the `automations.export` procedure's
// `text` (an imported export's exact text: key order, number lexemes) and a newline. The export of a content
// root never changes, so the bytes are built once and kept (export-cache.ts): ETag, If-None-Match
// (304), and gzip or brotli when the client accepts them. Readers and above, like the procedure. The
// download is named after the automation, and the version when it is one ("Support version 3.json").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportCbExportText } from '@ferry/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError, z } from 'zod';
import { ContentStore } from './content.js';
import type { Context } from './context.js';
import { FERRY_CODE_OF, FerryApiError } from './errors.js';
import { chooseEncoding, exportTag, type ExportCache, type ExportKey } from './export-cache.js';
import { inputSentence } from './input-messages.js';
import { findAutomation } from './repositories/automation-repository.js';
import { findVersion } from './repositories/version-repository.js';
import { automationRef, textInput } from './routers/inputs.js';
import { createCallerFactory, procedure, router } from './trpc.js';

export const EXPORT_PATH = '/api/export';

/** The endpoint's gate: a procedure, so input, caller and role are checked as for the API. */
const gate = createCallerFactory(
  router({
    resolve: procedure('read')
      .input(z.object({ automation: automationRef, version: textInput().min(1).optional() }))
      .query(async ({ ctx, input }): Promise<{ key: ExportKey; version: number | null }> => {
        const row = await findAutomation(ctx.db, input.automation);
        const version = input.version ? await findVersion(ctx.db, row, input.version) : null;
        return {
          key: { root: version?.root ?? row.root, id: row.id, name: row.name },
          version: version?.number ?? null,
        };
      }),
  }),
);

/** The export's bytes, exactly as the CLI wrote the procedure's answer. */
export async function buildExport(ctx: Pick<Context, 'db'>, key: ExportKey): Promise<Buffer> {
  const content = await new ContentStore(ctx.db).read(key.root);
  return Buffer.from(exportCbExportText(content, { id: key.id, name: key.name }) + '\n', 'utf8');
}

/** A refused request as the API reports it: Ferry's code, the message, the field. */
function refusal(e: TRPCError): { message: string; code: string; path?: string; details?: object } {
  if (e instanceof FerryApiError)
    return {
      message: e.message,
      code: e.ferryCode,
      ...(e.path && { path: e.path }),
      ...(e.details && { details: e.details }),
    };
  if (e.cause instanceof ZodError) {
    const issue = e.cause.issues[0];
    const path = issue?.path.join('.') ?? '';
    return {
      message: issue ? inputSentence(issue) : 'The input is not valid.',
      code: 'VALIDATION',
      path,
    };
  }
  return { message: e.message, code: FERRY_CODE_OF[e.code] ?? 'INTERNAL' };
}

const matches = (header: string | undefined, tag: string) =>
  header !== undefined &&
  header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === tag;
  });

/**
 * The download's file name: the automation's, and the version's number when it is one. Characters
 * that file systems refuse (Windows': / \ : * ? " < > |, and control characters) become `_`, as
 * browsers would save them anyway: the name a page reports is the name saved.
 */
const exportFileName = (name: string, version: number | null): string =>
  `${name.replace(/[/\\:*?"<>|\p{Cc}]/gu, '_')}${version === null ? '' : ` version ${version}`}.json`;

/** Content-Disposition for a file name: in ASCII, and in full as UTF-8 (RFC 5987). */
function disposition(file: string): string {
  const ascii = file.replace(/[^\x20-\x7e]/g, '_').trim() || 'export.json';
  // encodeURIComponent leaves ' ( ) * as they are; RFC 5987's attr-char has none of them.
  const exact = encodeURIComponent(file).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export async function handleExport(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: Context,
  cache: ExportCache,
): Promise<void> {
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Use GET.', code: 'VALIDATION' } }));
    return;
  }
  const params = new URL(req.url ?? '/', 'http://ferry').searchParams;
  const version = params.get('version');
  let key: ExportKey;
  let versionNumber: number | null;
  try {
    ({ key, version: versionNumber } = await gate(ctx).resolve({
      automation: params.get('automation') ?? '',
      ...(version !== null && { version }),
    }));
  } catch (e) {
    // Internal errors and an unreachable database: the server's own handler logs and answers.
    if (!(e instanceof TRPCError) || e.code === 'INTERNAL_SERVER_ERROR') throw e;
    res.writeHead(getHTTPStatusCodeFromError(e), { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { ...refusal(e), requestId: ctx.requestId } }));
    return;
  }
  const tag = exportTag(key);
  const common = {
    etag: tag,
    vary: 'accept-encoding',
    // The working copy's URL answers other bytes after an edit: keep, but always ask again.
    'cache-control': 'private, no-cache',
    'x-ferry-root': key.root,
    'x-ferry-automation-id': key.id,
    'x-ferry-automation-name': encodeURIComponent(key.name),
  };
  if (matches(req.headers['if-none-match'], tag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const encoding = chooseEncoding(req.headers['accept-encoding']);
  const { body, cached } = await cache.get(key, encoding, () => buildExport(ctx, key));
  res.writeHead(200, {
    ...common,
    'content-type': 'application/json; charset=utf-8',
    ...(encoding !== 'identity' && { 'content-encoding': encoding }),
    'content-length': body.length,
    'content-disposition': disposition(exportFileName(key.name, versionNumber)),
    'x-ferry-export-cache': cached ? 'hit' : 'miss',
  });
  res.end(body);
}
