// Downloading an automation's CB export (its working copy or a version) from the server's
// `GET /api/export`: built once per content root, cached, compressed, and named by the server
// ("Support (Dev) version 3.json"). The page's links point there, so without JavaScript the browser
// downloads the attachment itself, signed in by the session cookie like any page. With JavaScript
// the page fetches it to say what happened: the file's name and size, or why it failed, as a
// sentence (a version deleted since, a session that ended), instead of a failed download.

import { plural } from '@ferry/core/rules';

/** The export's address: the working copy, or a version by number. */
export function exportHref(automation: string, version?: number): string {
  const query = new URLSearchParams({ automation });
  if (version !== undefined) query.set('version', String(version));
  return `/api/export?${query}`;
}

/**
 * The file name the server gives an export (`export-route.ts`): the automation's name with what file
 * systems refuse replaced, and the version's number. Used only if the server's header is missing.
 */
export const exportFileName = (name: string, version?: number): string =>
  `${name.replace(/[/\\:*?"<>|\p{Cc}]/gu, '_')}${version === undefined ? '' : ` version ${version}`}.json`;

export type DownloadOutcome =
  { ok: true; file: string; bytes: number } | { ok: false; message: string };

/** What a page says about a download: under way, or how it ended. */
export type DownloadState = { pending: string } | DownloadOutcome;

/** The file name a Content-Disposition header gives (its exact `filename*` first), or `fallback`. */
export function fileNameOf(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const exact = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (exact) {
    try {
      return decodeURIComponent(exact.trim());
    } catch {
      // A malformed escape: the plain name below.
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1] || fallback;
}

/** The size of a file for people: "812 bytes", "3.4 KB", "14.6 MB". */
export function sizeOf(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Why a download failed, from the server's status and JSON answer (`{ error: { message } }`). */
export function downloadFailure(status: number, body: unknown): string {
  const error = (body as { error?: { message?: unknown; requestId?: unknown } } | null)?.error;
  const said = typeof error?.message === 'string' ? error.message : undefined;
  const request = typeof error?.requestId === 'string' ? ` (request ${error.requestId})` : '';
  if (status === 401) return 'Your session has ended. Sign in again, then download it again.';
  if (status === 403) return said ?? 'Your role may not download this export.';
  if (status === 503)
    return `The server cannot reach its database right now. Try again in a moment${request}.`;
  if (status >= 500) return `The server failed to build the export${request}. Try again later.`;
  return said ?? `The download failed (HTTP ${status}).`;
}

/**
 * Fetch the export at `href` and hand it to the browser as a download named by the server (else
 * `fallback`). The promise says what happened; it never rejects.
 */
export async function downloadExport(href: string, fallback: string): Promise<DownloadOutcome> {
  let res: Response;
  try {
    res = await fetch(href, { credentials: 'same-origin' });
  } catch {
    return {
      ok: false,
      message: 'The server could not be reached. Check the connection and try again.',
    };
  }
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => null);
    return { ok: false, message: downloadFailure(res.status, body) };
  }
  const blob = await res.blob();
  const file = fileNameOf(res.headers.get('content-disposition'), fallback);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has the file once the click is handled; the object URL is freed a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { ok: true, file, bytes: blob.size };
}
