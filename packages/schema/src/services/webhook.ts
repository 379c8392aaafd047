import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Staff, scope } from './caller.ts';
import { type Actor, policy } from './policy.ts';
import { type Clock, type Db, transaction } from './db.ts';
import { InvalidInputError, NotFoundError, UrlNotAllowedError } from './errors.ts';
import { resellerByName } from './reseller.ts';
import { firstPrivateAddress, hostOf } from './webhook/address.ts';
import { WEBHOOK_EVENTS, type WebhookEventType } from './webhook/event.ts';
import type { WebhookSecrets } from './webhook/secret.ts';

export interface AddEndpointInput {
  url: string;
  /** Event types to deliver; none or empty = all. */
  events?: string[] | null;
  /** The reseller by name whose events it gets (vendor staff and operator only); none: every event. */
  reseller?: string | null;
}

export interface UpdateEndpointInput {
  url?: string | null;
  events?: string[] | null;
  /** true re-enables an endpoint that was disabled (after three days of failures); false pauses it. */
  enabled?: boolean | null;
}

/** The secret is shown once, when the endpoint is added or its secret rotated. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface WebhookService {
  add(actor: Actor, input: AddEndpointInput): Promise<EndpointWithSecret>;
  list(actor: Actor): Promise<WebhookEndpoint[]>;
  update(actor: Actor, id: string, input: UpdateEndpointInput): Promise<WebhookEndpoint>;
  remove(actor: Actor, id: string): Promise<WebhookEndpoint>;
  /** A new secret; the old one keeps signing beside it for a day, so receivers can switch without a gap. */
  rotateSecret(actor: Actor, id: string): Promise<EndpointWithSecret>;
  /** Delivers a delivery's event again, now ("send again" in the dashboard). */
  resend(actor: Actor, deliveryId: string): Promise<WebhookDelivery>;
}

export const SECRET_OVERLAP_MS = 86_400_000;

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Which endpoints a caller manages (after `policy.manageWebhooks`): the vendor every one, a reseller admin its reseller's. */
export function endpointScope(actor: Staff | 'operator') {
  const resellerId = actor === 'operator' ? undefined : scope.resellerId(actor);
  return resellerId === undefined ? {} : { resellerId };
}

