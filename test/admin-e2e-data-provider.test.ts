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
  // Webhook endpoints made here point at a closed local port.
  t = await startTestApp({ config: { webhooks: { retryBaseSeconds: 30, timeoutSeconds: 1, allowPrivate: true } } });
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
      url: 'hooks',
      endpointId: 'nope',
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
      data: { code, name: 'Data Provider Tools', leaseSeconds: '', remoteReleasesPerYear: 2, links: { website: 'https://example.com', support: '' } },
    });
    expect(product).toMatchObject({ code, leaseSeconds: null, remoteReleasesPerYear: 2, links: { website: 'https://example.com/', support: null } });
    // The seat policy as the form takes it: durations typed as the CLI writes them, codes separated by commas.
    const { data: policy } = await vendor.create('products', {
      data: { code: `${code}-p`, name: 'Policy Tools', leaseSeconds: '30m', maxBorrowSeconds: '7d', revivalWindowSeconds: 'none', overagePercent: '50', trialSeconds: '14d', entitlements: 'ifc-export, batch' },
    });
    expect(policy).toMatchObject({ leaseSeconds: 1800, maxBorrowSeconds: 7 * 86_400, revivalWindowSeconds: null, overagePercent: 50, trialSeconds: 14 * 86_400, entitlements: ['ifc-export', 'batch'] });
    await expect(vendor.create('products', { data: { code: `${code}-x`, name: 'Bad', leaseSeconds: '1w' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
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

  it('edits a product (only what changed), a customer e-mail and a reseller name; an INVALID_INPUT comes back as the field\'s form error', async () => {
    const code = `dpe-${randomBytes(3).toString('hex')}`;
    const { data: product } = await vendor.create('products', { data: { code, name: 'Before', leaseSeconds: '10d', entitlements: 'batch', remoteReleasesPerYear: 3, links: { website: 'https://example.com' } } });
    expect(product).toMatchObject({ leaseSeconds: 10 * 86_400, entitlements: ['batch'] });
    const { data: edited } = await vendor.update('products', { id: product.id, data: { ...product, name: 'After', leaseSeconds: 'none', entitlements: '', links: { ...product.links, website: '' } }, previousData: product });
    expect(edited).toMatchObject({ code, name: 'After', leaseSeconds: null, entitlements: [], remoteReleasesPerYear: 3, links: { website: null } });
    const badLink = await vendor.update('products', { id: product.id, data: { ...edited, links: { ...edited.links, support: 'ftp://nope' } }, previousData: edited }).catch((e: Error) => e);
    expect(badLink).toMatchObject({ code: 'INVALID_INPUT', body: { errors: { 'links.support': expect.stringContaining('http') } } });

    const seeded = await tenants.licenseOfA();
    const to = `dpe-${randomBytes(3).toString('hex')}@example.com`;
    const { data: customer } = await vendor.getOne('customers', { id: seeded.customerId });
    expect((await vendor.update('customers', { id: customer.id, data: { ...customer, email: to }, previousData: customer })).data).toMatchObject({ id: customer.id, email: to });
    // The old address is free again; another login's is taken, and said so under the field.
    expect((await vendor.update('customers', { id: customer.id, data: { email: seeded.email }, previousData: { ...customer, email: to } })).data.email).toBe(seeded.email);
    const other = await tenants.licenseOfA();
    const taken = await vendor.update('customers', { id: customer.id, data: { email: other.email }, previousData: customer }).catch((e: Error) => e);
    expect(taken).toMatchObject({ code: 'INVALID_INPUT', body: { errors: { email: `Another login already uses ${other.email}.` } } });
    const malformed = await vendor.update('customers', { id: customer.id, data: { email: 'nope' }, previousData: customer }).catch((e: Error) => e);
    expect(malformed).toMatchObject({ code: 'INVALID_INPUT', body: { errors: { email: 'Enter a valid e-mail address.' } } });
    await expect(resellerA.update('customers', { id: customer.id, data: { email: `x${to}` }, previousData: customer })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const { data: twin } = await vendor.create('resellers', { data: { name: `${tenants.resellerA.name} twin` } });
    const clash = await vendor.update('resellers', { id: twin.id, data: { name: tenants.resellerA.name.toUpperCase() }, previousData: twin }).catch((e: Error) => e);
    expect(clash).toMatchObject({ code: 'INVALID_INPUT', body: { errors: { name: expect.stringContaining('already exists') } } });
    expect(await vendor.mergeResellers(twin.id, tenants.resellerA.id)).toMatchObject({ movedLicenses: 0, movedStaff: 0 });
    await expect(vendor.getOne('resellers', { id: twin.id })).rejects.toMatchObject({ status: 404 });
  });

  it("sorts licenses by seats in use, and a license's history holds its machines' admin releases", async () => {
    const seeded = await tenants.licenseOfA();
    await vendor.delete('activations', { id: seeded.activationId, meta: { note: 'lost laptop' } });
    const history = await vendor.getList('audit', { pagination: { page: 1, perPage: 20 }, sort: { field: 'at', order: 'DESC' }, filter: { licenseId: seeded.id } });
    expect(history.data.map((e) => e.action)).toContain('activation.released');
    expect(history.data.find((e) => e.action === 'activation.released')!.data).toContain('lost laptop');
    const sorted = await resellerA.getList('licenses', { pagination: { page: 1, perPage: 500 }, sort: { field: 'seatsUsed', order: 'DESC' }, filter: {} });
    const used = sorted.data.map((l) => l.seatsUsed);
    expect(used.length).toBeGreaterThan(1);
    expect(used).toEqual(used.toSorted((a, b) => b - a));
    expect(sorted.data.map((l) => l.id)).toContain(seeded.id);
  });

  it("manages a reseller's webhook endpoints: secret shown once, pause, rotate, delivery log, send again, remove", async () => {
    const { data: endpoint } = await resellerA.create('webhooks', { data: { url: 'http://127.0.0.1:9/hooks', events: ['SLOT_DENIED'] } });
    expect(endpoint).toMatchObject({ url: 'http://127.0.0.1:9/hooks', events: ['SLOT_DENIED'], enabled: true, reseller: { id: tenants.resellerA.id } });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await resellerA.getOne('webhooks', { id: endpoint.id })).data).not.toHaveProperty('secret');
    await expect(resellerB.getOne('webhooks', { id: endpoint.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { data: paused } = await resellerA.update('webhooks', { id: endpoint.id, data: { ...endpoint, enabled: false }, previousData: endpoint });
    expect(paused).toMatchObject({ enabled: false, url: endpoint.url });
    const rotated = await resellerA.rotateWebhookSecret(endpoint.id);
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(endpoint.secret);

    const db = t.app.database.prisma;
    const event = await db.webhookEvent.create({ data: { type: 'slot.denied', resellerId: tenants.resellerA.id, payload: {} } });
    const delivery = await db.webhookDelivery.create({ data: { endpointId: endpoint.id, eventId: event.id, status: 'FAILED', attempts: 14 } });
    await db.webhookAttempt.create({ data: { deliveryId: delivery.id, attempt: 14, statusCode: 500, error: 'HTTP 500', durationMs: 12 } });
    const log = await resellerA.getManyReference('webhookDeliveries', {
      target: 'endpointId',
      id: endpoint.id,
      pagination: { page: 1, perPage: 25 },
      sort: { field: 'createdAt', order: 'DESC' },
      filter: {},
    });
    expect(log.data).toEqual([expect.objectContaining({ id: delivery.id, eventType: 'slot.denied', status: 'FAILED', log: [expect.objectContaining({ statusCode: 500, durationMs: 12 })] })]);
    await expect(resellerB.resendWebhookDelivery(delivery.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await resellerA.resendWebhookDelivery(delivery.id);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: 'PENDING', attempts: 0 });

    await resellerA.delete('webhooks', { id: endpoint.id, previousData: endpoint });
    await expect(resellerA.getOne('webhooks', { id: endpoint.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
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
