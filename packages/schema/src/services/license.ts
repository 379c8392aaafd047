import type { Activation, License, Prisma, Product, Reseller } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Caller, type Staff, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, type Tx, type Work, lockLicenses, seatsUsed, transaction } from './db.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, OrderConflictError } from './errors.ts';
import { normalizeEmail, requireText } from './input.ts';
import { type LicenseAction, checkExpiry, checkSeatCount, checkSeatsCoverUse, licenseEntitlements, statusAfter } from './license-rule.ts';
import type { Outbox } from './mail.ts';
import { type PasswordHasher, generatePassword } from './password.ts';
import { type Actor, type ShopActor, policy } from './policy.ts';
import { findOrCreateReseller } from './reseller.ts';
import { type SlotEvents, publishSlotChange } from './slot-event.ts';

export type { LicenseAction } from './license-rule.ts';
import { type WebhookOutbox, createWebhookOutbox, licenseData, slotData } from './webhook/event.ts';

export interface IssueLicenseInput {
  email: string;
  product: string;
  seats: number;
  expiresAt: Date;
  startsAt?: Date;
  /** The license's reseller by name (created when new); ignored for a reseller admin, who issues for their own. */
  reseller?: string;
  /** The product's entitlement codes it grants; all of the product's when left out. */
  entitlements?: string[];
  /**
   * The seller's order number: issuing the same order again (a retry, a duplicate webhook) returns the
   * license it made and e-mails nothing; with another e-mail, product or seats it is ORDER_CONFLICT.
   * Unique per seller: a reseller's order numbers, and the vendor's (staff, tokens, CLI) its own.
   */
  orderId?: string | null;
}

export interface IssuedLicense {
  license: License & { product: Product; reseller: Reseller | null };
  /**
   * created: this call made the login. newToSeller: the login held no license of this seller before
   * (for a reseller admin, whether it holds another reseller's is theirs to keep).
   */
  customer: { id: string; email: string; created: boolean; newToSeller: boolean };
  /** Only for a customer created by this call: the generated password, to be e-mailed. */
  password: string | null;
  /** The orderId was issued before: this is that license, and nothing was changed or e-mailed. */
  repeated: boolean;
}

/** Whose order numbers an orderId is: the issuing reseller's, or the vendor's. */
export const VENDOR_ORDER_SCOPE = 'vendor';

/**
 * A dashboard edit of one license: every aspect given is applied, all in one transaction or none.
 * `releaseActivationIds` go with `seats`: the machines to release so the seats can go below their use.
 */
export interface UpdateLicenseInput {
  licenseId: string;
  seats?: number;
  releaseActivationIds?: string[];
  expiresAt?: Date;
  action?: LicenseAction;
  /** The whole new set, each one of the product's codes; machines get it at their next renewal. */
  entitlements?: string[];
}

export interface LicenseUsage extends License {
  seatsUsed: number;
  /** Present when the service had it at hand, so the answer needs no second read. */
  product?: Product;
}

/** The dashboard's license list filter; every field narrows. */
export interface LicenseFilter {
  id?: string;
  /** Product code. */
  product?: string | null;
  status?: License['status'] | null;
  expiringWithinDays?: number | null;
  /** Part of the customer e-mail. */
  customerEmail?: string | null;
  customerId?: string | null;
  resellerId?: string | null;
}

/** Selling licenses and changing them: issue, seats, expiry, status; and a customer's own list. */
export interface LicenseService {
  /** The licenses a staff caller may read that match `filter` (their scope only). */
  visibleWhere(caller: Caller, filter?: LicenseFilter | null): Prisma.LicenseWhereInput;
  /** The purchase flow, by a staff member (tenant rules apply) or the operator's CLI. */
  issue(actor: Actor, input: IssueLicenseInput): Promise<IssuedLicense>;
  update(caller: Caller, input: UpdateLicenseInput): Promise<LicenseUsage>;
  /** The license manager: every license of the calling customer, newest expiry first. */
  listForCustomer<T extends Prisma.LicenseFindManyArgs>(caller: Caller, query?: T): Promise<License[]>;
}

