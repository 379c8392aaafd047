// The license's invariants, in one place: pure functions of their inputs (the time is passed in), no
// database, no clock. The license and activation services ask these; seat policies (leases, overage,
// entitlements: issue #13) are added here, beside the seat rule they extend.
import type { License, LicenseStatus, Product } from '../generated/prisma/client.ts';
import {
  type DomainError,
  InvalidInputError,
  LicenseExpiredError,
  LicenseRevokedError,
  LicenseSuspendedError,
  NoFreeSlotError,
  ReleaseLimitReachedError,
} from './errors.ts';

export const MAX_SEATS = 100_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

/** A license sells 1 to 100,000 seats. */
export function checkSeatCount(seats: number): void {
  if (!Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS) {
    throw new InvalidInputError('seats', `Seats must be a whole number from 1 to ${MAX_SEATS}.`);
  }
}

/** Seats never go below the machines holding them: those must be released in the same change. */
export function checkSeatsCoverUse(seats: number, used: number): void {
  if (seats < used) {
    throw new InvalidInputError('seats', `${used} seats are in use: release ${used - seats} machine(s) in the same change to go down to ${seats}.`);
  }
}

/** A license ends after it starts. */
export function checkExpiry(expiresAt: Date, startsAt: Date): void {
  if (Number.isNaN(expiresAt.getTime()) || expiresAt <= startsAt) {
    throw new InvalidInputError('expiresAt', 'The expiry must be a valid date after the license start.');
  }
}

export type LicenseAction = 'SUSPEND' | 'RESUME' | 'REVOKE';

const STATUS_AFTER: Record<LicenseAction, LicenseStatus> = { SUSPEND: 'SUSPENDED', RESUME: 'ACTIVE', REVOKE: 'REVOKED' };

/** The status an action leads to; revoking is final. */
export function statusAfter(current: LicenseStatus, action: LicenseAction): LicenseStatus {
  const status = STATUS_AFTER[action];
  if (current === 'REVOKED' && status !== 'REVOKED') {
    throw new InvalidInputError('action', 'A revoked license stays revoked; issue a new one.');
  }
  return status;
}

/** Why a license can't take or keep a slot at `now`, or null when it can. */
export function unusable(license: Pick<License, 'status' | 'expiresAt'>, now: Date): DomainError | null {
  if (license.status === 'REVOKED') return new LicenseRevokedError();
  if (license.status === 'SUSPENDED') return new LicenseSuspendedError();
  if (license.expiresAt <= now) return new LicenseExpiredError(license.expiresAt);
  return null;
}

/** Whether one more machine may take a seat of a license that `used` machines hold. */
export function hasFreeSeat(license: Pick<License, 'seats'>, used: number): boolean {
  return used < license.seats;
}

/** The answer when none of a login's usable licenses of a product has a free seat. */
export function noFreeSlot(licenses: { seats: number; used: number }[]): NoFreeSlotError {
  return new NoFreeSlotError(
    licenses.reduce((sum, l) => sum + l.seats, 0),
    licenses.reduce((sum, l) => sum + l.used, 0),
  );
}

/** Token lifetime: the product's lease when it has one, never past the license's expiry. */
export function tokenExpiry(license: Pick<License, 'expiresAt'>, product: Pick<Product, 'leaseDays'>, now: Date): Date {
  if (product.leaseDays == null) return license.expiresAt;
  return new Date(Math.min(license.expiresAt.getTime(), now.getTime() + product.leaseDays * DAY_MS));
}

/** Remote releases count over any 365 days: the window of releases that count at `now`. */
export function remoteReleaseWindowStart(now: Date): Date {
  return new Date(now.getTime() - YEAR_MS);
}

/**
 * The refusal of one more remote release, or null when the product's yearly `limit` allows it.
 * `recent`: when this license's remote releases inside the window happened, oldest first.
 */
export function remoteReleaseRefusal(limit: number, recent: Date[], now: Date): ReleaseLimitReachedError | null {
  if (recent.length < limit) return null;
  const oldest = recent[recent.length - limit] ?? now;
  return new ReleaseLimitReachedError(limit, new Date(oldest.getTime() + YEAR_MS));
}
