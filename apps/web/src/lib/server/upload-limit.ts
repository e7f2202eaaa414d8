// The largest upload this server takes: adapter-node refuses a request body over BODY_SIZE_LIMIT
// (the Ferry server sets it to FERRY_MAX_REQUEST_MB unless it was set), and a CB export is refused
// over core's limit whatever the request size. The pages check a chosen file against it before
// sending (lib/upload.ts), and a form action says it in words when the adapter refused the body.
import { CB_EXPORT_MAX_BYTES } from '@ferry/core';
import { formatSize } from '../upload';

/** BODY_SIZE_LIMIT as adapter-node reads it: bytes, or a number with K, M or G; Infinity. */
export function bodySizeLimit(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 512 * 1024; // adapter-node's default
  const unit = { K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 }[value.slice(-1).toUpperCase()];
  const bytes = unit === undefined ? Number(value) : Number(value.slice(0, -1)) * unit;
  return Number.isNaN(bytes) || bytes <= 0 ? Infinity : bytes;
}

/** The limits the pages check uploads against (CB exports, and any other file). */
export function uploadLimits(bodyLimit: string | undefined): { export: number; file: number } {
  const file = bodySizeLimit(bodyLimit);
  return { export: Math.min(file, CB_EXPORT_MAX_BYTES), file };
}

/**
 * Whether reading a request's body failed because it was over the limit: adapter-node errors the
 * body's stream with a 413 (possibly as the cause of the error reading it).
 */
export function bodyTooLarge(e: unknown): boolean {
  for (let x = e, depth = 0; typeof x === 'object' && x !== null && depth < 4; depth++) {
    if ((x as { status?: unknown }).status === 413) return true;
    x = (x as { cause?: unknown }).cause;
  }
  return false;
}

/** What a form shows when the adapter refused its body: the limit, named. */
export const tooLargeMessage = (limit: number): string =>
  `The file is larger than the upload limit of ${formatSize(limit)}. Nothing was uploaded: choose a smaller file.`;

/**
 * The request's form data, or the sentence saying it was refused for its size (the adapter
 * refuses a body over BODY_SIZE_LIMIT while it is read).
 */
export async function uploadedForm(
  request: Request,
  bodyLimit: string | undefined,
): Promise<{ form: FormData } | { tooLarge: string }> {
  try {
    return { form: await request.formData() };
  } catch (e) {
    if (!bodyTooLarge(e)) throw e;
    return { tooLarge: tooLargeMessage(bodySizeLimit(bodyLimit)) };
  }
}
