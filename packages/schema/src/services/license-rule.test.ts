import { describe, expect, it } from 'vitest';
import {
  checkExpiry,
  checkSeatCount,
  checkSeatsCoverUse,
  borrowRefusal,
  hasFreeSeat,
  isOverage,
  leaseExpired,
  noFreeSlot,
  revivalRefusal,
  seatLimit,
  remoteReleaseRefusal,
  remoteReleaseWindowStart,
  statusAfter,
  tokenExpiry,
  unusable,
} from './license-rule.ts';

const DAY = 86_400_000;
const now = new Date('2030-03-01T12:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * DAY);

describe('seats', () => {
  it('a license sells 1 to 100,000 whole seats', () => {
    for (const seats of [1, 3, 100_000]) expect(() => checkSeatCount(seats)).not.toThrow();
    for (const seats of [0, -1, 1.5, 100_001, Number.NaN]) expect(() => checkSeatCount(seats)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'seats' }));
  });

  it('seats never go below the machines holding them, and the refusal says how many to release', () => {
    expect(() => checkSeatsCoverUse(2, 2)).not.toThrow();
    expect(() => checkSeatsCoverUse(1, 3)).toThrow('3 seats are in use: release 2 machine(s) in the same change to go down to 1.');
  });

  it('one more machine fits while fewer than the seats are held', () => {
    expect(hasFreeSeat({ seats: 2 }, { overagePercent: 0 }, 1)).toBe(true);
    expect(hasFreeSeat({ seats: 2 }, { overagePercent: 0 }, 2)).toBe(false);
  });

  it('overage lets ceil(seats × (1 + p/100)) machines in, counted exactly in integers', () => {
    expect(seatLimit({ seats: 3 }, { overagePercent: 0 })).toBe(3);
    expect(seatLimit({ seats: 3 }, { overagePercent: 10 })).toBe(4);
    expect(seatLimit({ seats: 10 }, { overagePercent: 10 })).toBe(11);
    expect(seatLimit({ seats: 10 }, { overagePercent: 25 })).toBe(13);
    expect(seatLimit({ seats: 4 }, { overagePercent: 25 })).toBe(5);
    expect(seatLimit({ seats: 1 }, { overagePercent: 100 })).toBe(2);
    expect(hasFreeSeat({ seats: 4 }, { overagePercent: 25 }, 4)).toBe(true);
    expect(hasFreeSeat({ seats: 4 }, { overagePercent: 25 }, 5)).toBe(false);
  });

  it('a slot is an overage slot when the seats are already held', () => {
    expect(isOverage({ seats: 2 }, 1)).toBe(false);
    expect(isOverage({ seats: 2 }, 2)).toBe(true);
  });

  it('no free slot answers the seats and use summed over the usable licenses', () => {
    expect(noFreeSlot([{ seats: 2, used: 2 }, { seats: 3, used: 3 }])).toMatchObject({ code: 'NO_FREE_SLOT', seats: 5, used: 5 });
  });
});

describe('expiry and usability', () => {
  it('a license ends after it starts', () => {
    expect(() => checkExpiry(days(1), now)).not.toThrow();
    for (const expiresAt of [now, days(-1), new Date(Number.NaN)]) {
      expect(() => checkExpiry(expiresAt, now)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'expiresAt' }));
    }
  });

  it('revoked, then suspended, then expired: the first that applies is the answer', () => {
    expect(unusable({ status: 'ACTIVE', expiresAt: days(1) }, now)).toBeNull();
    expect(unusable({ status: 'ACTIVE', expiresAt: now }, now)).toMatchObject({ code: 'LICENSE_EXPIRED', expiredAt: now });
    expect(unusable({ status: 'SUSPENDED', expiresAt: days(-1) }, now)).toMatchObject({ code: 'LICENSE_SUSPENDED' });
    expect(unusable({ status: 'REVOKED', expiresAt: days(-1) }, now)).toMatchObject({ code: 'LICENSE_REVOKED' });
  });
});

describe('status changes', () => {
  it('suspend, resume and revoke lead to their status; a revoked license stays revoked', () => {
    expect(statusAfter('ACTIVE', 'SUSPEND')).toBe('SUSPENDED');
    expect(statusAfter('SUSPENDED', 'RESUME')).toBe('ACTIVE');
    expect(statusAfter('SUSPENDED', 'REVOKE')).toBe('REVOKED');
    expect(statusAfter('REVOKED', 'REVOKE')).toBe('REVOKED');
    for (const action of ['RESUME', 'SUSPEND'] as const) {
      expect(() => statusAfter('REVOKED', action)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'action' }));
    }
  });
});

