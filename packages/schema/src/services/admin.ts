import type { License, Reseller } from '../generated/prisma/client.ts';
import type { AccountService } from './account.ts';
import { audit } from './audit.ts';
import { type Caller, requireStaff, requireVendor, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, transaction } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { requireText } from './input.ts';
import type { Outbox } from './mail.ts';
import { type PasswordHasher, generatePassword } from './password.ts';
import type { SessionEvents } from './session-event.ts';
import { type WebhookOutbox, createWebhookOutbox, licenseData } from './webhook/event.ts';

export type LicenseAction = 'SUSPEND' | 'RESUME' | 'REVOKE';

export interface SeatUsageRow {
  key: string;
  label: string;
  licenses: number;
  seatsSold: number;
  seatsUsed: number;
  seatsFree: number;
}

export interface SeatUsageSummary {
  byProduct: SeatUsageRow[];
  byReseller: SeatUsageRow[];
  /** Seats in use at the end of each of the last `days` days (UTC), from activation records. */
  history: { day: string; seatsUsed: number }[];
}

/** What staff do in the dashboard beyond slots (those are in the activation service). */
export interface AdminService {
  setLicenseStatus(caller: Caller, licenseId: string, action: LicenseAction): Promise<License>;
  changeExpiry(caller: Caller, licenseId: string, expiresAt: Date): Promise<License>;
  /** A new generated password for the customer, e-mailed with the credentials; earlier sessions end. */
  resendCredentials(caller: Caller, customerId: string): Promise<void>;
  sendPasswordReset(caller: Caller, customerId: string): Promise<void>;
  createReseller(caller: Caller, name: string): Promise<Reseller>;
  seatUsage(caller: Caller, days: number): Promise<SeatUsageSummary>;
}

const STATUS_AFTER: Record<LicenseAction, License['status']> = { SUSPEND: 'SUSPENDED', RESUME: 'ACTIVE', REVOKE: 'REVOKED' };

