import { mkdirSync } from 'node:fs';
import { type Clock, systemClock } from '@slotkeeper/schema/services/db';
import { createOutbox } from '@slotkeeper/schema/services/mail';
import { createWebhookOutbox } from '@slotkeeper/schema/services/webhook/event';
import { createMailSecrets } from '@slotkeeper/schema/services/mail-secret';
import { createWebhookSecrets, sealPlainWebhookSecrets } from '@slotkeeper/schema/services/webhook/secret';
import { createPasswordHasher } from '@slotkeeper/schema/services/password';
import { type Services, createServices } from '@slotkeeper/schema/services/services';
import { createSigner } from '@slotkeeper/schema/services/signing-key';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { embeddedDatabaseDir } from './data-dir-lock.ts';
import { type Database, openEmbedded, openPostgres } from './database.ts';
import { keyEncryptionKey } from './key-file.ts';
import { migrate } from './migrate.ts';
import { type LiveSubscriptions, createLiveSubscriptions } from './live-subscriptions.ts';
import { sharedEventExecutionPlugin } from './shared-event-execution.ts';
import { sseFanOutPlugin } from './sse-fan-out.ts';
import { type Logger, createLogger } from './logger.ts';
import { type MailTransport, type MailWorker, createMailWorker, smtpTransport } from './mail-worker.ts';
import { type Metrics, createMetrics } from './metrics.ts';
import { type SlotPubSub, createSlotPubSub } from './pubsub.ts';
import { addressLimitPlugin, passwordCheckLimitPlugin, createRateLimits, trialLimitPlugin } from './rate-limit.ts';
import { requestLogPlugin } from './request-log.ts';
import { subscriptionCapsPlugin } from './subscription-caps.ts';
import { restBridge } from './rest/bridge.ts';
import { serverRoutes } from './routes.ts';
import { shopWebhookRoute } from './shop-webhook.ts';
import { createStripeAdapter } from '@slotkeeper/schema/services/commerce/stripe';
import { type WebhookWorker, createWebhookWorker } from './webhook-worker.ts';
import { type LeaseSweeper, createLeaseSweeper } from './lease-sweeper.ts';
import { type SlotkeeperYoga, createSlotkeeperYoga } from './yoga.ts';

export interface App {
  config: Config;
  database: Database;
  services: Services;
  yoga: SlotkeeperYoga;
  mailWorker: MailWorker;
  webhookWorker: WebhookWorker;
  /** Releases lapsed slots every LEASE_SWEEP_SECONDS once started (main.ts starts it). */
  leaseSweeper: LeaseSweeper;
  logger: Logger;
  metrics: Metrics;
  /** Live GraphQL subscriptions (both transports); a stopping server ends them first. */
  subscriptions: LiveSubscriptions;
  /** The slot events' pub/sub (in-process or Redis). */
  slots: SlotPubSub;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return openEmbedded({ dataDir: embeddedDatabaseDir(config.dataDir) });
}

/**
 * Wires the whole server from its configuration: database (migrated), keys, Redis, pub/sub, rate
 * limits, mail outbox and worker, webhook worker, services, yoga. Nothing listens and the workers are not started
 * (main.ts does both). `database`, `clock`, `mailTransport` and `logger` (default: JSON on stdout) may be given.
 */
