// The license's invariants, in one place: pure functions of their inputs (the time is passed in), no
// database, no clock. The license and activation services ask these; seat policies (leases, borrowing,
// overage, revival, entitlements, trials: issue #13) sit beside the seat rule they extend. A rule that a guarded
// statement must check in the database (the renewal's hot path) has its SQL twin right beside it.
import { type Activation, type License, type LicenseStatus, Prisma, type Product } from '../generated/prisma/client.ts';
import {
  BorrowTooLongError,
  type DomainError,
  InvalidInputError,
  LicenseExpiredError,
  LicenseRevokedError,
  LicenseSuspendedError,
  NoFreeSlotError,
  NoTrialError,
  ReleaseLimitReachedError,
  SlotReleasedError,
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

/**
 * `unusable(license, now) === null` as a condition on the License row aliased `license` (a quoted
 * alias of the statement): ACTIVE and not yet expired.
 */
export function usableSql(license: string, now: Date): Prisma.Sql {
  const l = Prisma.raw(`"${license}"`);
  return Prisma.sql`${l}."status" = 'ACTIVE' AND ${l}."expiresAt" > ${now}`;
}

/** The machines a license may hold: its seats plus the product's overage, ceil(seats × (1 + p/100)). */
export function seatLimit(license: Pick<License, 'seats'>, product: Pick<Product, 'overagePercent'>): number {
  // Integer arithmetic: no floating-point product (3 × 1.1) rounded up past the true limit.
  return Math.floor((license.seats * (100 + product.overagePercent) + 99) / 100);
}

/** Whether one more machine may take a seat of a license that `used` machines hold (overage included). */
export function hasFreeSeat(license: Pick<License, 'seats'>, product: Pick<Product, 'overagePercent'>, used: number): boolean {
  return used < seatLimit(license, product);
}

/** Whether the slot a machine takes now, beside `used` others, lies beyond the seats sold (an overage slot). */
export function isOverage(license: Pick<License, 'seats'>, used: number): boolean {
  return used >= license.seats;
}

/** The answer when none of a login's usable licenses of a product has a free seat. */
export function noFreeSlot(licenses: { seats: number; used: number }[]): NoFreeSlotError {
  return new NoFreeSlotError(
    licenses.reduce((sum, l) => sum + l.seats, 0),
    licenses.reduce((sum, l) => sum + l.used, 0),
  );
}

/**
 * Whether a slot's lease has run out at `now`: it is live and its newest token expired before the
 * license did (a token that simply ends with the license frees nothing: the license is over). Such a
 * slot's offline token is dead, so its seat may go to another machine. The sweeper's SQL selects by
 * the same condition and then asks this.
 */
export function leaseExpired(
  activation: Pick<Activation, 'releasedAt' | 'tokenExpiresAt'>,
  license: Pick<License, 'expiresAt'>,
  now: Date,
): boolean {
  return activation.releasedAt === null && activation.tokenExpiresAt <= now && activation.tokenExpiresAt < license.expiresAt;
}

/**
 * The refusal of a borrow of `borrowSeconds`, or null when the product allows it (or none is asked).
 * A product without `maxBorrowSeconds` refuses any borrow.
 */
export function borrowRefusal(product: Pick<Product, 'maxBorrowSeconds'>, borrowSeconds: number | null | undefined): DomainError | null {
  if (borrowSeconds == null) return null;
  if (!Number.isInteger(borrowSeconds) || borrowSeconds < 1) {
    return new InvalidInputError('borrowSeconds', 'borrowSeconds must be a whole number of seconds from 1.');
  }
  const max = product.maxBorrowSeconds ?? 0;
  return borrowSeconds > max ? new BorrowTooLongError(max) : null;
}

/**
 * Token lifetime: the product's lease when it has one (a borrow, already allowed by borrowRefusal,
 * lengthens it), never past the license's expiry.
 */
export function tokenExpiry(
  license: Pick<License, 'expiresAt'>,
  product: Pick<Product, 'leaseSeconds'>,
  now: Date,
  borrowSeconds?: number | null,
): Date {
  if (product.leaseSeconds == null) return license.expiresAt;
  const seconds = Math.max(product.leaseSeconds, borrowSeconds ?? 0);
  return new Date(Math.min(license.expiresAt.getTime(), now.getTime() + seconds * 1000));
}

/**
 * Whether a released slot may come back through renewToken at `now`: only one healed by its lapsed
 * lease (LEASE_EXPIRED), within the product's revival window after its token expired (no window:
 * while the license lives, which `unusable` checks). Any other release answers SLOT_RELEASED.
 */
export function revivalRefusal(
  activation: Pick<Activation, 'releaseReason' | 'tokenExpiresAt'>,
  product: Pick<Product, 'revivalWindowSeconds'>,
  now: Date,
): SlotReleasedError | null {
  if (activation.releaseReason !== 'LEASE_EXPIRED') return new SlotReleasedError();
  if (product.revivalWindowSeconds == null) return null;
  const closes = activation.tokenExpiresAt.getTime() + product.revivalWindowSeconds * 1000;
  return now.getTime() > closes ? new SlotReleasedError() : null;
}

/** "Denied N times in the last 30 days": the refusals that count at `now`. */
export function denialWindowStart(now: Date): Date {
  return new Date(now.getTime() - 30 * DAY_MS);
}

/** `tokenExpiry` as an SQL expression over the License and Product rows aliased `license` and `product`. */
export function tokenExpirySql(license: string, product: string, now: Date): Prisma.Sql {
  const l = Prisma.raw(`"${license}"`);
  const p = Prisma.raw(`"${product}"`);
  return Prisma.sql`CASE WHEN ${p}."leaseSeconds" IS NULL THEN ${l}."expiresAt"
    ELSE LEAST(${l}."expiresAt", ${now}::timestamp(3) + ${p}."leaseSeconds" * interval '1 second') END`;
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

const ENTITLEMENT_CODE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_ENTITLEMENT_LENGTH = 40;
export const MAX_ENTITLEMENTS = 50;

/**
 * A product's entitlement codes as declared: lower-kebab (`ifc-export`), at most 40 characters each,
 * at most 50, duplicates dropped; INVALID_INPUT naming `field` otherwise. Plug-ins compare them
 * verbatim, so nothing is case-folded or trimmed behind the vendor's back.
 */
export function checkEntitlementCodes(codes: readonly string[], field = 'entitlements'): string[] {
  const unique = [...new Set(codes)];
  for (const code of unique) {
    if (code.length > MAX_ENTITLEMENT_LENGTH || !ENTITLEMENT_CODE.test(code)) {
      throw new InvalidInputError(field, `"${code}" is not an entitlement code: lower-case letters and digits in words joined by "-", at most ${MAX_ENTITLEMENT_LENGTH} characters.`);
    }
  }
  if (unique.length > MAX_ENTITLEMENTS) throw new InvalidInputError(field, `A product declares at most ${MAX_ENTITLEMENTS} entitlements.`);
  return unique;
}

/** What a license grants: the codes asked for (each one the product's), or all of the product's when none are given. */
export function licenseEntitlements(product: Pick<Product, 'code' | 'entitlements'>, requested: readonly string[] | undefined): string[] {
  if (requested === undefined) return [...product.entitlements];
  const unique = [...new Set(requested)];
  const unknown = unique.filter((code) => !product.entitlements.includes(code));
  if (unknown.length > 0) {
    throw new InvalidInputError('entitlements', `${product.code} has no entitlement ${unknown.map((c) => `"${c}"`).join(', ')}; it declares ${product.entitlements.length ? product.entitlements.join(', ') : 'none'}.`);
  }
  return product.entitlements.filter((code) => unique.includes(code));
}

/** The `ent` claim of a license's tokens: its codes that the product still declares, in the product's order. */
export function tokenEntitlements(license: Pick<License, 'entitlements'>, product: Pick<Product, 'entitlements'>): string[] {
  return product.entitlements.filter((code) => license.entitlements.includes(code));
}

export const MAX_TRIAL_SECONDS = 365 * 86_400;

/** A trial lasts 1 second to 365 days; null: the product offers none. */
export function checkTrialSeconds(seconds: number | null | undefined): void {
  if (seconds != null && (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TRIAL_SECONDS)) {
    throw new InvalidInputError('trialSeconds', `A trial lasts a whole number of seconds from 1 to ${MAX_TRIAL_SECONDS} (365 days).`);
  }
}

/** When a trial started at `now` ends; NO_TRIAL when the product offers none. */
export function trialExpiry(product: Pick<Product, 'code' | 'trialSeconds'>, now: Date): Date {
  if (product.trialSeconds == null) throw new NoTrialError(product.code);
  return new Date(now.getTime() + product.trialSeconds * 1000);
}
