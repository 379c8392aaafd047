import type { Customer, Prisma } from '../generated/prisma/client.ts';
import type { AccountService } from './account.ts';
import { audit } from './audit.ts';
import { type Caller, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, transaction } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { normalizeEmail } from './input.ts';
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

/** One day (UTC): seats in use at its end, machines activated during it, activations refused with NO_FREE_SLOT. */
export interface SeatUsagePoint {
  day: string;
  seatsUsed: number;
  activations: number;
  denied: number;
}

export interface SeatUsageSummary {
  byProduct: SeatUsageRow[];
  byReseller: SeatUsageRow[];
  /** The last `days` days, from activation and denial records. */
  history: SeatUsagePoint[];
  /** The same days per reseller (direct sales under `direct`), in `byReseller`'s order, then resellers with activity only. */
  resellerHistory: { key: string; label: string; history: SeatUsagePoint[] }[];
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
  /** Vendor admins change a login's e-mail (it spans every reseller); the old address is told by mail. */
  changeCustomerEmail(caller: Caller, customerId: string, email: string): Promise<Customer>;
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

    async changeCustomerEmail(caller, customerId, newEmail) {
      const staff = policy.changeCustomerEmail(caller);
      const email = normalizeEmail(newEmail);
      return transaction(db, async (tx, work) => {
        const before = await tx.customer.findUnique({ where: { id: customerId } });
        if (!before) throw new NotFoundError('There is no such customer.');
        if (before.email === email) return before;
        if (await tx.customer.findUnique({ where: { email } })) throw new InvalidInputError('email', `Another login already uses ${email}.`);
        const customer = await tx.customer.update({ where: { id: customerId }, data: { email } });
        await outbox.enqueue(work, before.email, 'email-changed', { oldEmail: before.email, newEmail: email, at: clock.now().toISOString() });
        await audit(tx, staff, 'customer.email_changed', `customer:${customerId}`, null, { before: { email: before.email }, after: { email } });
        return customer;
      }, logger);
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
      const reseller = { select: { reseller: { select: { id: true, name: true } } } } as const;
      const activations = await db.activation.findMany({
        where: { ...scope.activations(staff), activatedAt: { lt: now }, OR: [{ releasedAt: null }, { releasedAt: { gte: start } }] },
        select: { activatedAt: true, releasedAt: true, license: reseller },
      });
      const denials = await db.slotDenial.findMany({
        where: { license: scope.licenses(staff), at: { gte: start, lt: now } },
        select: { at: true, license: reseller },
      });
      const points = (acts: typeof activations, dens: typeof denials): SeatUsagePoint[] =>
        Array.from({ length: span }, (_, i) => {
          const begin = new Date(start.getTime() + i * 86_400_000);
          const end = new Date(begin.getTime() + 86_400_000);
          const at = end < now ? end : now;
          return {
            day: begin.toISOString().slice(0, 10),
            seatsUsed: acts.filter((a) => a.activatedAt < at && (!a.releasedAt || a.releasedAt >= at)).length,
            activations: acts.filter((a) => a.activatedAt >= begin && a.activatedAt < end).length,
            denied: dens.filter((d) => d.at >= begin && d.at < end).length,
          };
        });
      const resellerOf = (r: { id: string; name: string } | null): [string, string] => [r?.id ?? 'direct', r?.name ?? 'Direct (no reseller)'];
      const byReseller = group((l) => resellerOf(l.reseller));
      const labels = new Map(byReseller.map((row) => [row.key, row.label]));
      for (const record of [...activations, ...denials]) {
        const [key, label] = resellerOf(record.license.reseller);
        if (!labels.has(key)) labels.set(key, label);
      }
      return {
        byProduct: group((l) => [l.product.code, l.product.name]),
        byReseller,
        history: points(activations, denials),
        resellerHistory: [...labels].map(([key, label]) => ({
          key,
          label,
          history: points(
            activations.filter((a) => resellerOf(a.license.reseller)[0] === key),
            denials.filter((d) => resellerOf(d.license.reseller)[0] === key),
          ),
        })),
      };
    },
  };
}