export function createWebhookService(deps: { db: Db; clock: Clock; allowPrivate: boolean; webhookSecrets: WebhookSecrets }): WebhookService {
  const { db, clock, webhookSecrets: secrets } = deps;

  async function checkUrl(raw: string): Promise<string> {
    const text = raw.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InvalidInputError('url', 'The URL must be an absolute http:// or https:// URL.');
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || text.length > 2000) {
      throw new InvalidInputError('url', 'The URL must be an absolute http:// or https:// URL (at most 2000 characters).');
    }
    if (url.username || url.password) throw new InvalidInputError('url', 'The URL must not carry a user name or password.');
    if (!deps.allowPrivate) {
      let refused: string | null;
      try {
        refused = await firstPrivateAddress(hostOf(url));
      } catch {
        throw new InvalidInputError('url', `The host ${url.hostname} cannot be resolved.`);
      }
      if (refused) throw new UrlNotAllowedError(url.hostname, refused);
    }
    return url.href;
  }

  function checkEvents(events: string[] | null | undefined): WebhookEventType[] {
    const list = [...new Set((events ?? []).map((e) => e.trim()).filter(Boolean))];
    const unknown = list.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (unknown.length) {
      throw new InvalidInputError('events', `Unknown event type(s) ${unknown.join(', ')}; known: ${WEBHOOK_EVENTS.join(', ')}.`);
    }
    return list as WebhookEventType[];
  }

  async function visible(actor: Staff | 'operator', id: string) {
    const endpoint = await db.webhookEndpoint.findFirst({ where: { id, ...endpointScope(actor) } });
    if (!endpoint) throw new NotFoundError('There is no such webhook endpoint.');
    return endpoint;
  }

  return {
    async add(caller, input) {
      const actor = policy.manageWebhooks(caller);
      const url = await checkUrl(input.url);
      const events = checkEvents(input.events);
      const tenant = actor === 'operator' ? undefined : scope.resellerId(actor);
      let resellerId: string | null = tenant ?? null;
      if (tenant === undefined && input.reseller) {
        const reseller = await resellerByName(db, input.reseller);
        if (!reseller) throw new NotFoundError(`There is no reseller "${input.reseller}".`);
        resellerId = reseller.id;
      }
      const secret = generateSecret();
      // The id is known before the row exists: the sealed secret is bound to it.
      const id = randomUUID();
      const endpoint = await transaction(db, async (tx) => {
        const created = await tx.webhookEndpoint.create({ data: { id, url, events, resellerId, secret: secrets.seal(id, secret) } });
        await audit(tx, actor, 'webhook.added', `webhook:${created.id}`, resellerId, { after: { url, events } });
        return created;
      });
      return { endpoint, secret };
    },

    list(caller) {
      const actor = policy.manageWebhooks(caller);
      return db.webhookEndpoint.findMany({ where: endpointScope(actor), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    },

    async update(caller, id, input) {
      const actor = policy.manageWebhooks(caller);
      const before = await visible(actor, id);
      const data = {
        ...(input.url != null ? { url: await checkUrl(input.url) } : {}),
        ...(input.events != null ? { events: checkEvents(input.events) } : {}),
        ...(input.enabled === true ? { disabledAt: null, failingSince: null } : {}),
        ...(input.enabled === false && !before.disabledAt ? { disabledAt: clock.now() } : {}),
      };
      return transaction(db, async (tx) => {
        const updated = await tx.webhookEndpoint.update({ where: { id }, data });
        await audit(tx, actor, 'webhook.updated', `webhook:${id}`, before.resellerId, {
          before: { url: before.url, events: before.events, enabled: !before.disabledAt },
          after: { url: updated.url, events: updated.events, enabled: !updated.disabledAt },
        });
        return updated;
      });
    },

    async remove(caller, id) {
      const actor = policy.manageWebhooks(caller);
      const endpoint = await visible(actor, id);
      return transaction(db, async (tx) => {
        await tx.webhookEndpoint.delete({ where: { id } });
        await audit(tx, actor, 'webhook.removed', `webhook:${id}`, endpoint.resellerId, { before: { url: endpoint.url } });
        return endpoint;
      });
    },

    async rotateSecret(caller, id) {
      const actor = policy.manageWebhooks(caller);
      const endpoint = await visible(actor, id);
      const secret = generateSecret();
      const updated = await transaction(db, async (tx) => {
        const rotated = await tx.webhookEndpoint.update({
          where: { id },
          data: {
            secret: secrets.seal(id, secret),
            // Re-sealed: a secret stored before sealing existed does not stay plain as the previous one.
            previousSecret: secrets.seal(id, secrets.open(id, endpoint.secret)),
            previousSecretUntil: new Date(clock.now().getTime() + SECRET_OVERLAP_MS),
          },
        });
        await audit(tx, actor, 'webhook.secret_rotated', `webhook:${id}`, endpoint.resellerId, {});
        return rotated;
      });
      return { endpoint: updated, secret };
    },

    async resend(caller, deliveryId) {
      const actor = policy.manageWebhooks(caller);
      const delivery = await db.webhookDelivery.findFirst({ where: { id: deliveryId, endpoint: endpointScope(actor) } });
      if (!delivery) throw new NotFoundError('There is no such webhook delivery.');
      // Claimed right now: the attempt under way decides; sending it again beside it would race.
      if (delivery.status === 'SENDING') return delivery;
      return db.webhookDelivery.update({
        where: { id: deliveryId },
        data: { status: 'PENDING', attempts: 0, nextAttemptAt: clock.now(), lockedUntil: null },
      });
    },
  };
}
