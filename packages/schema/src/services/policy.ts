// Who may do what: one function per action (Keygen's policies, Hive's `ensure…Access`). Every service
// that reads or changes tenant data asks here first, with the caller as its first argument; which
// records a permitted staff member then sees is `scope` (caller.ts). The resolvers keep only the coarse
// Pothos `authScopes` gate; test/admin-auth.test.ts checks the whole matrix.
import { type Caller, type Staff, requireStaff, requireVendor } from './caller.ts';
import { ForbiddenError } from './errors.ts';

/** Whoever acts on a service: a request's caller, or the operator's CLI (trusted, no tenant). */
export type Actor = Caller | 'operator';

function staffOrOperator(actor: Actor, check: (caller: Caller) => Staff): Staff | 'operator' {
  return actor === 'operator' ? actor : check(actor);
}

function customerId(caller: Caller): string {
  if (caller.kind !== 'customer') throw new ForbiddenError();
  return caller.customerId;
}

export const policy = {
  /** Any staff member sells (a reseller admin for their own reseller); the operator too. */
  issueLicense: (actor: Actor) => staffOrOperator(actor, requireStaff),
  /** Staff read their scope's licenses, activations and customers (caller.ts `scope` says which). */
  readTenantRecords: (caller: Caller) => requireStaff(caller),
  /** Live slot events: a customer of one of their licenses, staff of their scope (all of it without a license). */
  watchSlots(caller: Caller, licenseId: string | null): Exclude<Caller, { kind: 'anonymous' }> {
    if (caller.kind === 'anonymous') throw new ForbiddenError();
    if (licenseId === null && caller.kind !== 'staff') throw new ForbiddenError('Customers subscribe to one license: give licenseId.');
    return caller;
  },
  /** Seats, expiry and status of a license in the staff member's scope. */
  updateLicense: (caller: Caller) => requireStaff(caller),
  /** Freeing a machine's slot from the dashboard. */
  releaseActivationAsStaff: (caller: Caller) => requireStaff(caller),
  /** The license manager: a customer sees and releases only their own. */
  listOwnLicenses: customerId,
  releaseOwnActivation: customerId,
  /** Products are the vendor's: vendor admins and the operator. */
  manageProducts: (actor: Actor) => staffOrOperator(actor, requireVendor),
  /** Support for a customer in the staff member's scope: new credentials, a reset e-mail. */
  supportCustomer: (caller: Caller) => requireStaff(caller),
  createReseller: (caller: Caller) => requireVendor(caller),
  /** Staff accounts are the vendor's: vendor admins and the operator create them (and the first admin). */
  createStaff: (actor: Actor) => staffOrOperator(actor, requireVendor),
  /** A staff member's lock-out: vendor admins see and clear it (a customer's is `supportCustomer`). */
  manageStaffLockout: (caller: Caller) => requireVendor(caller),
  readSeatUsage: (caller: Caller) => requireStaff(caller),
  /** The outbox can hold generated passwords until sent: vendor admins only. */
  readMail: (actor: Actor) => staffOrOperator(actor, requireVendor),
};