describe('token lifetime', () => {
  it('lives until the license expiry without a lease, the lease with one, never past the expiry', () => {
    const license = { expiresAt: days(30) };
    expect(tokenExpiry(license, { leaseSeconds: null }, now)).toEqual(days(30));
    expect(tokenExpiry(license, { leaseSeconds: 7 * 86_400 }, now)).toEqual(days(7));
    expect(tokenExpiry(license, { leaseSeconds: 60 * 86_400 }, now)).toEqual(days(30));
    expect(tokenExpiry(license, { leaseSeconds: 90 }, now)).toEqual(new Date(now.getTime() + 90_000));
  });

  it('a borrow lengthens a lease, never shortens it, never past the expiry', () => {
    const license = { expiresAt: days(30) };
    expect(tokenExpiry(license, { leaseSeconds: 3600 }, now, 7 * 86_400)).toEqual(days(7));
    expect(tokenExpiry(license, { leaseSeconds: 3600 }, now, 60)).toEqual(new Date(now.getTime() + 3_600_000));
    expect(tokenExpiry(license, { leaseSeconds: 3600 }, now, 90 * 86_400)).toEqual(days(30));
  });

  it('a borrow beyond the maximum, or on a product that lends none, is refused with the maximum', () => {
    expect(borrowRefusal({ maxBorrowSeconds: 600 }, undefined)).toBeNull();
    expect(borrowRefusal({ maxBorrowSeconds: 600 }, 600)).toBeNull();
    expect(borrowRefusal({ maxBorrowSeconds: 600 }, 601)).toMatchObject({ code: 'BORROW_TOO_LONG', maxBorrowSeconds: 600 });
    expect(borrowRefusal({ maxBorrowSeconds: null }, 1)).toMatchObject({ code: 'BORROW_TOO_LONG', maxBorrowSeconds: 0 });
    for (const bad of [0, -5, 1.5]) expect(borrowRefusal({ maxBorrowSeconds: 600 }, bad)).toMatchObject({ code: 'INVALID_INPUT', field: 'borrowSeconds' });
  });
});

describe('leases that heal', () => {
  const license = { expiresAt: days(30) };
  const slot = (tokenExpiresAt: Date, releasedAt: Date | null = null) => ({ tokenExpiresAt, releasedAt });

  it('a live slot whose token expired before the license is lapsed, from the second of its exp', () => {
    expect(leaseExpired(slot(new Date(now.getTime() - 1)), license, now)).toBe(true);
    expect(leaseExpired(slot(now), license, now)).toBe(true);
    expect(leaseExpired(slot(new Date(now.getTime() + 1)), license, now)).toBe(false);
  });

  it('a released slot, or a token that ends with the license, is never healed', () => {
    expect(leaseExpired(slot(days(-1), days(-1)), license, now)).toBe(false);
    expect(leaseExpired(slot(days(-1)), { expiresAt: days(-1) }, now)).toBe(false);
  });

  it('only a LEASE_EXPIRED slot comes back, within the revival window after its token expired', () => {
    const healed = { releaseReason: 'LEASE_EXPIRED' as const, tokenExpiresAt: days(-1) };
    expect(revivalRefusal(healed, { revivalWindowSeconds: null }, now)).toBeNull();
    expect(revivalRefusal(healed, { revivalWindowSeconds: 86_400 }, now)).toBeNull();
    expect(revivalRefusal(healed, { revivalWindowSeconds: 86_399 }, now)).toMatchObject({ code: 'SLOT_RELEASED' });
    for (const releaseReason of ['DEACTIVATED', 'REMOTE_RELEASE', 'ADMIN_RELEASE'] as const) {
      expect(revivalRefusal({ ...healed, releaseReason }, { revivalWindowSeconds: null }, now)).toMatchObject({ code: 'SLOT_RELEASED' });
    }
  });
});

describe('remote releases', () => {
  it('count over the last 365 days', () => {
    expect(remoteReleaseWindowStart(now)).toEqual(days(-365));
  });

  it('are refused past the yearly limit, with the date the oldest counted release stops counting', () => {
    expect(remoteReleaseRefusal(3, [days(-100), days(-10)], now)).toBeNull();
    expect(remoteReleaseRefusal(2, [days(-300), days(-100), days(-10)], now)).toMatchObject({
      code: 'RELEASE_LIMIT_REACHED',
      limit: 2,
      nextReleaseAt: days(-100 + 365),
    });
    expect(remoteReleaseRefusal(0, [], now)).toMatchObject({ code: 'RELEASE_LIMIT_REACHED', limit: 0, nextReleaseAt: days(365) });
  });
});
