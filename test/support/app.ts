import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Clock } from '@slotkeeper/schema/services/db';
import { inject } from 'vitest';
import { type App, createApp } from '@slotkeeper/api/app';
import { type Config, loadConfig } from '@slotkeeper/api/config';
import { type Database, openEmbedded, openPostgres } from '@slotkeeper/api/database';
import { type Logger, createLogger } from '@slotkeeper/api/logger';
import { type Listening, listen } from '@slotkeeper/api/server';
import type { MailRow } from '@slotkeeper/schema/services/mail-secret';
import { BCRYPT_COST, Seeder } from './seed.ts';
import { line } from './smtp.ts';
import { workerDatabaseUrl } from './database-url.ts';



/** The database of this test file: the run's PostgreSQL schema, or a copy of the migrated embedded snapshot. */
export async function openTestDatabase(): Promise<Database> {
  const url = workerDatabaseUrl();
  if (url) return openPostgres(url);
  const snapshot = readFileSync(inject('pgliteSnapshot')!);
  return openEmbedded({ pglite: new PGlite({ loadDataDir: new Blob([snapshot]) }) });
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: '/nonexistent',
      PUBLIC_URL: 'http://slotkeeper.test',
      BCRYPT_COST: String(BCRYPT_COST),
      MAIL_RETRY_BASE_SECONDS: '1',
      // In-process requests have no peer address; the test of this limit turns it on.
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS: '0',
      RATE_LIMIT_TRIALS_PER_ADDRESS: '0',
      // The tests read GraphiQL's and introspection's development defaults; production is tested apart.
      NODE_ENV: 'development',
    }),
    keyEncryptionKey: Buffer.from(inject('keyEncryptionKey'), 'base64'),
    ...overrides,
  };
}

/** A logger writing to a new file in the run's log folder, which the no-secrets check reads at the end. */
export function testLogger(): { logger: Logger; file: string } {
  const file = join(inject('logDir'), `${process.pid}-${randomUUID()}.log`);
  return { logger: createLogger({ logLevel: 'debug' }, { file }), file };
}

/** A clock the test moves; starts at the real time. */
export class TestClock implements Clock {
  private offset = 0;
  now() {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number) {
    this.offset += ms;
  }
}

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface TestApp {
  app: App;
  clock: TestClock;
  /** This app's log file (JSON lines). */
  logFile: string;
  seed: Seeder;
  /** A GraphQL request through yoga in-process (no socket). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  /** Starts a real HTTP + WebSocket listener on a free loopback port. */
  listen(): Promise<Listening>;
  /**
   * A `Label: value` line of an outbox message as the operator reads it (`pnpm cli mail show`): a
   * queued mail's password or code is encrypted in its row, not readable from `data`.
   */
  mailLine(message: MailRow, label: string): string;
  /**
   * For a mail test's failure message: the outbox rows to `email` (status, attempts, last error,
   * times) and this app's last mail log lines, so a mail that never came says why.
   */
  outboxReport(email: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApp(
  options: { database?: Database; config?: Partial<Config> } = {},
): Promise<TestApp> {
  const database = options.database ?? (await openTestDatabase());
  if (!options.database && options.config?.smtpUrl) {
    // On PostgreSQL the files a worker runs share its schema. A server with SMTP sends what earlier
    // servers held, so an app with SMTP would first send every held mail the earlier files left (a
    // CI run once queued 806 before the test's own and waited 90 s): those are retired first.
    await database.prisma.mailMessage.updateMany({
      where: { status: { in: ['HELD', 'PENDING', 'SENDING'] } },
      data: { status: 'FAILED', lastError: 'left unsent by an earlier test file', lockedUntil: null },
    });
  }
  const clock = new TestClock();
  const { logger, file: logFile } = testLogger();
  const app = await createApp(testConfig(options.config), { database, clock, logger });
  const listeners: Listening[] = [];
  return {
    app,
    clock,
    logFile,
    seed: new Seeder(database.prisma),
    async gql(query, variables, token) {
      const response = await app.yoga.fetch('http://slotkeeper.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async listen() {
      const listening = await listen(app.yoga, 0, '127.0.0.1');
      listeners.push(listening);
      return listening;
    },
    mailLine: (message, label) => line(app.mailWorker.render(message).text, label),
    async outboxReport(email) {
      const rows = await database.prisma.mailMessage.findMany({
        where: { to: email },
        select: { id: true, template: true, status: true, attempts: true, lastError: true, createdAt: true, nextAttemptAt: true, lockedUntil: true, sentAt: true },
        orderBy: { createdAt: 'asc' },
      });
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : [];
      const mailLines = log.filter((l) => /mail/i.test(l)).slice(-20);
      return [
        `now ${new Date().toISOString()} (app clock ${clock.now().toISOString()}); outbox rows to ${email}:`,
        ...rows.map((r) => `  ${JSON.stringify(r)}`),
        `last mail log lines of ${logFile}:`,
        ...mailLines.map((l) => `  ${l.slice(0, 600)}`),
      ].join('\n');
    },
    async close() {
      for (const l of listeners) await l.close();
      await app.close();
      if (!options.database) await database.close();
    },
  };
}
