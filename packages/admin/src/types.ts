// Records as the data provider reads them (see dataProvider.ts for the selections): each is the
// selection of a type of the public contract, picked from the types generated from the SDL
// (codegen.ts → src/generated/schema.ts), so a type or a field the server renames fails here.
import type * as Schema from './generated/schema.ts';

export type LicenseStatus = Schema.LicenseStatus;

export type License = Pick<Schema.License, 'id' | 'seats' | 'pendingSeats' | 'seatsUsed' | 'status' | 'startsAt' | 'expiresAt' | 'createdAt' | 'entitlements' | 'overSeats' | 'deniedLast30Days'> & {
  /** The shop purchase it came from (Stripe); null when issued by hand. */
  purchase: Pick<Schema.ShopPurchase, 'shop' | 'orderId' | 'subscriptionId' | 'livemode' | 'url' | 'endedAt'> | null;
  /** The reseller who sold this license (a customer may buy from several); null for a direct sale. */
  reseller: Pick<Schema.Reseller, 'id' | 'name'> | null;
  customer: Pick<Schema.Customer, 'id' | 'email'>;
  product: Pick<Schema.Product, 'id' | 'code' | 'name' | 'entitlements' | 'overagePercent'>;
};

export type Activation = Pick<Schema.Activation, 'id' | 'machineName' | 'osUser' | 'activatedAt' | 'lastSeenAt' | 'releasedAt' | 'releaseReason'> & {
  license: Pick<Schema.License, 'id' | 'seats' | 'seatsUsed'> & {
    customer: Pick<Schema.Customer, 'id' | 'email'>;
    product: Pick<Schema.Product, 'code' | 'name'>;
  };
};

/**
 * `licenseCount`: the licenses the viewer's tenant sold this customer. `loginLockout`: its failed
 * log-ins; while locked, every password check of the login is refused.
 */
export type Customer = Pick<Schema.Customer, 'id' | 'email' | 'createdAt' | 'passwordChangedAt' | 'licenseCount' | 'deniedLast30Days'> & {
  loginLockout: Pick<Schema.LoginLockout, 'locked' | 'lockedUntil' | 'failedAttempts'> | null;
};

export type StaffUser = Pick<Schema.StaffUser, 'id' | 'email' | 'role' | 'createdAt' | 'disabledAt'> & {
  reseller: Pick<Schema.Reseller, 'id' | 'name'> | null;
  generatedPassword?: string | null;
};

export type AuditEvent = Pick<Schema.AuditEvent, 'id' | 'actor' | 'action' | 'subject' | 'resellerId' | 'data' | 'at'>;
