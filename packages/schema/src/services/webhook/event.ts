import { randomUUID } from 'node:crypto';
import type { Activation, License } from '../../generated/prisma/client.ts';
import type { Work } from '../db.ts';

export const WEBHOOK_EVENTS = [
  'license.created',
  'license.updated',
  'activation.created',
  'activation.released',
  'slot.denied',
  'customer.created',
  'trial.started',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookOutbox {
  /**
   * Writes an event and one delivery per endpoint that takes it, in the caller's transaction: the
   * event exists exactly when its change committed, and the worker is woken after the commit. A
   * vendor endpoint (no reseller) takes every tenant's events, a reseller's endpoint only those of its
   * reseller. A disabled endpoint's deliveries wait until it is enabled again. With no such endpoint
   * nothing is written.
   */
  emit(work: Work, at: Date, type: WebhookEventType, resellerId: string | null, data: Record<string, unknown>): Promise<void>;
}

export function createWebhookOutbox(onEmitted: () => void = () => {}): WebhookOutbox {
  return {
    async emit(work, at, type, resellerId, data) {
      const id = randomUUID();
      const payload = JSON.stringify({ type, timestamp: at.toISOString(), data });
      const when = at.toISOString();
      const deliveries = await work.tx.$executeRaw`
        WITH endpoint AS (
          SELECT "id" FROM "WebhookEndpoint"
          WHERE ("resellerId" IS NULL OR "resellerId" = ${resellerId})
            AND (cardinality("events") = 0 OR ${type} = ANY("events"))
        ), event AS (
          INSERT INTO "WebhookEvent" ("id", "type", "resellerId", "payload", "createdAt")
          SELECT ${id}, ${type}, ${resellerId}, ${payload}::jsonb, ${when}::timestamp WHERE EXISTS (SELECT 1 FROM endpoint)
          RETURNING "id"
        )
        INSERT INTO "WebhookDelivery" ("id", "endpointId", "eventId", "nextAttemptAt", "createdAt")
        SELECT gen_random_uuid()::text, endpoint."id", event."id", ${when}::timestamp, ${when}::timestamp FROM endpoint, event`;
      if (deliveries > 0) work.afterCommit(onEmitted);
    },
  };
}

/** A license as events show it. */
export function licenseData(license: License & { seatsUsed?: number }) {
  return {
    id: license.id,
    customerId: license.customerId,
    productId: license.productId,
    resellerId: license.resellerId,
    orderId: license.orderId,
    seats: license.seats,
    ...(license.seatsUsed !== undefined ? { seatsUsed: license.seatsUsed } : {}),
    status: license.status,
    entitlements: license.entitlements,
    startsAt: license.startsAt.toISOString(),
    expiresAt: license.expiresAt.toISOString(),
  };
}

/** An activation as events show it (never its fingerprint hash). */
export function activationData(activation: Activation) {
  return {
    id: activation.id,
    licenseId: activation.licenseId,
    machineName: activation.machineName,
    osUser: activation.osUser,
    activatedAt: activation.activatedAt.toISOString(),
    releasedAt: activation.releasedAt?.toISOString() ?? null,
    reason: activation.releaseReason,
  };
}

/** The body of activation.created / activation.released: the slot and its license's usage after the change. */
export function slotData(activation: Activation, license: License & { seatsUsed: number }) {
  return { activation: activationData(activation), license: licenseData(license) };
}
