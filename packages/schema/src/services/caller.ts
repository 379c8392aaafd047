import type { Prisma } from '../generated/prisma/client.ts';
import { ForbiddenError } from './errors.ts';

export type StaffRole = 'VENDOR_ADMIN' | 'RESELLER_ADMIN';

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'customer'; customerId: string; sessionId: string; sessionExpiresAt: Date }
  | {
      kind: 'staff';
      staffId: string;
      email: string;
      role: StaffRole;
      resellerId: string | null;
      sessionId: string;
      sessionExpiresAt: Date;
      /**
       * Set when an API token calls (api-token.ts): it acts as staff of its role and reseller, but is
       * no staff account, so `staffId`, `email` and `sessionId` name the token instead.
       */
      apiToken?: { id: string; name: string };
    };

export type Staff = Extract<Caller, { kind: 'staff' }>;

/** The one place that says which records a staff member sees (tenant isolation). */
export const scope = {
  /**
   * Vendor admins see every reseller's records; a reseller admin only their reseller's. The reseller
   * belongs to the license (one login may buy from several resellers): a customer is in a reseller's
   * scope while it holds one of its licenses, and shows only those.
   */
  resellerId(staff: Staff): string | undefined {
    return staff.role === 'VENDOR_ADMIN' ? undefined : (staff.resellerId ?? '-none-');
  },
  customers(staff: Staff): Prisma.CustomerWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { licenses: { some: { resellerId } } };
  },
  licenses(staff: Staff): Prisma.LicenseWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { resellerId };
  },
  /** The licenses a caller sees under a customer: staff their tenant's, a customer all of its own. */
  licensesOf(caller: Caller): Prisma.LicenseWhereInput {
    return caller.kind === 'staff' ? scope.licenses(caller) : {};
  },
  activations(staff: Staff): Prisma.ActivationWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { license: { resellerId } };
  },
  staffUsers(staff: Staff): Prisma.StaffUserWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { resellerId };
  },
  auditEvents(staff: Staff): Prisma.AuditEventWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { resellerId };
  },
  apiTokens(staff: Staff): Prisma.ApiTokenWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { resellerId };
  },
  resellers(staff: Staff): Prisma.ResellerWhereInput {
    const resellerId = scope.resellerId(staff);
    return resellerId === undefined ? {} : { id: resellerId };
  },
};

export function requireStaff(caller: Caller): Staff {
  if (caller.kind !== 'staff') throw new ForbiddenError('Log in as staff first.');
  return caller;
}

/** A staff member logged in with a password: what only a person does (log out, change the password, make tokens). */
export function requireStaffLogin(caller: Caller, what: string): Staff {
  const staff = requireStaff(caller);
  if (staff.apiToken) throw new ForbiddenError(`An API token cannot ${what}; log in to the dashboard as a staff member.`);
  return staff;
}

export function requireVendor(caller: Caller): Staff {
  const staff = requireStaff(caller);
  if (staff.role !== 'VENDOR_ADMIN') throw new ForbiddenError('Only vendor admins may do this.');
  return staff;
}
