import type { Customer, Prisma, Reseller } from '../generated/prisma/client.ts';
import type { AccountService } from './account.ts';
import { audit } from './audit.ts';
import { type Caller, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, transaction } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { requireText } from './input.ts';
import { type Outbox, RESET_REQUEST } from './mail.ts';
import { type PasswordHasher, generatePassword } from './password.ts';
import { policy } from './policy.ts';
import type { Sessions } from './session.ts';

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

export interface CustomerFilter {
  /** Part of the e-mail. */
  q?: string | null;
  /** Customers holding a license of this reseller. */
  resellerId?: string | null;
  id?: string;
}

export interface MailMessageFilter {
  status?: string | null;
  /** Part of the address. */
  to?: string | null;
}

/** What staff do in the dashboard beyond licenses and slots: customers and their support, resellers, the outbox, reports. */
export interface AdminService {
  /** The customers a staff caller may read that match `filter` (holding a license of their scope). */
  customersWhere(caller: Caller, filter?: CustomerFilter | null): Prisma.CustomerWhereInput;
  /** The outbox messages matching `filter`; vendor admins only. */
  mailMessagesWhere(caller: Caller, filter?: MailMessageFilter | null): Prisma.MailMessageWhereInput;
  /** A new generated password for the customer, e-mailed with the credentials; earlier sessions end. */
  resendCredentials(caller: Caller, customerId: string): Promise<void>;
  sendPasswordReset(caller: Caller, customerId: string): Promise<void>;
  /** Forgets a customer's failed log-ins (support's "clear lock-out"); audited. */
  clearLoginLockout(caller: Caller, customerId: string): Promise<Customer>;
  createReseller(caller: Caller, name: string): Promise<Reseller>;
  seatUsage(caller: Caller, days: number): Promise<SeatUsageSummary>;
}

export function createAdminService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  outbox: Outbox;
  accounts: AccountService;
  customerSessions: Sessions<Customer>;
  logger: EffectLog;
}): AdminService {
  const { db, clock, hasher, outbox, accounts, customerSessions, logger } = deps;

  async function visibleCustomer(caller: Caller, customerId: string) {
    const staff = policy.supportCustomer(caller);
    const customer = await db.customer.findFirst({ where: { id: customerId, ...scope.customers(staff) } });
    if (!customer) throw new NotFoundError('There is no such customer.');
    // A customer may hold licenses of several resellers: the event is the acting tenant's (null for the vendor).
    return { staff, customer, tenant: scope.resellerId(staff) ?? null };
  }

  return {
    customersWhere(caller, filter) {
      const and: Prisma.CustomerWhereInput[] = [scope.customers(policy.readTenantRecords(caller))];
      if (filter?.id !== undefined) and.push({ id: filter.id });
      if (filter?.q) and.push({ email: { contains: filter.q.toLowerCase() } });
      if (filter?.resellerId) and.push({ licenses: { some: { resellerId: filter.resellerId } } });
      return { AND: and };
    },

    mailMessagesWhere(caller, filter) {
      policy.readMail(caller);
      return {
        // A reset request is no mail: until the worker looks it up it shows whatever address someone
        // typed, login or not. A real login's request becomes its password-reset mail, listed as such.
        template: { not: RESET_REQUEST },
        ...(filter?.status ? { status: filter.status.toUpperCase() } : {}),
        ...(filter?.to ? { to: { contains: filter.to.toLowerCase() } } : {}),
      };
    },

    async resendCredentials(caller, customerId) {
      const { staff, customer, tenant } = await visibleCustomer(caller, customerId);
      const license = await db.license.findFirst({ where: { customerId, ...scope.licenses(staff) }, orderBy: { expiresAt: 'desc' }, include: { product: true } });
      if (!license) throw new NotFoundError('This customer has no license to send credentials for.');
      const password = generatePassword();
      const passwordHash = await hasher.hash(password);
      await transaction(db, async (tx, work) => {
        await customerSessions.changePassword(work, customerId, passwordHash);
        await outbox.enqueue(work, customer.email, 'credentials', {
          email: customer.email,
          password,
          productName: license.product.name,
          productCode: license.product.code,
          seats: license.seats,
          expiresAt: license.expiresAt.toISOString(),
        });
        await audit(tx, staff, 'customer.credentials_resent', `customer:${customerId}`, tenant, {});
      }, logger);
    },

    async sendPasswordReset(caller, customerId) {
      const { staff, customer, tenant } = await visibleCustomer(caller, customerId);
      await transaction(db, async (tx, work) => {
        await accounts.startPasswordReset(work, customer);
        await audit(tx, staff, 'customer.password_reset_sent', `customer:${customerId}`, tenant, {});
      }, logger);
    },

    async clearLoginLockout(caller, customerId) {
      const { staff, customer, tenant } = await visibleCustomer(caller, customerId);
      await customerSessions.clearLockout(staff, customer, tenant);
      return customer;
    },

    async createReseller(caller, name) {
      const staff = policy.createReseller(caller);
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
      const staff = policy.readSeatUsage(caller);
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