export function createAdminService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  outbox: Outbox;
  accounts: AccountService;
  sessionEvents: SessionEvents;
  logger: EffectLog;
  webhooks?: WebhookOutbox;
}): AdminService {
  const { db, clock, hasher, outbox, accounts, sessionEvents, logger } = deps;
  const webhooks = deps.webhooks ?? createWebhookOutbox();

  async function visibleLicense(caller: Caller, licenseId: string) {
    const staff = requireStaff(caller);
    const license = await db.license.findFirst({ where: { id: licenseId, ...scope.licenses(staff) }, include: { customer: true, product: true } });
    if (!license) throw new NotFoundError('There is no such license.');
    return { staff, license };
  }

  async function visibleCustomer(caller: Caller, customerId: string) {
    const staff = requireStaff(caller);
    const customer = await db.customer.findFirst({ where: { id: customerId, ...scope.customers(staff) } });
    if (!customer) throw new NotFoundError('There is no such customer.');
    // A customer may hold licenses of several resellers: the event is the acting tenant's (null for the vendor).
    return { staff, customer, tenant: scope.resellerId(staff) ?? null };
  }

  return {
    async setLicenseStatus(caller, licenseId, action) {
      const { staff, license } = await visibleLicense(caller, licenseId);
      const status = STATUS_AFTER[action];
      if (license.status === 'REVOKED' && status !== 'REVOKED') {
        throw new InvalidInputError('action', 'A revoked license stays revoked; issue a new one.');
      }
      return transaction(db, async (tx, work) => {
        const updated = await tx.license.update({ where: { id: licenseId }, data: { status } });
        await webhooks.emit(work, clock.now(), 'license.updated', license.resellerId, { license: licenseData(updated), changed: ['status'] });
        await audit(tx, staff, `license.${action.toLowerCase()}`, `license:${licenseId}`, license.resellerId, {
          before: { status: license.status },
          after: { status },
        });
        return updated;
      }, logger);
    },

    async changeExpiry(caller, licenseId, expiresAt) {
      const { staff, license } = await visibleLicense(caller, licenseId);
      if (Number.isNaN(expiresAt.getTime()) || expiresAt <= license.startsAt) {
        throw new InvalidInputError('expiresAt', 'The expiry must be a valid date after the license start.');
      }
      return transaction(db, async (tx, work) => {
        const updated = await tx.license.update({ where: { id: licenseId }, data: { expiresAt } });
        // The given instant, not the one read back: the driver reads years past 9999 back as an invalid date.
        await webhooks.emit(work, clock.now(), 'license.updated', license.resellerId, { license: licenseData({ ...updated, expiresAt }), changed: ['expiresAt'] });
        await audit(tx, staff, 'license.expiry_changed', `license:${licenseId}`, license.resellerId, {
          before: { expiresAt: license.expiresAt },
          after: { expiresAt },
        });
        return updated;
      }, logger);
    },

    async resendCredentials(caller, customerId) {
      const { staff, customer, tenant } = await visibleCustomer(caller, customerId);
      const license = await db.license.findFirst({ where: { customerId, ...scope.licenses(staff) }, orderBy: { expiresAt: 'desc' }, include: { product: true } });
      if (!license) throw new NotFoundError('This customer has no license to send credentials for.');
      const password = generatePassword();
      const passwordHash = await hasher.hash(password);
      await transaction(db, async (tx, work) => {
        const now = clock.now();
        await tx.customer.update({ where: { id: customerId }, data: { passwordHash, passwordChangedAt: now } });
        await tx.session.deleteMany({ where: { customerId } });
        await outbox.enqueue(work, customer.email, 'credentials', {
          email: customer.email,
          password,
          productName: license.product.name,
          productCode: license.product.code,
          seats: license.seats,
          expiresAt: license.expiresAt.toISOString(),
        });
        await audit(tx, staff, 'customer.credentials_resent', `customer:${customerId}`, tenant, {});
        work.afterCommit(() => sessionEvents.sessionEnded({ kind: 'customer', accountId: customerId }));
      }, logger);
    },

    async sendPasswordReset(caller, customerId) {
      const { staff, customer, tenant } = await visibleCustomer(caller, customerId);
      await transaction(db, async (tx, work) => {
        await accounts.startPasswordReset(work, customer);
        await audit(tx, staff, 'customer.password_reset_sent', `customer:${customerId}`, tenant, {});
      }, logger);
    },

    async createReseller(caller, name) {
      const staff = requireVendor(caller);
      const clean = requireText(name, 'name', 100);
      return transaction(db, async (tx) => {
        if (await tx.reseller.findUnique({ where: { name: clean } })) {
          throw new InvalidInputError('name', `A reseller "${clean}" already exists.`);
        }
        const reseller = await tx.reseller.create({ data: { name: clean } });
        await audit(tx, staff, 'reseller.created', `reseller:${reseller.id}`, reseller.id, { after: { name: clean } });
        return reseller;
      });
    },

    async seatUsage(caller, days) {
      const staff = requireStaff(caller);
      const span = Math.min(Math.max(Math.trunc(days) || 30, 1), 366);
      const now = clock.now();
      const licenses = await db.license.findMany({
        where: { ...scope.licenses(staff), status: 'ACTIVE', expiresAt: { gt: now } },
        select: {
          seats: true,
          product: { select: { id: true, code: true, name: true } },
          reseller: { select: { id: true, name: true } },
          _count: { select: { activations: { where: { releasedAt: null } } } },
        },
      });
      const group = (keyOf: (l: (typeof licenses)[number]) => [string, string]) => {
        const rows = new Map<string, SeatUsageRow>();
        for (const l of licenses) {
          const [key, label] = keyOf(l);
          const row = rows.get(key) ?? { key, label, licenses: 0, seatsSold: 0, seatsUsed: 0, seatsFree: 0 };
          row.licenses += 1;
          row.seatsSold += l.seats;
          row.seatsUsed += l._count.activations;
          row.seatsFree = row.seatsSold - row.seatsUsed;
          rows.set(key, row);
        }
        return [...rows.values()].sort((a, b) => b.seatsSold - a.seatsSold);
      };
      const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - span + 1));
      const activations = await db.activation.findMany({
        where: { ...scope.activations(staff), activatedAt: { lt: now }, OR: [{ releasedAt: null }, { releasedAt: { gte: start } }] },
        select: { activatedAt: true, releasedAt: true },
      });
      const history = Array.from({ length: span }, (_, i) => {
        const end = new Date(start.getTime() + (i + 1) * 86_400_000);
        const at = end < now ? end : now;
        const seatsUsed = activations.filter((a) => a.activatedAt < at && (!a.releasedAt || a.releasedAt >= at)).length;
        return { day: new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10), seatsUsed };
      });
      return {
        byProduct: group((l) => [l.product.code, l.product.name]),
        byReseller: group((l) => [l.reseller?.id ?? 'direct', l.reseller?.name ?? 'Direct (no reseller)']),
        history,
      };
    },
  };
}
