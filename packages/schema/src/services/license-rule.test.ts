import { describe, expect, it } from 'vitest';
import {
  checkExpiry,
  checkSeatCount,
  checkSeatsCoverUse,
  hasFreeSeat,
  noFreeSlot,
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
    expect(hasFreeSeat({ seats: 2 }, 1)).toBe(true);
    expect(hasFreeSeat({ seats: 2 }, 2)).toBe(false);
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
    expect(tokenExpiry(license, { leaseDays: null }, now)).toEqual(days(30));
    expect(tokenExpiry(license, { leaseDays: 7 }, now)).toEqual(days(7));
    expect(tokenExpiry(license, { leaseDays: 60 }, now)).toEqual(days(30));
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
