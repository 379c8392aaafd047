// The one intake service behind every shop adapter: applies a verified shop event's intent exactly
// once. The event is claimed (unique per shop and event id, and per shop and object) in the same
// transaction as its effect, so a replay, the same checkout or invoice under another event id, and a
// concurrent second delivery change nothing. An event about a subscription whose purchase has not
// arrived yet is kept as WAITING and applied, in the shop's order, in the purchase's transaction.
// Everything of one subscription runs under a transaction-scoped advisory lock, so a waiting event
// and its purchase can't pass each other unseen.
import { randomUUID } from 'node:crypto';
import type { License, Prisma, Product, ShopLink } from '../../generated/prisma/client.ts';
import { audit } from '../audit.ts';
import { type Clock, type Db, type EffectLog, type Tx, type Work, lockLicenses, seatsUsed, transaction } from '../db.ts';
import { DomainError } from '../errors.ts';
import { normalizeEmail } from '../input.ts';
import { sellIn } from '../license.ts';
import { checkSeatCount } from '../license-rule.ts';
import type { Outbox } from '../mail.ts';
import { type PasswordHasher, generatePassword } from '../password.ts';
import type { ShopActor } from '../policy.ts';
import { type WebhookOutbox, licenseData } from '../webhook/event.ts';
import { type Intent, ShopConfigError, type ShopEventIn } from './intent.ts';

export type IntakeStatus = 'APPLIED' | 'WAITING' | 'IGNORED' | 'REJECTED' | 'DUPLICATE' | 'REPLAY';

export interface IntakeOutcome {
  status: IntakeStatus;
  note: string | null;
  licenseIds: string[];
}

export interface IntakeService {
  /** Applies one verified event; throws ShopConfigError when the vendor must fix something first (nothing recorded). */
  receive(event: ShopEventIn): Promise<IntakeOutcome>;
}

/** A one-time purchase of a product with no license duration does not end. */
const PERPETUAL = new Date('9999-12-31T23:59:59.999Z');
const DAY_MS = 86_400_000;

type Applied = { status: 'APPLIED' | 'WAITING' | 'IGNORED' | 'REJECTED'; note: string | null; licenseIds: string[]; waitingFor?: string };
type Password = { password: string; passwordHash: string };
type LinkedLicense = ShopLink & { license: License & { product: Product } };
type SubscriptionIntent = Extract<Intent, { kind: 'renewal' | 'cancellation' | 'quantity' }>;

const ignored = (note: string): Applied => ({ status: 'IGNORED', note, licenseIds: [] });
const rejected = (note: string): Applied => ({ status: 'REJECTED', note, licenseIds: [] });

