// The dashboard's data provider against the real admin GraphQL API (in-process yoga): every query
// and mutation it writes is valid for the schema, pages line up with Pothos' offset cursors, and a
// reseller admin's provider sees only their tenant.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthProvider } from '../packages/admin/src/authProvider.ts';
import { createDataProvider, RESOURCES, type SlotkeeperDataProvider } from '../packages/admin/src/dataProvider.ts';
import { createApi } from '../packages/admin/src/graphql.ts';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, machine } from './support/operations.ts';
import { type Tenants, STAFF_PASSWORD, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
let vendor: SlotkeeperDataProvider;
let resellerA: SlotkeeperDataProvider;
let resellerB: SlotkeeperDataProvider;

const inProcess = ((url: string, init: RequestInit) => t.app.yoga.fetch(url, init)) as typeof fetch;
const providerFor = (token: string) => createDataProvider(createApi({ url: 'http://slotkeeper.test/graphql', token: () => token, fetch: inProcess }));
const memory = () => {
  let token: string | null = null;
  return { token: () => token, set: (value: string) => void (token = value), clear: () => void (token = null) };
};

beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
  vendor = providerFor(tenants.tokens.vendor);
  resellerA = providerFor(tenants.tokens.resellerA);
  resellerB = providerFor(tenants.tokens.resellerB);
});
afterAll(() => t?.close());

const all = { pagination: { page: 1, perPage: 500 }, filter: {} };

describe('queries the schema accepts', () => {
  it('lists every resource with every sort field, both directions', async () => {
    for (const [resource, config] of Object.entries(RESOURCES)) {
      for (const field of Object.keys(config.sorts)) {
        for (const order of ['ASC', 'DESC'] as const) {
          const { total, data } = await vendor.getList(resource, { ...all, pagination: { page: 1, perPage: 5 }, sort: { field, order } });
          expect(total, `${resource} by ${field}`).toBeGreaterThanOrEqual(data.length);
        }
      }
    }
    const products = await vendor.getList('products', { ...all, sort: { field: 'code', order: 'ASC' } });
    expect(products.total).toBeGreaterThan(0);
  });

  it('filters every resource by each of its filter keys', async () => {
    const samples: Record<string, unknown> = {
      product: 'nope',
      status: 'ACTIVE',
      expiringWithinDays: 30,
      customerEmail: 'example',
      customerId: tenants.customerLicenseId,
      resellerId: tenants.resellerA.id,
      q: 'x',
      licenseId: tenants.customerLicenseId,
      live: true,
      role: 'RESELLER_ADMIN',
      action: 'license.issued',
      subject: `license:${tenants.customerLicenseId}`,
      actor: 'operator',
      to: 'example',
    };
    for (const [resource, config] of Object.entries(RESOURCES)) {
      for (const key of Object.keys(config.filters)) {
        await expect(
          vendor.getList(resource, { pagination: { page: 1, perPage: 5 }, sort: { field: 'id', order: 'ASC' }, filter: { [key]: samples[key] } }),
          `${resource} filtered by ${key}`,
        ).resolves.toHaveProperty('total');
      }
    }
  });
});

