// Files a form uploads, checked in the browser against the server's limit before anything is sent
// (the page knows the limit from the root layout's data): a refusal names the file, its size and the
// limit, and the page stays as it was. Also the words a busy form shows ("Importing bot.json
// (14.6 MB)…").

import { plural } from '@ferry/core/rules';

const KB = 1024;
const MB = 1024 * 1024;

/** A size as people read it: "14.6 MB", "512 KB", "900 bytes". */
export const formatSize = (bytes: number): string =>
  bytes >= MB
    ? `${(bytes / MB).toFixed(1).replace(/\.0$/, '')} MB`
    : bytes >= KB
      ? `${Math.round(bytes / KB)} KB`
      : plural(bytes, 'byte');

/** Why `file` may not be uploaded, or null when it may. */
export function oversize(file: { name: string; size: number }, limit: number): string | null {
  if (file.size <= limit) return null;
  return `“${file.name}” is ${formatSize(file.size)}, larger than the upload limit of ${formatSize(limit)}. Nothing was uploaded: choose a smaller file.`;
}

/** The file chosen in a form's `field`, or undefined when none is. */
export function chosen(data: FormData, field = 'file'): File | undefined {
  const file = data.get(field);
  return file instanceof File && file.size > 0 ? file : undefined;
}

/** What a form that uploads `field` shows while it works: "Importing bot.json (14.6 MB)…". */
export const uploading =
  (verb: string, field = 'file') =>
  (data: FormData): string => {
    const file = chosen(data, field);
    return file ? `${verb} ${file.name} (${formatSize(file.size)})…` : `${verb}…`;
  };
