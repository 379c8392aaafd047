import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Clock, systemClock } from '@slotkeeper/schema/services/db';
import { createPasswordHasher } from '@slotkeeper/schema/services/password';
import { type Services, createServices } from '@slotkeeper/schema/services/services';
import { createSigner } from '@slotkeeper/schema/services/signing-key';
import type { Config } from './config.ts';
import { type Database, openEmbedded, openPostgres } from './database.ts';
import { migrate } from './migrate.ts';
import { createSlotPubSub } from './pubsub.ts';
import { type SlotkeeperYoga, createSlotkeeperYoga } from './yoga.ts';

export interface App {
  config: Config;
  database: Database;
  services: Services;
  yoga: SlotkeeperYoga;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return openEmbedded({ dataDir: join(config.dataDir, 'pg') });
}

/** The key that encrypts signing keys at rest: KEY_ENCRYPTION_KEY, or a file made on first start. */
export function keyEncryptionKey(config: Config): Buffer {
  if (config.keyEncryptionKey) return config.keyEncryptionKey;
  const file = join(config.dataDir, 'keys', 'kek');
  if (!existsSync(file)) {
    mkdirSync(join(config.dataDir, 'keys'), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

/**
 * Wires the whole server from its configuration: database (migrated), keys, pub/sub, services, yoga.
 * `database` and `clock` may be given (tests share one migrated database and move time).
 */
export async function createApp(config: Config, given: { database?: Database; clock?: Clock } = {}): Promise<App> {
  const database = given.database ?? (await openDatabase(config));
  try {
    await migrate(database);
    const clock = given.clock ?? systemClock;
    const db = database.prisma;
    const signer = createSigner({ db, clock, kek: keyEncryptionKey(config), issuer: config.tokenIssuer });
    await signer.current();
    const slots = createSlotPubSub(config.redisUrl);
    const services = createServices({
      db,
      clock,
      signer,
      events: slots,
      hasher: createPasswordHasher(config.bcryptCost),
      sessionTtlHours: config.sessionTtlHours,
    });
    const yoga = createSlotkeeperYoga({
      db,
      services,
      slots,
      graphiql: !config.production,
      ready: async () => {
        await db.$queryRaw`SELECT 1`;
        await slots.ready();
      },
    });
    return {
      config,
      database,
      services,
      yoga,
      async close() {
        await yoga.dispose();
        await slots.close();
        if (!given.database) await database.close();
      },
    };
  } catch (error) {
    if (!given.database) await database.close();
    throw error;
  }
}