describe('lists', () => {
  it('"expiring within 30 days" lists active and suspended licenses, not revoked ones', async () => {
    const product = await t.seed.product();
    const customer = await t.seed.customer(`expiring-${randomBytes(4).toString('hex')}@example.com`);
    const soon = (status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED') => t.seed.license({ status, expiresInDays: 10, product, customer });
    const [active, suspended] = [await soon('ACTIVE'), await soon('SUSPENDED'), await soon('REVOKED')];
    await t.seed.license({ expiresInDays: 60, product, customer });
    const { data } = await vendor.getList('licenses', {
      pagination: { page: 1, perPage: 10 },
      sort: { field: 'createdAt', order: 'ASC' },
      filter: { customerEmail: customer.email, expiringWithinDays: 30 },
    });
    expect(data.map((l) => l.id).toSorted()).toEqual([active!.id, suspended!.id].toSorted());
  });
});

describe('paging', () => {
  it('reads consecutive pages with no gap and no overlap, and the total', async () => {
    const email = `pager-${randomBytes(4).toString('hex')}`;
    const product = await t.seed.product();
    const customer = await t.seed.customer(`${email}@example.com`);
    for (let i = 0; i < 7; i++) await t.seed.license({ seats: i + 1, product, customer });
    const params = (page: number) => ({ pagination: { page, perPage: 3 }, sort: { field: 'seats', order: 'DESC' as const }, filter: { customerEmail: email } });
    const pages = await Promise.all([1, 2, 3].map((page) => vendor.getList('licenses', params(page))));
    expect(pages.map((p) => p.total)).toEqual([7, 7, 7]);
    expect(pages.map((p) => p.data.map((l) => l.seats))).toEqual([[7, 6, 5], [4, 3, 2], [1]]);
    const exported = await vendor.getList('licenses', { ...params(1), pagination: { page: 1, perPage: 1000 } });
    expect(exported.data).toHaveLength(7);
  });
});

describe('actions', () => {
  it('issues a license, changes its seats, expiry and status, and releases a machine', async () => {
    const product = await t.seed.product();
    const email = `dp-${randomBytes(4).toString('hex')}@example.com`;
    const { data: license } = await resellerA.create('licenses', { data: { email, product: product.code, seats: 2, expiresAt: '2030-06-30' } });
    expect(license).toMatchObject({ seats: 2, seatsUsed: 0, status: 'ACTIVE', expiresAt: '2030-06-30T23:59:59.999Z', newCustomer: true });
    expect(license.customer).toMatchObject({ email });
    expect(license.reseller).toMatchObject({ id: tenants.resellerA.id });

    const issued = await t.app.database.prisma.mailMessage.findFirstOrThrow({ where: { to: email } });
    const password = t.mailLine(issued, 'Password');
    const { data: activated } = await t.gql(ACTIVATE, { input: machine({ email, password, product: product.code }, 'dp-pc') });
    const activationId = activated.activateMachine.activation.id as string;

    const refused = await resellerA.update('licenses', { id: license.id, data: { seats: 0 }, previousData: license }).catch((e: Error) => e);
    expect(refused).toMatchObject({ status: 400, code: 'INVALID_INPUT' });

    const { data: live } = await resellerA.getManyReference('activations', {
      target: 'licenseId',
      id: license.id,
      pagination: { page: 1, perPage: 100 },
      filter: { live: true },
      sort: { field: 'activatedAt', order: 'ASC' },
    });
    expect(live.map((a) => a.id)).toEqual([activationId]);

    const { data: bigger } = await resellerA.update('licenses', { id: license.id, data: { seats: 5, expiresAt: '2031-01-31' }, previousData: license });
    expect(bigger).toMatchObject({ seats: 5, expiresAt: '2031-01-31T23:59:59.999Z' });
    const { data: suspended } = await resellerA.update('licenses', { id: license.id, data: { status: 'SUSPENDED' }, previousData: bigger });
    expect(suspended.status).toBe('SUSPENDED');
    const { data: resumed } = await resellerA.update('licenses', { id: license.id, data: { status: 'ACTIVE' }, previousData: suspended });
    expect(resumed.status).toBe('ACTIVE');

    await resellerA.delete('activations', { id: activationId, previousData: { id: activationId }, meta: { note: 'reinstalled' } });
    expect((await resellerA.getOne('licenses', { id: license.id })).data.seatsUsed).toBe(0);
    const { data: events } = await resellerA.getList('audit', {
      ...all,
      sort: { field: 'at', order: 'DESC' },
      filter: { subject: `activation:${activationId}` },
    });
    expect(JSON.parse(events[0]!.data)).toMatchObject({ note: 'reinstalled' });

    await resellerA.resendCredentials(license.customer.id);
    await resellerA.sendPasswordReset(license.customer.id);
    const usage = await resellerA.seatUsage(7);
    expect(usage.history).toHaveLength(7);
    expect(usage.byProduct.find((row) => row.key === product.code)).toMatchObject({ seatsSold: 5, seatsUsed: 0 });
  });

  it('a license edit applies whole or not at all: a refused expiry leaves the seats as they were', async () => {
    const seeded = await t.seed.license({ seats: 2 });
    const { data: before } = await vendor.getOne('licenses', { id: seeded.id });
    const refused = await vendor
      .update('licenses', { id: seeded.id, data: { seats: 6, expiresAt: '2001-01-01', status: 'SUSPENDED' }, previousData: before })
      .catch((e: Error) => e);
    expect(refused).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    const { data: after } = await vendor.getOne('licenses', { id: seeded.id });
    expect(after).toMatchObject({ seats: 2, status: 'ACTIVE', expiresAt: before.expiresAt });
  });

  it('creates products, resellers and staff, and disables staff (vendor admins)', async () => {
    const code = `dp-${randomBytes(3).toString('hex')}`;
    const { data: product } = await vendor.create('products', {
      data: { code, name: 'Data Provider Tools', leaseDays: '', remoteReleasesPerYear: 2, links: { website: 'https://example.com', support: '' } },
    });
    expect(product).toMatchObject({ code, leaseDays: null, remoteReleasesPerYear: 2, links: { website: 'https://example.com/', support: null } });
    expect((await vendor.getOne('products', { id: product.id })).data.code).toBe(code);

    const name = `DP Reseller ${randomBytes(3).toString('hex')}`;
    const { data: reseller } = await vendor.create('resellers', { data: { name } });
    expect((await vendor.getMany('resellers', { ids: [reseller.id] })).data).toEqual([reseller]);

    const { data: created } = await vendor.create('staff', { data: { email: `dp-${code}@example.com`, role: 'RESELLER_ADMIN', reseller: name } });
    expect(created.generatedPassword).toEqual(expect.any(String));
    expect(created.reseller).toMatchObject({ id: reseller.id });
    const { data: disabled } = await vendor.update('staff', { id: created.id, data: { disabled: true }, previousData: created });
    expect(disabled.disabledAt).toEqual(expect.any(String));

    await expect(resellerA.create('resellers', { data: { name: 'Not allowed' } })).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('changes the staff member’s own password, and a wrong current password is refused', async () => {
    const email = `pw-${randomBytes(4).toString('hex')}@example.com`;
    await t.app.services.staff.create('operator', { email, role: 'RESELLER_ADMIN', reseller: tenants.resellerA.name, password: STAFF_PASSWORD });
    const auth = () => createAuthProvider(createApi({ url: 'http://slotkeeper.test/graphql', token: () => null, fetch: inProcess }), memory());
    const tokens = memory();
    await createAuthProvider(createApi({ url: 'http://slotkeeper.test/graphql', token: tokens.token, fetch: inProcess }), tokens).login({ username: email, password: STAFF_PASSWORD });
    const mine = providerFor(tokens.token()!);
    const next = 'Another-Secret-2026!';
    await expect(mine.changeStaffPassword({ currentPassword: 'wrong', newPassword: next, newPasswordRepeat: next })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await mine.changeStaffPassword({ currentPassword: STAFF_PASSWORD, newPassword: next, newPasswordRepeat: next });
    await expect(auth().login({ username: email, password: STAFF_PASSWORD })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(auth().login({ username: email, password: next })).resolves.toBeUndefined();
  });
});

describe('tenant isolation through the provider', () => {
  it("a reseller admin's lists hold only their records, and another reseller's license is not found", async () => {
    const mine = await resellerA.getList('licenses', { ...all, sort: { field: 'createdAt', order: 'ASC' } });
    expect(mine.data.length).toBeGreaterThan(0);
    expect(mine.data.every((l) => l.reseller?.id === tenants.resellerA.id)).toBe(true);
    await expect(resellerB.getOne('licenses', { id: tenants.customerLicenseId })).rejects.toMatchObject({ status: 404 });
    await expect(resellerB.getOne('customers', { id: mine.data[0]!.customer.id })).rejects.toMatchObject({ status: 404 });
    const theirs = await resellerB.getList('activations', { ...all, sort: { field: 'activatedAt', order: 'ASC' }, filter: { licenseId: tenants.customerLicenseId } });
    expect(theirs.total).toBe(0);
    await expect(resellerB.delete('activations', { id: (await tenants.licenseOfA()).activationId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resellerA.getList('mail', { ...all, sort: { field: 'createdAt', order: 'ASC' } })).rejects.toMatchObject({ status: 403 });
  });
});
