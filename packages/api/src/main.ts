import type { Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { type App, createApp } from './app.ts';
import { KeyDecryptionError } from '@slotkeeper/schema/services/signing-key';
import { ConfigError, loadConfig } from './config.ts';
import { keepDataDirPrivate, lockDataDir } from './data-dir-lock.ts';
import { type Logger, createLogger } from './logger.ts';
import { type OperatorSocket, operatorSocket } from './operator-socket.ts';
import { serveOperatorSocket } from './operator.ts';
import { listen } from './server.ts';

// Prisma's query compiler and the embedded PostgreSQL are WebAssembly. V8's optimizing tier kept
// ≈ 50–75 MB of code and compiler memory resident for no measured gain: 1,000 Prisma queries took
// the same CPU time with its baseline compiler alone (README "Footprint"). Set before the first
// module compiles (at the first query and when PGlite opens, both after this line).
setFlagsFromString('--liftoff-only');

let logger: Logger | undefined;

async function main() {
  // Everything the server creates (data folder, database files, keys, socket) is its user's alone.
  process.umask(0o077);
  const config = loadConfig();
  const log = (logger = createLogger(config));
  const embedded = !config.databaseUrl;
  let releaseLock = () => {};
  let socket: OperatorSocket | undefined;
  if (embedded) {
    socket = operatorSocket(config.dataDir);
    const lock = lockDataDir(config.dataDir, { role: 'server', socket: socket.path });
    if (!lock.acquired) {
      socket.remove();
      const { holder } = lock;
      throw new ConfigError(
        `The data folder ${config.dataDir} is in use by a Slotkeeper ${holder.role} (pid ${holder.pid}). ` +
          'Stop it first, or start this server with another DATA_DIR or PORT.',
      );
    }
    releaseLock = () => {
      socket!.remove();
      lock.release();
    };
  }

  let app: App | undefined;
  let operator: Server | undefined;
  try {
    const started = Date.now();
    app = await createApp(config, { logger: log });
    if (embedded) keepDataDirPrivate(config.dataDir);
    if (config.admin) {
      const created = await app.services.staff.ensureFirstAdmin(config.admin.email, config.admin.password);
      if (created) log.info({ email: created.email }, `Created the first vendor admin ${created.email} (ADMIN_EMAIL).`);
    }
    if (config.production && !config.metricsToken) log.warn('/metrics is off: set METRICS_TOKEN to scrape it.');
    if (embedded) operator = await serveOperatorSocket(app, socket!.path);
    const http = await listen(app.yoga, config.port, config.host, config.http, config.maxBodyBytes);
    app.mailWorker.start();
    app.webhookWorker.start();
    app.leaseSweeper.start();
    log.info(
      `Slotkeeper listening on ${http.url}/graphql (${app.database.kind === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}` +
        `${config.redisUrl ? ', Redis pub/sub' : ''}) in ${Date.now() - started} ms`,
    );

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        log.warn({ signal }, `${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      const since = Date.now();
      try {
        // The listener closes before close() first waits, so once this line is out new connections
        // are refused; then subscriptions end as a restart (their clients come back) and requests in
        // flight may finish.
        const closing = http.close({ graceMs: config.shutdownTimeoutMs, endStreams: () => app!.subscriptions.interruptAll() });
        log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, `${signal}: shutting down`);
        const { cut, ws } = await closing;
        if (cut > 0) log.warn({ connections: cut, ws }, `cut ${cut} connection(s) still open after SHUTDOWN_TIMEOUT_MS`);
        log.info('HTTP and WebSocket closed');
        operator?.close();
        // The workers finish the message and the webhook attempts in flight; then Redis and the database close.
        await app!.close();
        releaseLock();
        log.info({ ms: Date.now() - since }, 'stopped');
        process.exit(0);
      } catch (error) {
        log.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (error) {
    operator?.close();
    await app?.close();
    releaseLock();
    throw error;
  }
}

/**
 * A start that fails because of a setting (a port taken, a database out of reach) as one line naming
 * it; null for anything else, which is a fault worth its stack.
 */
function settingProblem(error: unknown): string | null {
  if (error instanceof ConfigError || error instanceof KeyDecryptionError) return error.message;
  const { code, syscall, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    const why = code === 'EADDRINUSE' ? 'is in use by another program' : code === 'EACCES' ? 'needs privileges this user lacks' : 'is not an address of this machine';
    return `PORT ${port} on HOST ${address} ${why} (${code}): set PORT (or HOST) to another value.`;
  }
  if (process.env.DATABASE_URL?.trim() && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', '28P01', '3D000'].includes(String(code))) {
    return `DATABASE_URL: cannot open the database (${code}: ${(error as Error).message}).`;
  }
  return null;
}

main().catch((error: unknown) => {
  // Configuration problems are for the person starting the server: one plain line on stderr.
  const problem = settingProblem(error);
  if (problem !== null) console.error(`Configuration error: ${problem}`);
  else if (logger) logger.fatal({ err: error }, 'failed to start');
  else console.error(error);
  process.exit(1);
});
