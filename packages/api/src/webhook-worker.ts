import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { type Clock, type Db, transaction } from '@slotkeeper/schema/services/db';
import type { Outbox } from '@slotkeeper/schema/services/mail';
import { PrivateAddressError, guardedLookup, hostOf, isPrivateAddress } from '@slotkeeper/schema/services/webhook/address';
import type { WebhookSecrets } from '@slotkeeper/schema/services/webhook/secret';
import { Prisma } from '@slotkeeper/schema/generated/prisma/client';
import { Webhook } from 'standardwebhooks';
import { type Leased, claimDue, unclaim } from './outbox-claim.ts';
import { passLoop } from './worker-loop.ts';
import type { Logger } from './logger.ts';

export interface WebhookWorker {
  start(): void;
  /** Runs one pass now, once started (after each commit that wrote deliveries). */
  wake(): void;
  /** Delivers everything due; resolves when nothing due is left. For tests and shutdown. */
  drain(): Promise<void>;
  /** Lets the attempts in flight finish, hands the rest back, and stops. */
  stop(): Promise<void>;
}

/** First try plus 13 retries: with a 30 s base the last retry is ≈ 2.8 days after the first try. */
export const MAX_ATTEMPTS = 14;
const CLAIM_BATCH = 10;
const MAX_BODY_READ = 64 * 1024;

/** Delay after the given failed attempt (1-based): base · 2^(attempt-1), ±25 % jitter so retries of many endpoints spread out. */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.75 + random() * 0.5));
}

type Claimed = Leased<{
  id: string;
  endpointId: string;
  eventId: string;
  attempts: number;
  createdAt: Date;
}>;

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One POST: no redirects followed (a 3xx is a failure), the timeout covers the whole exchange. */
export function post(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<AttemptResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): AttemptResult => ({
    statusCode,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  return new Promise((resolve) => {
    const url = new URL(target);
    const host = hostOf(url);
    // A literal address never goes through lookup: it is checked here.
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) {
      resolve(done(null, new PrivateAddressError(host, host).message));
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_BODY_READ) res.destroy();
        });
        res.on('close', () => {
          clearTimeout(timer);
          resolve(done(res.statusCode ?? null, null));
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve(done(null, error.message.slice(0, 1000)));
    });
    req.end(body);
  });
}

/**
 * Delivers the webhook outbox. Any number of workers (api instances) may run: a delivery is claimed
 * with FOR UPDATE SKIP LOCKED and leased; a worker that dies mid-attempt leaves a lease that runs
 * out, and the delivery is tried again with the same webhook-id (receivers drop that rare duplicate).
 */