export async function createApp(
  config: Config,
  given: { database?: Database; clock?: Clock; mailTransport?: MailTransport | null; logger?: Logger } = {},
): Promise<App> {
  const logger = given.logger ?? createLogger(config);
  const database = given.database ?? (await openDatabase(config));
  let redis: Redis | null = null;
  try {
    await migrate(database);
    const clock = given.clock ?? systemClock;
    const db = database.prisma;
    const kek = keyEncryptionKey(config);
    const signer = createSigner({ db, clock, kek, issuer: config.tokenIssuer });
    const mailSecrets = createMailSecrets(kek);
    const webhookSecrets = createWebhookSecrets(kek);
    const sealed = await sealPlainWebhookSecrets(db, webhookSecrets);
    if (sealed > 0) logger.info({ sealed }, `Sealed ${sealed} webhook endpoint secret(s) stored plain before.`);
    await signer.current();
    await signer.rootKey();
    // ioredis loads only for a server given REDIS_URL.
    redis = config.redisUrl ? new (await import('ioredis')).Redis(config.redisUrl, { lazyConnect: true }) : null;
    await redis?.connect();
    const slots = createSlotPubSub(redis);
    const subscriptions = createLiveSubscriptions(clock);
    const stopEndingSessions = slots.onSessionEnded((end) => subscriptions.endSessions(end));
    const metrics = createMetrics({ db, subscriptions, metricsToken: config.metricsToken, production: config.production });
    const limits = createRateLimits(config, redis, metrics.rateLimitHit);
    const transport = given.mailTransport !== undefined ? given.mailTransport : config.smtpUrl ? smtpTransport(config.smtpUrl, config.smtpName) : null;
    const mailWorker = createMailWorker({
      db,
      clock,
      transport,
      brand: { vendorName: config.vendorName, publicUrl: config.publicUrl, replyTo: config.mailReplyTo },
      from: config.mailFrom,
      secrets: mailSecrets,
      maxAttempts: config.mailMaxAttempts,
      retryBaseMs: config.mailRetryBaseSeconds * 1000,
      logger,
      onSendFailed: metrics.mailSendFailed,
      // services is made below; the worker calls this only once started.
      fulfilResetRequest: (work, email) => services.accounts.fulfilResetRequest(work, email),
    });
    const outbox = createOutbox(mailSecrets, () => mailWorker.wake());
    const webhookWorker = createWebhookWorker({
      db,
      clock,
      outbox,
      logger,
      retryBaseMs: config.webhooks.retryBaseSeconds * 1000,
      timeoutMs: config.webhooks.timeoutSeconds * 1000,
      allowPrivate: config.webhooks.allowPrivate,
      secrets: webhookSecrets,
    });
    const services = metrics.observe(createServices({
      db,
      clock,
      signer,
      events: slots,
      sessionEvents: slots,
      limits,
      outbox,
      mail: { configured: transport !== null, from: config.mailFrom, render: (row) => mailWorker.render(row) },
      hasher: createPasswordHasher(config.bcryptCost, {
        concurrency: config.passwordCheckThreads,
        queue: config.passwordCheckQueue,
        waitMs: config.passwordCheckWaitMs,
      }),
      sessionTtlHours: config.sessionTtlHours,
      resetTtlMinutes: config.resetTtlMinutes,
      webhooks: createWebhookOutbox(() => webhookWorker.wake()),
      webhookAllowPrivate: config.webhooks.allowPrivate,
      webhookSecrets,
      logger,
      onSlotsHealed: metrics.slotsHealed,
    }));
    const leaseSweeper = createLeaseSweeper({ activations: services.activations, intervalSeconds: config.leaseSweepSeconds, logger });
    const proxyTrust = { hops: config.trustProxyHops, proxies: config.trustedProxies };
    const subscriptionCaps = subscriptionCapsPlugin({
      perSession: config.maxSubscriptionsPerSession,
      perAddress: config.maxSubscriptionsPerAddress,
      proxyTrust,
    });
    const rest = restBridge();
    const shared = redis;
    const routes = serverRoutes({
      services,
      vendorName: config.vendorName,
      metrics: metrics.route,
      rest: rest.routes,
      shops: [
        shopWebhookRoute({
          shop: 'stripe',
          secretName: 'STRIPE_WEBHOOK_SECRET',
          adapter: config.stripe.webhookSecret
            ? createStripeAdapter({ webhookSecret: config.stripe.webhookSecret, apiKey: config.stripe.apiKey, apiBase: config.stripe.apiBase }, clock)
            : null,
          intake: services.intake,
          logger,
        }),
      ],
      ready: async () => {
        await db.$queryRaw`SELECT 1`;
        await shared?.ping();
      },
    });
    const yoga = createSlotkeeperYoga({
      db,
      services,
      slots,
      routes,
      observers: [requestLogPlugin(logger, (path) => routes.find(path)?.quiet === true), ...metrics.plugins],
      admission: limits.perAddress
        ? [addressLimitPlugin(limits.perAddress, proxyTrust, () => metrics.rateLimitHit('per_address'), (path) => routes.find(path)?.unlimited === true)]
        : [],
      operations: [
        rest.plugin,
        subscriptionCaps,
        subscriptions.plugin,
        sharedEventExecutionPlugin(),
        sseFanOutPlugin({
          maxQueuedBytes: config.maxUnreadSubscriptionBytes,
          onDrop: (reason, queuedBytes) => logger.warn({ queuedBytes }, `SSE subscription dropped: ${reason}`),
        }),
        ...(limits.passwordChecksPerAddress
          ? [passwordCheckLimitPlugin(limits.passwordChecksPerAddress, proxyTrust, () => metrics.rateLimitHit('password_checks_per_address'))]
          : []),
        ...(limits.trialsPerAddress ? [trialLimitPlugin(limits.trialsPerAddress, proxyTrust, () => metrics.rateLimitHit('trials_per_address'))] : []),
      ],
      graphql: config.graphql,
      maxBodyBytes: config.maxBodyBytes,
      logger,
      corsOrigins: config.corsOrigins,
      hsts: config.publicUrl.startsWith('https:'),
    });
    return {
      config,
      database,
      services,
      yoga,
      mailWorker,
      webhookWorker,
      leaseSweeper,
      logger,
      metrics,
      subscriptions,
      slots,
      async close() {
        subscriptions.endAll();
        await leaseSweeper.stop();
        await webhookWorker.stop();
        await mailWorker.stop();
        await yoga.dispose();
        stopEndingSessions();
        await slots.close();
        await shared?.quit();
        if (!given.database) await database.close();
      },
    };
  } catch (error) {
    redis?.disconnect();
    if (!given.database) await database.close();
    throw error;
  }
}
