// Importing a CB export from the browser through content-addressed sync: the file is parsed and
// hashed here with @ferry/core, the server says which nodes it lacks, only those are uploaded
// (gzip), and the form then carries the root instead of the file. Anything that goes wrong here
// (an unreadable file, an old browser, a refused call) leaves the form as it was: the file is sent
// whole, as without JavaScript, and the server reports what is wrong the usual way.
import { createSnapshotter, importCbExport, pushTree, sha256Hex } from '@ferry/core';
import type { Busy } from './pending';
import { formatSize } from './upload';

/** A tRPC mutation of this server's API, signed in with the session cookie. */
async function mutate<T>(path: string, input: unknown): Promise<T> {
  const res = await fetch(`/api/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
    credentials: 'same-origin',
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!res.ok || body.result === undefined)
    throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body.result.data;
}

async function gzipBase64(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Upload what the server lacks of the file in `formData[field]` and replace the file by its root
 * (`root`, `botName`, `fileName`). Leaves `formData` untouched when it cannot. `busy` hears each
 * step (reading, uploading with the amount sent, importing).
 */
export async function syncFileField(
  formData: FormData,
  field = 'file',
  busy: Busy = () => {},
): Promise<boolean> {
  const file = formData.get(field);
  if (!(file instanceof File) || file.size === 0 || typeof CompressionStream !== 'function')
    return false;
  const named = `${file.name} (${formatSize(file.size)})`;
  try {
    busy(`Reading ${named}…`);
    const parsed = importCbExport(await file.text());
    // Orphan interactions are kept only by a plain import (sync refuses such trees); so are errors.
    if (!parsed.ok || parsed.value.warnings.length > 0) {
      busy(`Importing ${named}…`);
      return false;
    }
    const snap = createSnapshotter(sha256Hex);
    const root = snap.write(parsed.value.content);
    busy(`Uploading ${named}: only what the server does not have…`);
    let sent = 0;
    await pushTree(snap.store, root, {
      missing: async (hashes) =>
        (await mutate<{ missing: string[] }>('sync.missing', { hashes })).missing,
      upload: async (nodes) => {
        await mutate('sync.upload', {
          hashes: nodes.map((n) => n.hash),
          data: await gzipBase64(nodes.map((n) => n.text).join('\n')),
        });
        sent += nodes.length;
        busy(`Uploading ${named}: ${sent.toLocaleString('en')} new parts sent…`);
      },
    });
    busy(`Importing ${named}…`);
    formData.delete(field);
    formData.set('root', root);
    formData.set('fileName', file.name);
    if (parsed.value.name !== null) formData.set('botName', parsed.value.name);
    return true;
  } catch {
    busy(`Importing ${named}…`);
    return false;
  }
}
