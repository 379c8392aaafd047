import type { Activation, License, Prisma, Product, Reseller } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Caller, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, lockLicenses, seatsUsed, transaction } from './db.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from './errors.ts';
import { normalizeEmail, requireText } from './input.ts';
import { type LicenseAction, checkExpiry, checkSeatCount, checkSeatsCoverUse, statusAfter } from './license-rule.ts';
import type { Outbox } from './mail.ts';
import { type PasswordHasher, generatePassword } from './password.ts';
import { type Actor, policy } from './policy.ts';
import { type SlotEvents, publishSlotChange } from './slot-event.ts';

export type { LicenseAction } from './license-rule.ts';

export interface IssueLicenseInput {
  email: string;
  product: string;
  seats: number;
  expiresAt: Date;
  startsAt?: Date;
  /** The license's reseller by name (created when new); ignored for a reseller admin, who issues for their own. */
  reseller?: string;
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
}

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

export function createLicenseService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  outbox: Outbox;
  events: SlotEvents;
  logger: EffectLog;
}): LicenseService {
  const { db, clock, hasher, outbox, events, logger } = deps;

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
      const password = generatePassword();
      const passwordHash = await hasher.hash(password);

      const tenant = seller === 'operator' ? undefined : scope.resellerId(seller);
      return transaction(db, async (tx, work) => {
        // The reseller belongs to the license: an existing login of another reseller (or of none)
        // gets this license under this seller, and nothing here tells a seller whether the e-mail existed.
        const reseller =
          tenant !== undefined
            ? await tx.reseller.findUnique({ where: { id: tenant } })
            : input.reseller
              ? await tx.reseller.upsert({
                  where: { name: requireText(input.reseller, 'reseller') },
                  create: { name: input.reseller.trim() },
                  update: {},
                })
              : null;
        if (tenant !== undefined && !reseller) throw new ForbiddenError('Your staff account belongs to no reseller.');
        const customer = await tx.customer.upsert({ where: { email }, create: { email, passwordHash }, update: {} });
        const created = customer.passwordHash === passwordHash;
        const newToSeller =
          created || (tenant !== undefined && (await tx.license.count({ where: { customerId: customer.id, resellerId: tenant } })) === 0);
        const license = await tx.license.create({
          data: { customerId: customer.id, resellerId: reseller?.id ?? null, productId: product.id, seats: input.seats, startsAt, expiresAt: input.expiresAt },
          include: { product: true, reseller: true },
        });
        // The purchase e-mail: credentials for a new login, a notice for an existing one.
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
          after: { email, reseller: reseller?.name ?? null, product: product.code, seats: license.seats, expiresAt: license.expiresAt, newCustomer: created },
        });
        return {
          license,
          customer: { id: customer.id, email: customer.email, created, newToSeller },
          password: created ? password : null,
        };
      }, logger);
    },

    async update(caller, input) {
      const staff = policy.updateLicense(caller);
      const { licenseId, seats, expiresAt, action } = input;
      const releaseIds = [...new Set(input.releaseActivationIds ?? [])];
      if (seats !== undefined) checkSeatCount(seats);
      else if (releaseIds.length > 0) {
        throw new InvalidInputError('releaseActivationIds', 'Machines are released here only to lower the seats; give seats too.');
      }
      const now = clock.now();
      return transaction(db, async (tx, work) => {
        const visible = await tx.license.findFirst({ where: { id: licenseId, ...scope.licenses(staff) }, select: { id: true } });
        if (!visible) throw new NotFoundError('There is no such license.');
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
          await record('license.seats_changed', { before: { seats: license.seats }, after: { seats }, released: releaseIds });
        }
        if (expiresAt !== undefined) {
          checkExpiry(expiresAt, license.startsAt);
          data.expiresAt = expiresAt;
          await record('license.expiry_changed', { before: { expiresAt: license.expiresAt }, after: { expiresAt } });
        }

        const updated = await tx.license.update({ where: { id: licenseId }, data });
        const usage = { ...updated, seatsUsed: await seatsUsed(tx, licenseId) };
        for (const activation of released) publishSlotChange(work, events, 'RELEASED', usage, activation, now);
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
