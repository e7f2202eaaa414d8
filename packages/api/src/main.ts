// `node dist/main.js`: the Ferry server configured from the environment (the only place that reads it).
import pino from 'pino';
import { DEFAULT_MAX_REQUEST_BYTES, startServer } from './server.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info' });
const server = await startServer({
  port: Number(env.PORT ?? 3000),
  host: env.HOST ?? '127.0.0.1',
  dataDir: env.FERRY_DATA_DIR ?? './.ferry/data',
  ...(env.DATABASE_URL && { databaseUrl: env.DATABASE_URL }),
  ...(env.FERRY_SECRET_KEY && { secretKey: env.FERRY_SECRET_KEY }),
  ...(env.FERRY_ADMIN_PASSWORD && { adminPassword: env.FERRY_ADMIN_PASSWORD }),
  ...(env.FERRY_ADMIN_TOKEN && { adminToken: env.FERRY_ADMIN_TOKEN }),
  maxRequestBytes: env.FERRY_MAX_REQUEST_MB
    ? Number(env.FERRY_MAX_REQUEST_MB) * 1024 * 1024
    : DEFAULT_MAX_REQUEST_BYTES,
  logger,
});
process.stdout.write(
  `Ferry is listening on ${server.url} (API ${server.url}/api/trpc, health ${server.url}/healthz)\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    void server.close().then(() => process.exit(0));
  });
