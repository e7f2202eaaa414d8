// The little of `fetch` the tRPC client uses, over node:http(s). Node 20's global fetch spends
// about 0.3 s loading itself — most of a short command's run time, for every command of a script.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface FetchInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null;
}

export interface FetchResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

export function nodeFetch(input: unknown, init: FetchInit = {}): Promise<FetchResponse> {
  const url = new URL(String(input));
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string')
    return Promise.reject(new TypeError('nodeFetch sends string bodies only.'));
  const body = init.body ?? undefined;
  const headers = headerRecord(init.headers);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // No connection pool: a command makes a request or two, and an idle pooled socket would only
    // keep the process waiting.
    const req = send(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      // Fire and forget on purpose: both outcomes settle the promise returned above.
      void collect(res).then(
        (text) =>
          resolve({
            ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
            status: res.statusCode ?? 0,
            json: async () => JSON.parse(text) as unknown,
          }),
        reject,
      );
    });
    req.on('error', reject);
    const signal = init.signal;
    if (signal) {
      if (signal.aborted) req.destroy(new Error('The request was aborted.'));
      else
        signal.addEventListener('abort', () => req.destroy(new Error('The request was aborted.')), {
          once: true,
        });
    }
    req.end(body);
  });
}

function collect(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function headerRecord(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  return { ...(headers as Record<string, string>) };
}