/**
 * The product row, share-locked for the rest of the transaction: a product edit that withdraws an
 * entitlement waits until a license granting it has committed, and then takes it from that one too.
 */
async function lockProduct(tx: Tx, id: string) {
  await tx.$queryRaw`SELECT "id" FROM "Product" WHERE "id" = ${id} FOR SHARE`;
  return tx.product.findUniqueOrThrow({ where: { id } });
}

export function createLicenseService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  outbox: Outbox;
  events: SlotEvents;
  logger: EffectLog;
  webhooks?: WebhookOutbox;
}): LicenseService {
  const { db, clock, hasher, outbox, events, logger } = deps;
  const webhooks = deps.webhooks ?? createWebhookOutbox();

  return {
    visibleWhere(caller, filter) {
      const staff = policy.readTenantRecords(caller);
      const and: Prisma.LicenseWhereInput[] = [scope.licenses(staff)];
      if (filter?.id !== undefined) and.push({ id: filter.id });
      if (filter?.product) and.push({ product: { code: filter.product } });
      if (filter?.status) and.push({ status: filter.status });
      if (filter?.expiringWithinDays != null) {
        const now = clock.now();
        and.push({ status: { not: 'REVOKED' }, expiresAt: { gt: now, lte: new Date(now.getTime() + filter.expiringWithinDays * 86_400_000) } });
      }
      if (filter?.customerEmail) and.push({ customer: { email: { contains: filter.customerEmail.toLowerCase() } } });
      if (filter?.customerId) and.push({ customerId: filter.customerId });
      if (filter?.resellerId) and.push({ resellerId: filter.resellerId });
      return { AND: and };
    },

    async issue(actor, input) {
      const seller = policy.issueLicense(actor);
      const email = normalizeEmail(input.email);
      checkSeatCount(input.seats);
      const startsAt = input.startsAt ?? clock.now();
      checkExpiry(input.expiresAt, startsAt);
      const product = await db.product.findUnique({ where: { code: input.product } });
      if (!product) throw new NotFoundError(`There is no product "${input.product}".`);
      const tenant = seller === 'operator' ? undefined : scope.resellerId(seller);
      const order = input.orderId == null ? null : { orderScope: tenant ?? VENDOR_ORDER_SCOPE, orderId: requireText(input.orderId, 'orderId', 200) };
      const repeatOf = async (client: Db | Tx): Promise<IssuedLicense | null> => {
        const issued = order && (await client.license.findUnique({ where: { orderScope_orderId: order }, include: { product: true, reseller: true, customer: true } }));
        if (!issued) return null;
        if (issued.customer.email !== email || issued.productId !== product.id || issued.seats !== input.seats) {
          throw new OrderConflictError(order.orderId, issued.id);
        }
        const { customer, ...license } = issued;
        return { license, customer: { id: customer.id, email, created: false, newToSeller: false }, password: null, repeated: true };
      };
      // A retry after the first call committed: no password hashed, nothing written.
      const known = await repeatOf(db);
      if (known) return known;
      const password = generatePassword();
      const passwordHash = await hasher.hash(password);

      return transaction(db, async (tx, work) => {
        if (order) {
          // Concurrent calls with one order wait here, then find the first one's license.
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`order:${order.orderScope}:${order.orderId}`}, 0))`;
          const repeated = await repeatOf(tx);
          if (repeated) return repeated;
        }
        // The reseller belongs to the license: an existing login of another reseller (or of none)
        // gets this license under this seller, and nothing here tells a seller whether the e-mail existed.
        const reseller =
          tenant !== undefined
            ? await tx.reseller.findUnique({ where: { id: tenant } })
            : input.reseller
              ? (await findOrCreateReseller(tx, input.reseller)).reseller
              : null;
        if (tenant !== undefined && !reseller) throw new ForbiddenError('Your staff account belongs to no reseller.');
        return sellIn(work, { clock, outbox, webhooks }, seller, {
          email,
          product,
          seats: input.seats,
          startsAt,
          expiresAt: input.expiresAt,
          reseller,
          password,
          passwordHash,
          entitlements: input.entitlements,
          order,
          newToSeller: (customerId) => tenant !== undefined && tx.license.count({ where: { customerId, resellerId: tenant } }).then((n) => n === 0),
        });
      }, logger);
    },

    async update(caller, input) {
      const staff = policy.updateLicense(caller);
      const { licenseId, seats, expiresAt, action, entitlements } = input;
      const releaseIds = [...new Set(input.releaseActivationIds ?? [])];
      if (seats !== undefined) checkSeatCount(seats);
      else if (releaseIds.length > 0) {
        throw new InvalidInputError('releaseActivationIds', 'Machines are released here only to lower the seats; give seats too.');
      }
      const now = clock.now();
      return transaction(db, async (tx, work) => {
        const visible = await tx.license.findFirst({ where: { id: licenseId, ...scope.licenses(staff) }, select: { id: true, productId: true } });
        if (!visible) throw new NotFoundError('There is no such license.');
        const product = entitlements !== undefined ? await lockProduct(tx, visible.productId) : null;
        // Under the license's lock: the seat count below cannot go stale while activations wait.
        await lockLicenses(tx, { ids: [licenseId] });
        const license = await tx.license.findUniqueOrThrow({ where: { id: licenseId } });
        const record = (what: string, data: Parameters<typeof audit>[5]) => audit(tx, staff, what, `license:${licenseId}`, license.resellerId, data);
        const data: Prisma.LicenseUpdateInput = {};

        if (action !== undefined) {
          data.status = statusAfter(license.status, action);
          await record(`license.${action.toLowerCase()}`, { before: { status: license.status }, after: { status: data.status } });
        }
        const released: Activation[] = [];
        if (seats !== undefined) {
          for (const id of releaseIds) {
            const freed = await tx.activation.updateMany({
              where: { id, licenseId, releasedAt: null },
              data: { releasedAt: now, releaseReason: 'ADMIN_RELEASE' },
            });
            if (freed.count !== 1) throw new InvalidInputError('releaseActivationIds', `${id} is not a live activation of this license.`);
            released.push(await tx.activation.findUniqueOrThrow({ where: { id } }));
          }
          checkSeatsCoverUse(seats, await seatsUsed(tx, licenseId));
          data.seats = seats;
          await record('license.seats_changed', {
            before: { seats: license.seats },
            after: { seats },
            released: releaseIds,
            machines: released.map((a) => `${a.machineName} (${a.osUser})`),
          });
        }
        if (expiresAt !== undefined) {
          checkExpiry(expiresAt, license.startsAt);
          data.expiresAt = expiresAt;
          await record('license.expiry_changed', { before: { expiresAt: license.expiresAt }, after: { expiresAt } });
        }
        if (product) {
          data.entitlements = licenseEntitlements(product, entitlements);
          await record('license.entitlements_changed', { before: { entitlements: license.entitlements }, after: { entitlements: data.entitlements } });
        }

        const updated = await tx.license.update({ where: { id: licenseId }, data });
        const usage = { ...updated, seatsUsed: await seatsUsed(tx, licenseId) };
        for (const activation of released) publishSlotChange(work, events, 'RELEASED', usage, activation, now);
        for (const activation of released) await webhooks.emit(work, now, 'activation.released', license.resellerId, slotData(activation, usage));
        const changed = (['status', 'seats', 'expiresAt', 'entitlements'] as const).filter((field) => data[field] !== undefined);
        // The given expiry, not the one read back: the driver reads years past 9999 back as an invalid date.
        const shown = licenseData({ ...usage, ...(expiresAt !== undefined ? { expiresAt } : {}) });
        if (changed.length > 0) await webhooks.emit(work, now, 'license.updated', license.resellerId, { license: shown, changed });
        return usage;
      }, logger);
    },

    listForCustomer(caller, query) {
      const customerId = policy.listOwnLicenses(caller);
      return db.license.findMany({
        ...query,
        where: { customerId },
        orderBy: [{ expiresAt: 'desc' }, { id: 'asc' }],
      } as Prisma.LicenseFindManyArgs);
    },
  };
}

/** Who sells: staff, the operator's CLI, or a shop's intake (`shop:stripe`). */
export type Seller = Staff | 'operator' | ShopActor;

export interface Sale {
  email: string;
  product: Product;
  seats: number;
  startsAt: Date;
  expiresAt: Date;
  reseller: Reseller | null;
  /** A password generated (and hashed) before the transaction: used only if the login is new. */
  password: string;
  passwordHash: string;
  /** For an existing login: whether it held no license of this seller before (a reseller admin's question). */
  newToSeller?: (customerId: string) => Promise<boolean> | boolean;
  /** The product's feature codes the license grants; none given: all of them. */
  entitlements?: readonly string[];
  /** The seller's order number and whose numbers they are (issueLicense orderId). */
  order?: { orderScope: string; orderId: string } | null;
  /** Where the sale came from, for the audit record (a shop's event and object). */
  source?: Record<string, unknown>;
}

/**
 * The purchase flow inside the caller's transaction, for every seller alike: the login (created with
 * the generated password when new), the license, its webhook events, the purchase e-mail (credentials
 * for a new login, a notice for an existing one) and the audit record.
 */
export async function sellIn(
  work: Work,
  deps: { clock: Clock; outbox: Outbox; webhooks: WebhookOutbox },
  seller: Seller,
  sale: Sale,
): Promise<IssuedLicense> {
  const { tx } = work;
  const { clock, outbox, webhooks } = deps;
  const { email, product, reseller, password, passwordHash } = sale;
  const entitlements = licenseEntitlements(await lockProduct(tx, product.id), sale.entitlements);
  const customer = await tx.customer.upsert({ where: { email }, create: { email, passwordHash }, update: {} });
  const created = customer.passwordHash === passwordHash;
  const newToSeller = created || (await (sale.newToSeller?.(customer.id) ?? false));
  const license = await tx.license.create({
    data: {
      customerId: customer.id,
      resellerId: reseller?.id ?? null,
      productId: product.id,
      seats: sale.seats,
      startsAt: sale.startsAt,
      expiresAt: sale.expiresAt,
      entitlements,
      ...sale.order,
    },
    include: { product: true, reseller: true },
  });
  // The purchase of a lead: this e-mail's trials of the product, not linked yet, lead here now.
  const leads = await tx.trial.findMany({ where: { productId: product.id, email, licenseId: null }, orderBy: { startedAt: 'asc' } });
  let trialsLinked = 0;
  for (const lead of leads) {
    // Each trial leads to one purchase: a concurrent sale to the same e-mail may have linked it first.
    const { count } = await tx.trial.updateMany({ where: { id: lead.id, licenseId: null }, data: { licenseId: license.id } });
    if (count === 0) continue;
    trialsLinked += 1;
    // The license's history (its `license` in the data) shows the trials that led to it.
    await audit(tx, 'system', 'trial.purchased', `trial:${lead.id}`, license.resellerId, {
      license: license.id,
      email,
      machineName: lead.machineName,
      osUser: lead.osUser,
      startedAt: lead.startedAt.toISOString(),
    });
  }
  if (created) await webhooks.emit(work, clock.now(), 'customer.created', license.resellerId, { customer: { id: customer.id, email, createdAt: customer.createdAt.toISOString() } });
  await webhooks.emit(work, clock.now(), 'license.created', license.resellerId, { license: { ...licenseData(license), product: product.code, customerEmail: email } });
  const about = {
    email,
    productName: product.name,
    productCode: product.code,
    seats: license.seats,
    expiresAt: license.expiresAt.toISOString(),
  };
  if (created) await outbox.enqueue(work, email, 'credentials', { ...about, password });
  else await outbox.enqueue(work, email, 'license-issued', about);
  await audit(tx, seller, 'license.issued', `license:${license.id}`, license.resellerId, {
    after: {
      email,
      reseller: reseller?.name ?? null,
      product: product.code,
      seats: license.seats,
      expiresAt: license.expiresAt,
      entitlements,
      newCustomer: created,
      ...(sale.order ? { orderId: sale.order.orderId } : {}),
    },
    ...(trialsLinked > 0 ? { trialsLinked } : {}),
    ...(sale.source ? { source: sale.source } : {}),
  });
  return {
    license,
    customer: { id: customer.id, email: customer.email, created, newToSeller },
    password: created ? password : null,
    repeated: false,
  };
}
