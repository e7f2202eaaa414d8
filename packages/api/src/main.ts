// `node dist/main.js`: the Ferry server configured from the environment (the only place that reads it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loggableError } from './log-errors.js';
import { DEFAULT_MAX_REQUEST_BYTES, loadWebFallback, startServer } from './server.js';
import { ConfigError, describeStartupFailure, parsePort, parseSwitch } from './startup-errors.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info' });
const where = { port: Number(env.PORT ?? 3000), host: env.HOST ?? '127.0.0.1' };

let server;
let fallback;
try {
  where.port = parsePort('PORT', env.PORT ?? '3000');
  const maxMb = Number(env.FERRY_MAX_REQUEST_MB ?? 50);
  if (!(maxMb > 0)) throw new ConfigError('FERRY_MAX_REQUEST_MB must be a positive number.');
  const maxRequestBytes = env.FERRY_MAX_REQUEST_MB
    ? Math.floor(maxMb * 1024 * 1024)
    : DEFAULT_MAX_REQUEST_BYTES;
  const trustProxy = parseSwitch('FERRY_TRUST_PROXY', env.FERRY_TRUST_PROXY);

  // The web UI is the SvelteKit build in apps/web/build (dist/main.js sits in packages/api/dist), or
  // FERRY_WEB_DIR. Without a build the server still serves the API, and says so.
  const webDir =
    env.FERRY_WEB_DIR ?? fileURLToPath(new URL('../../../apps/web/build', import.meta.url));
  if (existsSync(join(webDir, 'handler.js'))) {
    fallback = await loadWebFallback(webDir, { maxRequestBytes });
  } else {
    logger.warn(
      { webDir },
      'no web UI build found (pnpm --filter @ferry/web build): serving the API only',
    );
  }

  server = await startServer({
    ...where,
    dataDir: env.FERRY_DATA_DIR ?? './.ferry/data',
    ...(env.DATABASE_URL && { databaseUrl: env.DATABASE_URL }),
    ...(env.FERRY_SECRET_KEY && { secretKey: env.FERRY_SECRET_KEY }),
    ...(env.FERRY_ADMIN_PASSWORD && { adminPassword: env.FERRY_ADMIN_PASSWORD }),
    ...(env.FERRY_ADMIN_TOKEN && { adminToken: env.FERRY_ADMIN_TOKEN }),
    maxRequestBytes,
    trustProxy,
    logger,
    ...(fallback && { fallback }),
  });
} catch (e) {
  // One line for the operator, never a stack: 2 when a setting is wrong, 1 otherwise.
  const failure = describeStartupFailure(e, where);
  logger.debug({ err: loggableError(e) }, 'start-up failed');
  process.stderr.write(`${failure.message}\n`);
  process.exit(failure.kind === 'config' || failure.kind === 'in-use' ? 2 : 1);
}
process.stdout.write(
  `Ferry is listening on ${server.url} (web UI ${fallback ? server.url : 'not built'}, API ${server.url}/api/trpc, health ${server.url}/healthz, ready ${server.url}/readyz)\n`,
);
// Drain, then exit 0: refuse new connections, let in-flight requests finish (at most 10 s), close
// the database. A second signal is not caught, so it stops the process at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    logger.info({ signal }, 'draining in-flight requests, then stopping');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
