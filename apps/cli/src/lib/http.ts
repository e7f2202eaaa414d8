// The little of `fetch` the tRPC client uses, over node:http(s), with a timeout and FERRY_DEBUG's
// one line per call. Node 20's global fetch spends about 0.3 s loading itself — most of a short
// command's run time, for every command of a script.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { DEFAULT_TIMEOUT_SECONDS, RequestTimeoutError, type HttpOptions } from './timeout.js';

export interface FetchInit {
  method?: string;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null;
}

export interface FetchResponse {
  ok: boolean;
  status: number;
  /** The server's X-Request-Id. */
  requestId?: string;
  json(): Promise<unknown>;
}

export { DEFAULT_TIMEOUT_SECONDS, RequestTimeoutError, type HttpOptions } from './timeout.js';

export function createFetch(options: HttpOptions) {
  return (input: unknown, init: FetchInit = {}): Promise<FetchResponse> => {
    if (!options.debug) return nodeFetch(input, init, options.timeoutSeconds);
    const debug = options.debug;
    const started = performance.now();
    // The path alone: a query's input (in the query string) and the headers stay out of it.
    const what = `${init.method ?? 'GET'} ${new URL(String(input)).pathname}`;
    const ms = () => `${Math.round(performance.now() - started)} ms`;
    return nodeFetch(input, init, options.timeoutSeconds).then(
      (res) => {
        debug(`ferry: ${what} ${res.status} ${ms()} request ${res.requestId ?? '-'}`);
        return res;
      },
      (e: unknown) => {
        debug(`ferry: ${what} failed after ${ms()} (${e instanceof Error ? e.message : e})`);
        throw e;
      },
    );
  };
}

/** `request` of node:http, or of node:https (with TLS, loaded only for an https URL). */
export const requestFor = async (url: URL): Promise<typeof httpRequest> =>
  url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;

export async function nodeFetch(
  input: unknown,
  init: FetchInit = {},
  timeoutSeconds = DEFAULT_TIMEOUT_SECONDS,
): Promise<FetchResponse> {
  const url = new URL(String(input));
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string')
    throw new TypeError('nodeFetch sends string bodies only.');
  const body = init.body ?? undefined;
  const headers = headerRecord(init.headers);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const send = await requestFor(url);
  return new Promise((resolve, reject) => {
    // No connection pool: a command makes a request or two, and an idle pooled socket would only
    // keep the process waiting.
    // `timeout` is the socket's idle time, from before it connects until the answer's last byte.
    const timeout = timeoutSeconds * 1000;
    const req = send(
      url,
      { method: init.method ?? 'GET', headers, agent: false, timeout },
      (res) => {
        // Fire and forget on purpose: both outcomes settle the promise returned above.
        void collect(res).then((text) => {
          const requestId = res.headers['x-request-id'];
          resolve({
            ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
            status: res.statusCode ?? 0,
            ...(typeof requestId === 'string' && { requestId }),
            json: async () => JSON.parse(text) as unknown,
          });
        }, reject);
      },
    );
    req.on('timeout', () => {
      // Settled here: once the answer has begun, destroying the request fails it as "aborted".
      const error = new RequestTimeoutError(timeoutSeconds);
      reject(error);
      req.destroy(error);
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

// No `instanceof Headers`: in Node 20 that global is undici, whose loading costs tens of ms.
function headerRecord(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (Array.isArray(headers)) return Object.fromEntries(headers as [string, string][]);
  const entries = (headers as { entries?: unknown }).entries;
  if (typeof entries === 'function')
    return Object.fromEntries((entries as () => Iterable<[string, string]>).call(headers));
  return { ...(headers as Record<string, string>) };
}
