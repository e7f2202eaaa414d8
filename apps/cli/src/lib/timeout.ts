// How long an HTTP call may wait, and the error when it waited too long: apart from http.ts, so that
// what only reports a timeout (errors.ts, command.ts) loads no HTTP client.
export const DEFAULT_TIMEOUT_SECONDS = 60;

export interface HttpOptions {
  /** How long the server may stay silent (connecting, or before and while answering). */
  timeoutSeconds: number;
  /** Given under FERRY_DEBUG: one line per call (method, path, status, duration, request id). */
  debug?: (line: string) => void;
}

/** The server sent nothing for `seconds`: a hung server, or a network that dropped the call. */
export class RequestTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`No answer within ${seconds} s.`);
    this.name = 'RequestTimeoutError';
  }
}
