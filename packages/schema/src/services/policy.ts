// Who may do what: one function per action (Keygen's policies, Hive's `ensure…Access`). Every service
// that reads or changes tenant data asks here first, with the caller as its first argument; which
// records a permitted staff member then sees is `scope` (caller.ts). The resolvers keep only the coarse
// Pothos `authScopes` gate; test/admin-auth.test.ts checks the whole matrix.
import { type Caller, type Staff, requireStaff, requireStaffLogin, requireVendor } from './caller.ts';
import { ForbiddenError } from './errors.ts';

/** Whoever acts on a service: a request's caller, or the operator's CLI (trusted, no tenant). */
export type Actor = Caller | 'operator';

/**
 * A shop's purchase intake (`shop:stripe`): trusted like the operator once the shop's signature is
 * verified, and named so in the audit log. Only the intake service acts as one.
 */
export type ShopActor = `shop:${string}`;

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
  /** A login's e-mail spans every reseller that sold it a license: the vendor's to change. */
  changeCustomerEmail: (caller: Caller) => requireVendor(caller),
  createReseller: (caller: Caller) => requireVendor(caller),
  /** Vendor admins rename any reseller; a reseller admin their own (scope hides the others). */
  renameReseller: (caller: Caller) => requireStaff(caller),
  /** Merging moves one reseller's customers, staff and history to another: vendor admins only. */
  mergeResellers: (caller: Caller) => requireVendor(caller),
  /** Staff accounts are the vendor's: vendor admins and the operator create them (and the first admin). */
  createStaff: (actor: Actor) => staffOrOperator(actor, requireVendor),
  /** A staff member's lock-out: vendor admins see and clear it (a customer's is `supportCustomer`). */
  manageStaffLockout: (caller: Caller) => requireVendor(caller),
  readSeatUsage: (caller: Caller) => requireStaff(caller),
  /** Trials are the vendor's leads (no reseller sold them anything yet): vendor admins only. */
  readTrials: (caller: Caller) => requireVendor(caller),
  /** API tokens: staff list and revoke their scope's (a token may revoke itself), the operator all. */
  manageApiTokens: (actor: Actor) => staffOrOperator(actor, requireStaff),
  /** A token is made by a person or the operator, never by another token (a leaked one could mint more). */
  createApiToken: (actor: Actor) => staffOrOperator(actor, (caller) => requireStaffLogin(caller, 'create API tokens')),
  /** Log out, change the password: a staff member's own login, which a token has not. */
  ownStaffLogin: (caller: Caller, what: string) => requireStaffLogin(caller, what),
  /** Webhook endpoints: any staff member (a reseller admin's are its reseller's: `endpointScope`); the operator too. */
  manageWebhooks: (actor: Actor) => staffOrOperator(actor, requireStaff),
  /** The outbox can hold generated passwords until sent: vendor admins only. */
  readMail: (actor: Actor) => staffOrOperator(actor, requireVendor),
};
