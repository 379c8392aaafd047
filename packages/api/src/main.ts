import type { Server } from 'node:http';
import { type App, createApp } from './app.ts';
import { KeyDecryptionError } from '@slotkeeper/schema/services/signing-key';
import { ConfigError, loadConfig } from './config.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { operatorSocketPath } from './operator-socket.ts';
import { serveOperatorSocket } from './operator.ts';
import { listen } from './server.ts';

async function main() {
  const config = loadConfig();
  const embedded = !config.databaseUrl;
  const socket = operatorSocketPath(config.dataDir);
  let releaseLock = () => {};
  if (embedded) {
    const lock = lockDataDir(config.dataDir, { role: 'server', socket });
    if (!lock.acquired) {
      const { holder } = lock;
      throw new ConfigError(
        `The data folder ${config.dataDir} is in use by a Slotkeeper ${holder.role} (pid ${holder.pid}). ` +
          'Stop it first, or start this server with another DATA_DIR or PORT.',
      );
    }
    releaseLock = lock.release;
  }

  let app: App | undefined;
  let operator: Server | undefined;
  try {
    const started = Date.now();
    app = await createApp(config);
    if (config.admin) {
      const created = await app.services.staff.ensureFirstAdmin(config.admin.email, config.admin.password);
      if (created) console.log(`Created the first vendor admin ${created.email} (ADMIN_EMAIL).`);
    }
    if (embedded) operator = await serveOperatorSocket(app, socket);
    const http = await listen(app.yoga, config.port, config.host);
    app.mailWorker.start();
    console.log(
      `Slotkeeper listening on ${http.url}/graphql (${app.database.kind === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}` +
        `${config.redisUrl ? ', Redis pub/sub' : ''}) in ${Date.now() - started} ms`,
    );

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: shutting down`);
      await http.close();
      operator?.close();
      await app?.close();
      releaseLock();
      process.exit(0);
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

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof KeyDecryptionError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
