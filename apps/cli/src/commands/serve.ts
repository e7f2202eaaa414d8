// `ferry serve`: the Ferry server (web UI, /api/trpc, /healthz, /readyz) in this process, as the README's run
// command starts it: on the embedded database in --data, or on PostgreSQL when DATABASE_URL is set.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import type { ServerOptions } from '@ferry/api';
import type { Logger } from 'pino';
import { contextOf, jsonOption, port, type Runtime } from '../lib/command.js';
import { CliError, STARTUP_FAILURE_KIND } from '../lib/errors.js';

type Fallback = NonNullable<ServerOptions['fallback']>;

/** The web UI's build: FERRY_WEB_DIR, else apps/web/build beside this CLI (dist/ferry.js). */
const defaultWebDir = () => fileURLToPath(new URL('../../web/build', import.meta.url));

export function registerServe(program: CommandUnknownOpts, rt: Runtime) {
  return program
    .command('serve')
    .description(
      'start the Ferry server in this process (embedded database in --data, or PostgreSQL when DATABASE_URL is set); on SIGINT/SIGTERM it finishes in-flight requests (at most 10 s), then stops',
    )
    .summary('start the Ferry server in this process')
    .addOption(new Option('--port <port>', 'the port (0: any free one; env: PORT)').argParser(port))
    .option('--host <host>', 'the interface to listen on (env: HOST; default 127.0.0.1)')
    .option(
      '--data <dir>',
      'the embedded database directory (env: FERRY_DATA_DIR; default ./.ferry/data; unused with DATABASE_URL)',
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Environment: DATABASE_URL, FERRY_SECRET_KEY (required with PostgreSQL), FERRY_ADMIN_PASSWORD,
FERRY_ADMIN_TOKEN (the first admin's credentials; generated and printed once otherwise),
FERRY_MAX_REQUEST_MB, LOG_LEVEL, FERRY_WEB_DIR (the web UI build; default apps/web/build),
FERRY_TRUST_PROXY (true behind a reverse proxy that sets X-Forwarded-Proto/-For); PORT, HOST and
FERRY_DATA_DIR below the flags. The same settings and checks as "node dist/main.js".
A start that fails prints one line: exit 2 for a wrong setting (one naming the variable, busy port,
bad or mismatched FERRY_SECRET_KEY), 4 when another server holds --data, 7 when DATABASE_URL
cannot be reached. Logs go to stderr as JSON lines, each request's with its X-Request-Id.

Examples:
  $ ferry serve --port 3000 --data ./.ferry/data
  $ DATABASE_URL=postgres://… FERRY_SECRET_KEY=… ferry serve --host 0.0.0.0
`,
    )
    .action(async (opts, command) => {
      const { out } = contextOf(rt, command);
      // Loaded only here: every other command is a thin HTTP client.
      const api = await import('@ferry/api');
      const where = { port: opts.port ?? 3000, host: opts.host ?? '127.0.0.1' };
      let logger: Logger | undefined;
      let server;
      let fallback: Fallback | undefined;
      let webDir: string | undefined;
      try {
        // The same settings, checks and log as `node dist/main.js`; the flags override the
        // environment.
        const env = api.parseServerEnv(rt.env.serverEnv);
        Object.assign(where, {
          port: opts.port ?? env.options.port,
          host: opts.host ?? env.options.host,
        });
        logger = api.serverLogger(env.logLevel);
        // The web UI, as the README's run command serves it, when it is built.
        webDir = env.webDir ?? defaultWebDir();
        if (existsSync(join(webDir, 'handler.js')))
          fallback = await api.loadWebFallback(webDir, {
            maxRequestBytes: env.options.maxRequestBytes,
          });
        server = await api.startServer({
          ...env.options,
          ...where,
          dataDir: opts.data ?? env.options.dataDir,
          logger,
          ...(fallback && { fallback }),
          // Generated credentials are for a person: under --json they stay off stdout.
          announce: (line) => (out.json ? out.message(line) : out.line(line)),
        });
      } catch (e) {
        // One line, never a stack (index.ts prints it and exits with the kind's code): a wrong
        // variable or setting is exit 2, as from main.ts.
        const failure = api.describeStartupFailure(e, where);
        logger?.debug({ err: api.loggableError(e) }, 'start-up failed');
        throw new CliError(STARTUP_FAILURE_KIND[failure.kind], failure.message);
      }
      const log = logger;
      const running = server;
      if (!fallback) log.warn({ webDir }, 'no web UI build found: serving the API only');
      const info = {
        url: running.url,
        web: fallback ? running.url : null,
        api: `${running.url}/api/trpc`,
        health: `${running.url}/healthz`,
        ready: `${running.url}/readyz`,
        database: running.services.database.kind,
      };
      // One line even under --json: whoever started the server reads its stdout line by line.
      out.line(
        out.json
          ? JSON.stringify(info)
          : `Ferry is listening on ${info.url} (web UI ${info.web ?? 'not built'}, API ${info.api}, health ${info.health}, ready ${info.ready})`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) process.exit(1); // a second signal: stop now
          stopping = true;
          // close() drains: new connections refused, /readyz 503, in-flight requests finish.
          log.info({ signal }, 'draining in-flight requests, then stopping');
          void running.close().then(resolve, (e: unknown) => {
            log.error({ err: e }, 'shutdown failed');
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      // The database is closed; don't let a lingering handle keep a stopped server's process alive.
      setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
    });
}
