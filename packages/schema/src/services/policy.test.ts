import { describe, expect, it } from 'vitest';
import type { Caller } from './caller.ts';
import { policy } from './policy.ts';

const session = { sessionId: 's', sessionExpiresAt: new Date('2030-01-01T00:00:00Z') };
const vendor: Caller = { kind: 'staff', staffId: 'v', email: 'v@example.com', role: 'VENDOR_ADMIN', resellerId: null, ...session };
const reseller: Caller = { kind: 'staff', staffId: 'r', email: 'r@example.com', role: 'RESELLER_ADMIN', resellerId: 'R', ...session };
const customer: Caller = { kind: 'customer', customerId: 'c', ...session };
const anonymous: Caller = { kind: 'anonymous' };
const FORBIDDEN = expect.objectContaining({ code: 'FORBIDDEN' });

describe('policy', () => {
  it('the operator and any staff member issue licenses; customers and anonymous callers do not', () => {
    expect(policy.issueLicense('operator')).toBe('operator');
    expect(policy.issueLicense(reseller)).toBe(reseller);
    for (const caller of [customer, anonymous]) expect(() => policy.issueLicense(caller)).toThrow(FORBIDDEN);
  });

  it('products, resellers, trials and the outbox are the vendor admins\' (and the operator\'s for products)', () => {
    expect(policy.manageProducts('operator')).toBe('operator');
    expect(policy.manageProducts(vendor)).toBe(vendor);
    expect(policy.readMail(vendor)).toBe(vendor);
    expect(policy.readTrials(vendor)).toBe(vendor);
    for (const caller of [reseller, customer, anonymous]) {
      expect(() => policy.readTrials(caller)).toThrow(FORBIDDEN);
      expect(() => policy.manageProducts(caller)).toThrow(FORBIDDEN);
      expect(() => policy.createReseller(caller)).toThrow(FORBIDDEN);
      expect(() => policy.readMail(caller)).toThrow(FORBIDDEN);
    }
  });

  it("staff accounts and their lock-outs are the vendor admins' (creation the operator's too)", () => {
    expect(policy.createStaff('operator')).toBe('operator');
    expect(policy.createStaff(vendor)).toBe(vendor);
    expect(policy.manageStaffLockout(vendor)).toBe(vendor);
    for (const caller of [reseller, customer, anonymous]) {
      expect(() => policy.createStaff(caller)).toThrow(FORBIDDEN);
      expect(() => policy.manageStaffLockout(caller)).toThrow(FORBIDDEN);
    }
  });

  it('license changes and tenant reads are for staff; the own licenses and releases for the customer', () => {
    expect(policy.updateLicense(reseller)).toBe(reseller);
    expect(policy.readTenantRecords(reseller)).toBe(reseller);
    expect(policy.listOwnLicenses(customer)).toBe('c');
    expect(policy.releaseOwnActivation(customer)).toBe('c');
    for (const caller of [customer, anonymous]) expect(() => policy.updateLicense(caller)).toThrow(FORBIDDEN);
    for (const caller of [vendor, anonymous]) expect(() => policy.listOwnLicenses(caller)).toThrow(FORBIDDEN);
  });

  it('slot streams: a customer names one license, staff may watch their whole scope, anonymous nothing', () => {
    expect(policy.watchSlots(customer, 'L')).toBe(customer);
    expect(policy.watchSlots(reseller, null)).toBe(reseller);
    expect(() => policy.watchSlots(customer, null)).toThrow('Customers subscribe to one license: give licenseId.');
    expect(() => policy.watchSlots(anonymous, 'L')).toThrow(FORBIDDEN);
  });
});