export function createIntakeService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  outbox: Outbox;
  webhooks: WebhookOutbox;
  logger: EffectLog;
}): IntakeService {
  const { db, clock, hasher, outbox, webhooks, logger } = deps;

  async function lockSubscription(tx: Tx, shop: string, subscriptionId: string) {
    const key = `${shop}:${subscriptionId}`;
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  }

  /** Inserts the event's row unless its id or its object is there already: the claim that makes it once. */
  async function claim(tx: Tx, event: ShopEventIn, objectKey: string | null, status: string): Promise<string | null> {
    const id = randomUUID();
    const inserted = await tx.$executeRaw`
      INSERT INTO "ShopEvent" ("id", "shop", "eventId", "type", "objectKey", "status", "livemode", "occurredAt", "receivedAt")
      VALUES (${id}, ${event.shop}, ${event.eventId}, ${event.type}, ${objectKey}, ${status}, ${event.livemode},
              ${event.occurredAt.toISOString()}::timestamp, ${clock.now().toISOString()}::timestamp)
      ON CONFLICT DO NOTHING`;
    return inserted === 1 ? id : null;
  }

  /** One sale per product: mapped prices first (seats × quantity each), else the order's metadata. */
  async function salesOf(tx: Tx, shop: string, intent: Extract<Intent, { kind: 'purchase' }>) {
    type SaleLine = { product: Product; seats: number; priceIds: string[]; seatsPerUnit: number };
    if (intent.lines?.length) {
      const prices = await tx.shopPrice.findMany({ where: { shop, priceId: { in: intent.lines.map((l) => l.priceId) } }, include: { product: true } });
      const byProduct = new Map<string, SaleLine>();
      for (const line of intent.lines) {
        const price = prices.find((p) => p.priceId === line.priceId);
        if (!price) continue;
        const sale = byProduct.get(price.productId) ?? { product: price.product, seats: 0, priceIds: [], seatsPerUnit: 1 };
        sale.seats += price.seatsPerUnit * line.quantity;
        if (!sale.priceIds.includes(line.priceId)) sale.priceIds.push(line.priceId);
        byProduct.set(price.productId, sale);
      }
      if (byProduct.size) return [...byProduct.values()];
    }
    const code = intent.metadata.product?.trim();
    if (!code) return ignored(intent.lines ? 'no line has a mapped price and there is no slotkeeper_product metadata' : 'no slotkeeper_product metadata');
    const product = await tx.product.findUnique({ where: { code } });
    if (!product) throw new ShopConfigError(`There is no product "${code}" (metadata slotkeeper_product): create it, and the shop's next retry issues the license.`);
    const raw = intent.metadata.seats?.trim() || '1';
    const perUnit = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
    const quantity = intent.lines?.reduce((sum, l) => sum + l.quantity, 0) || 1;
    try {
      checkSeatCount(perUnit * quantity);
    } catch (error) {
      if (error instanceof DomainError) return rejected(`slotkeeper_seats "${raw}" × quantity ${quantity}: ${error.message}`);
      throw error;
    }
    return [{ product, seats: perUnit * quantity, priceIds: [], seatsPerUnit: perUnit }];
  }

  async function purchase(work: Work, event: ShopEventIn, intent: Extract<Intent, { kind: 'purchase' }>, secret: Password): Promise<Applied> {
    const { tx } = work;
    const actor: ShopActor = `shop:${event.shop}`;
    if (intent.subscriptionId) await lockSubscription(tx, event.shop, intent.subscriptionId);
    const sales = await salesOf(tx, event.shop, intent);
    if (!Array.isArray(sales)) return sales;
    let email: string;
    try {
      email = normalizeEmail(intent.email);
    } catch (error) {
      if (error instanceof DomainError) return rejected(`customer e-mail: ${error.message}`);
      throw error;
    }
    const resellerName = intent.metadata.reseller?.trim();
    const reseller = resellerName ? await tx.reseller.findUnique({ where: { name: resellerName } }) : null;
    if (resellerName && !reseller) {
      throw new ShopConfigError(`There is no reseller "${resellerName}" (metadata slotkeeper_reseller): create it, and the shop's next retry issues the license.`);
    }
    const now = clock.now();
    const licenseIds: string[] = [];
    for (const [index, sale] of sales.entries()) {
      const { product } = sale;
      // A subscription's license lasts the renewal grace (at least a day) until its first invoice is paid.
      const expiresAt = intent.subscriptionId
        ? new Date(now.getTime() + Math.max(product.renewalGraceSeconds * 1000, DAY_MS))
        : product.licenseDurationSeconds
          ? new Date(now.getTime() + product.licenseDurationSeconds * 1000)
          : PERPETUAL;
      const issued = await sellIn(work, { clock, outbox, webhooks }, actor, {
        email,
        product,
        seats: sale.seats,
        startsAt: now,
        expiresAt,
        reseller,
        password: secret.password,
        // Only the first sale may create the login: later ones of the same order find it (one credentials mail).
        passwordHash: index === 0 ? secret.passwordHash : '!',
        source: { shop: event.shop, event: event.eventId, order: intent.orderId, subscription: intent.subscriptionId, url: intent.dashboardUrl },
      });
      await tx.shopLink.create({
        data: {
          licenseId: issued.license.id,
          shop: event.shop,
          orderId: intent.orderId,
          subscriptionId: intent.subscriptionId,
          priceIds: sale.priceIds,
          seatsPerUnit: sale.seatsPerUnit,
          livemode: event.livemode,
          dashboardUrl: intent.dashboardUrl,
        },
      });
      licenseIds.push(issued.license.id);
    }
    if (intent.subscriptionId) await settleWaiting(work, event.shop, intent.subscriptionId);
    return { status: 'APPLIED', note: null, licenseIds };
  }

  /** Writes a license change with its audit record and its `license.updated` event. */
  async function change(work: Work, actor: ShopActor, license: License, data: Prisma.LicenseUpdateInput, action: string, source: Record<string, unknown>) {
    const value = (v: unknown) => (v instanceof Date ? v.getTime() : v);
    const fields = (['seats', 'expiresAt', 'pendingSeats'] as const).filter((f) => data[f] !== undefined && value(data[f]) !== value(license[f]));
    if (fields.length === 0) return false;
    const updated = await work.tx.license.update({ where: { id: license.id }, data });
    const pick = (l: License) => Object.fromEntries(fields.map((f) => [f, l[f]]));
    await audit(work.tx, actor, action, `license:${license.id}`, license.resellerId, { before: pick(license), after: pick(updated), source });
    const shown = fields.filter((f) => f !== 'pendingSeats');
    if (shown.length) await webhooks.emit(work, clock.now(), 'license.updated', license.resellerId, { license: licenseData(updated), changed: shown });
    return true;
  }

  async function onLink(work: Work, event: Pick<ShopEventIn, 'shop' | 'eventId' | 'occurredAt'>, intent: SubscriptionIntent, link: LinkedLicense): Promise<string | null> {
    const { tx } = work;
    const actor: ShopActor = `shop:${event.shop}`;
    await lockLicenses(tx, { ids: [link.licenseId] });
    const license = await tx.license.findUniqueOrThrow({ where: { id: link.licenseId } });
    const source = { shop: event.shop, event: event.eventId, subscription: intent.subscriptionId, url: link.dashboardUrl };
    switch (intent.kind) {
      case 'renewal': {
        if (link.endedAt) return `${intent.invoiceId}: the subscription ended`;
        const data: Prisma.LicenseUpdateInput = {};
        const expiresAt = new Date(new Date(intent.periodEnd).getTime() + link.license.product.renewalGraceSeconds * 1000);
        if (expiresAt > license.expiresAt) data.expiresAt = expiresAt;
        // A deferred reduction takes effect at the renewal, down to the machines still holding seats:
        // nothing is released by the shop; what stays above the paid seats remains pending and shown.
        if (intent.cycle && license.pendingSeats !== null) {
          const seats = Math.max(license.pendingSeats, await seatsUsed(tx, license.id));
          data.seats = seats;
          data.pendingSeats = seats === license.pendingSeats ? null : license.pendingSeats;
        }
        return (await change(work, actor, license, data, 'license.renewed', { ...source, invoice: intent.invoiceId })) ? null : `${intent.invoiceId}: nothing to extend`;
      }
      case 'cancellation': {
        const endedAt = new Date(intent.endedAt);
        await tx.shopLink.update({ where: { id: link.id }, data: { endedAt } });
        await change(work, actor, license, { expiresAt: endedAt }, 'license.subscription_ended', source);
        return null;
      }
      case 'quantity': {
        if (link.quantityChangedAt && event.occurredAt < link.quantityChangedAt) return 'an older quantity change than one applied';
        await tx.shopLink.update({ where: { id: link.id }, data: { quantityChangedAt: event.occurredAt } });
        const prices = link.priceIds.length ? await tx.shopPrice.findMany({ where: { shop: event.shop, priceId: { in: link.priceIds } } }) : [];
        const seats = link.priceIds.length
          ? intent.items.reduce((sum, item) => sum + item.quantity * (prices.find((p) => p.priceId === item.priceId)?.seatsPerUnit ?? 0), 0)
          : intent.items.reduce((sum, item) => sum + item.quantity, 0) * link.seatsPerUnit;
        try {
          checkSeatCount(seats);
        } catch (error) {
          if (error instanceof DomainError) return `quantity gives ${seats} seats: ${error.message}`;
          throw error;
        }
        const used = await seatsUsed(tx, license.id);
        // Never below the machines holding seats now: that part waits for the next renewal, shown on the license.
        const data = seats >= used ? { seats, pendingSeats: null } : { pendingSeats: seats };
        await change(work, actor, license, data, seats >= used ? 'license.seats_changed' : 'license.seats_change_deferred', { ...source, seats, used });
        return null;
      }
    }
  }

  async function onSubscription(work: Work, event: Pick<ShopEventIn, 'shop' | 'eventId' | 'occurredAt'>, intent: SubscriptionIntent): Promise<Applied> {
    await lockSubscription(work.tx, event.shop, intent.subscriptionId);
    const links = await work.tx.shopLink.findMany({ where: { shop: event.shop, subscriptionId: intent.subscriptionId }, include: { license: { include: { product: true } } } });
    if (links.length === 0) return { status: 'WAITING', note: `waiting for the purchase of ${intent.subscriptionId}`, licenseIds: [], waitingFor: intent.subscriptionId };
    const notes: string[] = [];
    for (const link of links) {
      const note = await onLink(work, event, intent, link);
      if (note) notes.push(note);
    }
    return { status: 'APPLIED', note: notes.length ? notes.join('; ') : null, licenseIds: links.map((l) => l.licenseId) };
  }

  /** Applies the subscription's waiting events in the shop's order (its purchase has just been recorded). */
  async function settleWaiting(work: Work, shop: string, subscriptionId: string) {
    const waiting = await work.tx.shopEvent.findMany({ where: { shop, status: 'WAITING', waitingFor: subscriptionId }, orderBy: [{ occurredAt: 'asc' }, { receivedAt: 'asc' }] });
    for (const row of waiting) {
      const result = await onSubscription(work, row, row.intent as unknown as SubscriptionIntent);
      await work.tx.shopEvent.update({ where: { id: row.id }, data: { status: result.status, note: result.note, waitingFor: null, appliedAt: clock.now() } });
    }
  }

  function apply(work: Work, event: ShopEventIn, secret: Password | null): Promise<Applied> {
    const { intent } = event;
    switch (intent.kind) {
      case 'purchase':
        return purchase(work, event, intent, secret!);
      case 'renewal':
      case 'cancellation':
      case 'quantity':
        return onSubscription(work, event, intent);
      case 'ignore':
        return Promise.resolve(ignored(intent.reason));
      case 'reject':
        return Promise.resolve(rejected(intent.reason));
    }
  }

  return {
    async receive(event) {
      const key = { shop_eventId: { shop: event.shop, eventId: event.eventId } };
      const seen = await db.shopEvent.findUnique({ where: key, select: { status: true } });
      if (seen) return { status: 'REPLAY', note: `received before (${seen.status})`, licenseIds: [] };
      // Hashed before the transaction, as `license issue` does; used only if the login is new.
      const password = event.intent.kind === 'purchase' ? generatePassword() : null;
      const secret = password ? { password, passwordHash: await hasher.hash(password) } : null;
      return transaction(db, async (tx, work) => {
        const id = await claim(tx, event, event.objectKey, 'RECEIVED');
        if (!id) {
          const again = await tx.shopEvent.findUnique({ where: key, select: { status: true } });
          if (again) return { status: 'REPLAY', note: `received before (${again.status})`, licenseIds: [] };
          const note = `${event.objectKey} was applied under another event`;
          const duplicate = await claim(tx, event, null, 'DUPLICATE');
          if (duplicate) await tx.shopEvent.update({ where: { id: duplicate }, data: { note } });
          return { status: 'DUPLICATE', note, licenseIds: [] };
        }
        const result = await apply(work, event, secret);
        await tx.shopEvent.update({
          where: { id },
          data: {
            status: result.status,
            note: result.note,
            // Only an applied or waiting event holds its object: a later event may still apply an ignored one.
            objectKey: result.status === 'APPLIED' || result.status === 'WAITING' ? undefined : null,
            waitingFor: result.waitingFor ?? null,
            intent: result.status === 'WAITING' ? (event.intent as unknown as Prisma.InputJsonValue) : undefined,
            appliedAt: result.status === 'APPLIED' ? clock.now() : null,
          },
        });
        if (result.status === 'REJECTED') {
          await audit(tx, `shop:${event.shop}`, 'shop.event_rejected', `${event.shop}:${event.objectId ?? event.eventId}`, null, {
            event: event.eventId,
            type: event.type,
            reason: result.note,
          });
        }
        return { status: result.status, note: result.note, licenseIds: result.licenseIds };
      }, logger);
    },
  };
}
