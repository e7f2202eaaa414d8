// `node dist/main.js`: the Ferry server configured from the environment (read only through env.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { DEFAULT_HOST, DEFAULT_PORT, parseServerEnv, serverLogger, type ServerEnv } from './env.js';
import { loggableError } from './log-errors.js';
import { loadWebFallback, startServer } from './server.js';
import { describeStartupFailure } from './startup-errors.js';

const where = { port: DEFAULT_PORT, host: DEFAULT_HOST };

/** One line for the operator, never a stack: 2 when a setting is wrong, 1 otherwise. */
function fail(e: unknown, logger?: Logger): never {
  const failure = describeStartupFailure(e, where);
  logger?.debug({ err: loggableError(e) }, 'start-up failed');
  process.stderr.write(`${failure.message}\n`);
  process.exit(failure.kind === 'config' || failure.kind === 'in-use' ? 2 : 1);
}

let env: ServerEnv;
try {
  env = parseServerEnv();
} catch (e) {
  fail(e);
}
const log = serverLogger(env.logLevel);
Object.assign(where, { port: env.options.port, host: env.options.host });

let server;
let fallback;
try {
  // The web UI is the SvelteKit build in apps/web/build (dist/main.js sits in packages/api/dist), or
  // FERRY_WEB_DIR. Without a build the server still serves the API, and says so once it listens
  // (a start that fails prints only why).
  const webDir = env.webDir ?? fileURLToPath(new URL('../../../apps/web/build', import.meta.url));
  if (existsSync(join(webDir, 'handler.js')))
    fallback = await loadWebFallback(webDir, { maxRequestBytes: env.options.maxRequestBytes });
  server = await startServer({ ...env.options, logger: log, ...(fallback && { fallback }) });
  if (!fallback)
    log.warn(
      { webDir },
      'no web UI build found (pnpm --filter @ferry/web build): serving the API only',
    );
} catch (e) {
  fail(e, log);
}
process.stdout.write(
  `Ferry is listening on ${server.url} (web UI ${fallback ? server.url : 'not built'}, API ${server.url}/api/trpc, health ${server.url}/healthz, ready ${server.url}/readyz)\n`,
);
// Drain, then exit 0: refuse new connections, let in-flight requests finish (at most 10 s), close
// the database. A second signal is not caught, so it stops the process at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log.info({ signal }, 'draining in-flight requests, then stopping');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
