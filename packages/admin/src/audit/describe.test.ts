// The history's sentences: what a support person reads instead of the stored JSON.
import { expect, it } from 'vitest';
import { actionTitle, describeChange } from './describe.ts';

it('says what changed in words, with machine names and reasons', () => {
  expect(describeChange('license.seats_changed', JSON.stringify({ before: { seats: 3 }, after: { seats: 2 }, released: ['a1'], machines: ['PC-7 (alice)'] }))).toBe(
    '3 → 2 seats; released PC-7 (alice)',
  );
  expect(describeChange('activation.released', JSON.stringify({ license: 'l1', machineName: 'PC-7', osUser: 'alice', note: 'lost laptop' }))).toBe('PC-7 (alice): “lost laptop”');
  expect(describeChange('license.suspend', JSON.stringify({ before: { status: 'ACTIVE' }, after: { status: 'SUSPENDED' } }))).toBe('Active → Suspended');
  expect(describeChange('license.expiry_changed', JSON.stringify({ before: { expiresAt: '2027-01-31T23:59:59.999Z' }, after: { expiresAt: '2028-01-31T23:59:59.999Z' } }))).toBe(
    '2027-01-31 → 2028-01-31',
  );
  expect(
    describeChange('license.issued', JSON.stringify({ after: { email: 'b@x.example', reseller: 'ACME', product: 'revit', seats: 2, expiresAt: '2027-12-31T00:00:00.000Z', newCustomer: true } })),
  ).toBe('2 seat(s) of revit to b@x.example (sold by ACME), until 2027-12-31; new customer');
  expect(describeChange('product.updated', JSON.stringify({ before: { name: 'Old', leaseDays: null }, after: { name: 'New', leaseDays: 30 } }))).toBe('name: Old → New; lease days: — → 30');
  expect(describeChange('activation.lease_expired', JSON.stringify({ license: 'l1', machineName: 'PC-7', osUser: 'alice', tokenExpiredAt: '2026-12-02T10:30:05.000Z', by: 'sweeper' }))).toBe(
    'Seat released from PC-7 (alice): its token expired 2026-12-02 10:30 UTC unrenewed',
  );
  expect(describeChange('activation.lease_expired', JSON.stringify({ machineName: 'PC-7', osUser: 'alice', tokenExpiredAt: '2026-12-02T10:30:05.000Z', by: 'activation' }))).toMatch(
    /unrenewed, reclaimed for a new activation$/,
  );
  expect(actionTitle('activation.lease_expired')).toBe('Lease expired');
  expect(describeChange('license.entitlements_changed', JSON.stringify({ before: { entitlements: ['ifc-export', 'batch'] }, after: { entitlements: [] } }))).toBe('ifc-export, batch → none');
  expect(describeChange('trial.started', JSON.stringify({ product: 'revit', machineName: 'PC-9', osUser: 'bob', email: 'lead@x.example', expiresAt: '2026-12-16T09:00:00.000Z' }))).toBe(
    'PC-9 (bob) of revit, lead lead@x.example, until 2026-12-16 09:00 UTC',
  );
  expect(describeChange('trial.purchased', JSON.stringify({ license: 'l1', email: 'lead@x.example', machineName: 'PC-9', osUser: 'bob', startedAt: '2026-12-02T09:00:00.000Z' }))).toBe(
    'lead@x.example bought after the trial on PC-9 (bob) of 2026-12-02',
  );
  expect(actionTitle('license.seats_changed')).toBe('Seats changed');
  expect(actionTitle('something.new')).toBe('something.new');
  // No data, or data that isn't JSON, is shown as it is.
  expect(describeChange('customer.credentials_resent', '{}')).toBe('');
  expect(describeChange('x', 'not json')).toBe('not json');
});