export function createWebhookWorker(deps: {
  db: Db;
  clock: Clock;
  outbox: Outbox;
  logger: Logger;
  retryBaseMs: number;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Opens the endpoints' secrets, sealed at rest. */
  secrets: WebhookSecrets;
  pollMs?: number;
  leaseMs?: number;
}): WebhookWorker {
  const { db, clock, logger } = deps;
  // An attempt lasts at most the timeout: three of them cover it and the writes around it, and a
  // worker killed mid-attempt hands its deliveries on soon after.
  const leaseMs = deps.leaseMs ?? deps.timeoutMs * 3;
  const loop = passLoop(() => pass(), () => stopped, (error) => logger.error({ err: error }, 'webhook worker pass failed'));
  let started = false;
  let stopped = false;

  const claim = () =>
    claimDue<Omit<Claimed, 'lease'>>(db, clock, leaseMs, CLAIM_BATCH, {
      table: 'WebhookDelivery',
      order: 'nextAttemptAt',
      returning: ['id', 'endpointId', 'eventId', 'attempts', 'createdAt'],
      // A disabled endpoint's deliveries wait until it is enabled again.
      also: Prisma.sql`EXISTS (SELECT 1 FROM "WebhookEndpoint" e WHERE e."id" = t."endpointId" AND e."disabledAt" IS NULL)`,
    });

  function sign(secrets: string[], id: string, at: Date, body: string): string {
    return secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ');
  }

  /** Three days of failures: the endpoint stops, and its owners (the tenant's admins) hear of it. */
  async function disable(endpointId: string, since: Date) {
    await transaction(db, async (tx, work) => {
      const disabled = await tx.webhookEndpoint.updateMany({ where: { id: endpointId, disabledAt: null }, data: { disabledAt: clock.now() } });
      if (disabled.count === 0) return;
      const endpoint = await tx.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
      const owners = await tx.staffUser.findMany({
        where: endpoint.resellerId
          ? { role: 'RESELLER_ADMIN', resellerId: endpoint.resellerId, disabledAt: null }
          : { role: 'VENDOR_ADMIN', disabledAt: null },
        select: { email: true },
      });
      for (const owner of owners) {
        await deps.outbox.enqueue(work, owner.email, 'webhook-disabled', { url: endpoint.url, endpointId, failingSince: since.toISOString() });
      }
    }, logger);
    logger.warn({ endpointId }, 'webhook endpoint disabled after failing for its whole retry window');
  }

  async function deliver(delivery: Claimed) {
    const endpoint = await db.webhookEndpoint.findUnique({ where: { id: delivery.endpointId } });
    const event = await db.webhookEvent.findUnique({ where: { id: delivery.eventId } });
    if (!endpoint || !event) return;
    const now = clock.now();
    const body = JSON.stringify(event.payload);
    const secrets = [deps.secrets.open(endpoint.id, endpoint.secret)];
    if (endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now) {
      secrets.push(deps.secrets.open(endpoint.id, endpoint.previousSecret));
    }
    const result = await post(
      endpoint.url,
      {
        'content-type': 'application/json',
        'user-agent': 'Slotkeeper-Webhooks/1',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': sign(secrets, event.id, now, body),
      },
      body,
      { timeoutMs: deps.timeoutMs, allowPrivate: deps.allowPrivate },
    );
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const error = ok ? null : (result.error ?? `HTTP ${result.statusCode}`);
    const after = clock.now();
    const gaveUp = !ok && delivery.attempts >= MAX_ATTEMPTS;
    await transaction(db, async (tx) => {
      await tx.webhookAttempt.create({
        data: { deliveryId: delivery.id, attempt: delivery.attempts, at: now, statusCode: result.statusCode, error, durationMs: result.durationMs },
      });
      await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: ok
          ? { status: 'DELIVERED', deliveredAt: after, lockedUntil: null, lastStatusCode: result.statusCode, lastError: null }
          : {
              status: gaveUp ? 'FAILED' : 'PENDING',
              lockedUntil: null,
              lastStatusCode: result.statusCode,
              lastError: error,
              nextAttemptAt: new Date(after.getTime() + retryDelayMs(delivery.attempts, deps.retryBaseMs)),
            },
      });
      if (ok) await tx.webhookEndpoint.updateMany({ where: { id: endpoint.id, failingSince: { not: null } }, data: { failingSince: null } });
      else await tx.webhookEndpoint.updateMany({ where: { id: endpoint.id, failingSince: null }, data: { failingSince: now } });
    });
    if (!ok) logger.warn({ deliveryId: delivery.id, endpointId: endpoint.id, attempt: delivery.attempts, error, gaveUp }, 'webhook delivery failed');
    if (gaveUp) {
      // Disabled only when no attempt succeeded since this delivery's first one: it failed all along.
      const first = await db.webhookAttempt.findFirst({ where: { deliveryId: delivery.id }, orderBy: { at: 'asc' } });
      const current = await db.webhookEndpoint.findUnique({ where: { id: endpoint.id } });
      if (first && current?.failingSince && current.failingSince <= first.at) await disable(endpoint.id, current.failingSince);
    }
  }

  async function pass() {
    for (;;) {
      if (stopped) return;
      const batch = await claim();
      if (stopped) {
        if (batch.length) await db.webhookDelivery.updateMany(unclaim(batch));
        return;
      }
      // One slow endpoint (up to the timeout) must not hold the others back: the batch goes out at once.
      await Promise.all(
        batch.map((delivery) =>
          deliver(delivery).catch((error: unknown) => logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery crashed')),
        ),
      );
      if (batch.length < CLAIM_BATCH) return;
    }
  }


  return {
    start() {
      started = true;
      stopped = false;
      void loop.run();
      loop.every(deps.pollMs ?? 1_000);
    },
    wake() {
      // Only a started worker delivers on its own: a CLI command's app leaves deliveries to the server.
      if (started && !stopped) void loop.run();
    },
    drain: () => loop.drain(),
    async stop() {
      stopped = true;
      await loop.halt();
    },
  };
}
