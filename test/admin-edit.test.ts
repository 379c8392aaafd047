// What the dashboard's edit views call: a customer's login e-mail, a reseller's name (unique whatever
// its case), merging two resellers. Each mutation's effect, its refusals (every failure code), its
// audit event and the tenant rules.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { LOG_IN } from './support/operations.ts';
import { PASSWORD } from './support/seed.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

const db = () => t.app.database.prisma;
const tag = () => randomBytes(4).toString('hex');
type Role = keyof Tenants['tokens'];

async function call(role: Role | null, field: string, query: string, variables: Record<string, unknown>) {
  const response = await t.gql(query, variables, role ? tenants.tokens[role] : undefined);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data[field];
}

const UPDATE_CUSTOMER = `mutation($id: ID!, $email: String!) { updateCustomer(input: { customerId: $id, email: $email }) {
  __typename ... on UpdateCustomerSuccess { customer { id email } } ... on InvalidInputError { field } ... on Error { code message } } }`;
const RENAME = `mutation($id: ID!, $name: String!) { renameReseller(input: { resellerId: $id, name: $name }) {
  __typename ... on RenameResellerSuccess { reseller { id name } } ... on InvalidInputError { field } ... on Error { code message } } }`;
const CREATE_RESELLER = `mutation($name: String!) { createReseller(input: { name: $name }) {
  __typename ... on CreateResellerSuccess { reseller { id name } } ... on InvalidInputError { field } ... on Error { code message } } }`;
const MERGE = `mutation($source: ID!, $target: ID!) { mergeResellers(input: { sourceId: $source, targetId: $target }) {
  __typename ... on MergeResellersSuccess { reseller { id name licenseCount staffCount } movedLicenses movedStaff movedWebhookEndpoints }
  ... on InvalidInputError { field } ... on Error { code message } } }`;

describe('updateCustomer', () => {
  it("changes a login's e-mail: the new one logs in, the old one no longer does and is told by mail; audited", async () => {
    const license = await tenants.licenseOfA();
    const to = `moved-${tag()}@example.com`;
    const updated = await call('vendor', 'updateCustomer', UPDATE_CUSTOMER, { id: license.customerId, email: `  ${to.toUpperCase()} ` });
    expect(updated).toEqual({ __typename: 'UpdateCustomerSuccess', customer: { id: license.customerId, email: to } });
    expect((await t.gql(LOG_IN, { email: to, password: PASSWORD })).data.logIn.__typename).toBe('LogInSuccess');
    expect((await t.gql(LOG_IN, { email: license.email, password: PASSWORD })).data.logIn.code).toBe('INVALID_CREDENTIALS');
    const [mail] = await db().mailMessage.findMany({ where: { to: license.email, template: 'email-changed' } });
    expect(mail).toBeDefined();
    const text = t.app.mailWorker.render(mail!).text;
    expect(text).toContain(`the login ${license.email} was changed to ${to}`);
    const event = await db().auditEvent.findFirstOrThrow({ where: { subject: `customer:${license.customerId}`, action: 'customer.email_changed' } });
    expect(event.data).toEqual({ before: { email: license.email }, after: { email: to } });
  });

  it('refuses a malformed or taken e-mail (INVALID_INPUT on email), an unknown customer (NOT_FOUND), reseller admins and customers (FORBIDDEN)', async () => {
    const license = await tenants.licenseOfA();
    const other = await tenants.licenseOfA();
    expect(await call('vendor', 'updateCustomer', UPDATE_CUSTOMER, { id: license.customerId, email: 'not-an-address' })).toMatchObject({ code: 'INVALID_INPUT', field: 'email' });
    expect(await call('vendor', 'updateCustomer', UPDATE_CUSTOMER, { id: license.customerId, email: other.email })).toEqual({
      __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'email', message: `Another login already uses ${other.email}.`,
    });
    expect(await call('vendor', 'updateCustomer', UPDATE_CUSTOMER, { id: '00000000-0000-0000-0000-000000000000', email: `x-${tag()}@example.com` })).toMatchObject({ code: 'NOT_FOUND' });
    // A login spans every reseller that sold it a license: even its own reseller's admin may not move it.
    for (const role of ['resellerA', 'resellerB', 'customer'] as const) {
      expect(await call(role, 'updateCustomer', UPDATE_CUSTOMER, { id: license.customerId, email: `x-${tag()}@example.com` }), role).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await call(null, 'updateCustomer', UPDATE_CUSTOMER, { id: license.customerId, email: `x-${tag()}@example.com` })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await db().customer.findUniqueOrThrow({ where: { id: license.customerId } })).email).toBe(license.email);
    expect(await db().mailMessage.count({ where: { to: license.email, template: 'email-changed' } })).toBe(0);
  });
});

describe('reseller names', () => {
  it('are unique whatever their case: create and rename refuse "acme" beside "ACME"; staff and licenses given another case join the existing one', async () => {
    const name = `ACME ${tag()}`;
    const created = await call('vendor', 'createReseller', CREATE_RESELLER, { name });
    expect(created.__typename).toBe('CreateResellerSuccess');
    expect(await call('vendor', 'createReseller', CREATE_RESELLER, { name: name.toLowerCase() })).toEqual({
      __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'name', message: `A reseller "${name}" already exists (names are compared without case).`,
    });
    const other = await call('vendor', 'createReseller', CREATE_RESELLER, { name: `Other ${tag()}` });
    expect(await call('vendor', 'renameReseller', RENAME, { id: other.reseller.id, name: ` ${name.toUpperCase()} ` })).toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    // The free-text paths (CLI --reseller, createStaff, issueLicense) find it instead of making a twin.
    const { staff } = await t.app.services.staff.create('operator', { email: `acme-${tag()}@example.com`, role: 'RESELLER_ADMIN', reseller: name.toLowerCase() });
    expect(staff.resellerId).toBe(created.reseller.id);
    const product = (await t.seed.product()).code;
    const issued = await t.app.services.licenses.issue('operator', { email: `acme-buyer-${tag()}@example.com`, product, seats: 1, expiresAt: new Date(Date.now() + 86_400_000), reseller: name.toUpperCase() });
    expect(issued.license.resellerId).toBe(created.reseller.id);
    expect(await db().reseller.count({ where: { name: { equals: name, mode: 'insensitive' } } })).toBe(1);
  });

  it('a vendor admin renames any reseller, a reseller admin their own; audited; another reseller is NOT_FOUND, an empty name INVALID_INPUT', async () => {
    const mine = await tenants.licenseOfA();
    const renamedTo = `${tenants.resellerA.name} GmbH`;
    expect(await call('resellerA', 'renameReseller', RENAME, { id: tenants.resellerA.id, name: renamedTo })).toEqual({
      __typename: 'RenameResellerSuccess', reseller: { id: tenants.resellerA.id, name: renamedTo },
    });
    const event = await db().auditEvent.findFirstOrThrow({ where: { subject: `reseller:${tenants.resellerA.id}`, action: 'reseller.renamed' } });
    expect(event).toMatchObject({ resellerId: tenants.resellerA.id, data: { before: { name: tenants.resellerA.name }, after: { name: renamedTo } } });
    expect((await db().license.findUniqueOrThrow({ where: { id: mine.id }, include: { reseller: true } })).reseller?.name).toBe(renamedTo);
    expect(await call('vendor', 'renameReseller', RENAME, { id: tenants.resellerA.id, name: tenants.resellerA.name })).toMatchObject({ __typename: 'RenameResellerSuccess' });

    // Reseller B can't tell A's reseller from one that doesn't exist.
    const foreign = await call('resellerB', 'renameReseller', RENAME, { id: tenants.resellerA.id, name: `Taken over ${tag()}` });
    const unknown = await call('resellerB', 'renameReseller', RENAME, { id: '00000000-0000-0000-0000-000000000000', name: `Taken over ${tag()}` });
    expect(foreign).toEqual(unknown);
    expect(foreign).toMatchObject({ code: 'NOT_FOUND' });
    expect(await call('vendor', 'renameReseller', RENAME, { id: tenants.resellerA.id, name: '   ' })).toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    expect(await call('vendor', 'renameReseller', RENAME, { id: tenants.resellerA.id, name: 'x'.repeat(101) })).toMatchObject({ code: 'INVALID_INPUT', field: 'name' });
    for (const role of ['customer', null] as const) {
      expect(await call(role, 'renameReseller', RENAME, { id: tenants.resellerA.id, name: `Nope ${tag()}` })).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await db().reseller.findUniqueOrThrow({ where: { id: tenants.resellerA.id } })).name).toBe(tenants.resellerA.name);
  });

  it('two concurrent renames to the same name in different case: one wins, the other is INVALID_INPUT', async () => {
    const first = await db().reseller.create({ data: { name: `Race one ${tag()}` } });
    const second = await db().reseller.create({ data: { name: `Race two ${tag()}` } });
    const target = `Race target ${tag()}`;
    const answers = await Promise.all([
      call('vendor', 'renameReseller', RENAME, { id: first.id, name: target }),
      call('vendor', 'renameReseller', RENAME, { id: second.id, name: target.toUpperCase() }),
    ]);
    expect(answers.map((a) => a.__typename).sort()).toEqual(['InvalidInputError', 'RenameResellerSuccess']);
    expect(await db().reseller.count({ where: { name: { equals: target, mode: 'insensitive' } } })).toBe(1);
  });
});

describe('mergeResellers', () => {
  it("moves the source's licenses, staff, webhook endpoints and history to the target and deletes it; its admin then works in the target", async () => {
    const source = await call('vendor', 'createReseller', CREATE_RESELLER, { name: `acme ${tag()}` });
    const sourceId: string = source.reseller.id;
    const admin = `merged-admin-${tag()}@example.com`;
    await t.app.services.staff.create('operator', { email: admin, role: 'RESELLER_ADMIN', reseller: source.reseller.name, password: 'Merged-Admin-2026!' });
    const license = await tenants.licenseOfA();
    await db().license.update({ where: { id: license.id }, data: { resellerId: sourceId } });
    await db().webhookEndpoint.create({ data: { url: 'http://127.0.0.1:9/hook', events: [], resellerId: sourceId, secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdA==' } });
    const { token } = await t.app.services.staff.logIn(admin, 'Merged-Admin-2026!');

    const merged = await call('vendor', 'mergeResellers', MERGE, { source: sourceId, target: tenants.resellerB.id });
    expect(merged).toMatchObject({ __typename: 'MergeResellersSuccess', reseller: { id: tenants.resellerB.id, name: tenants.resellerB.name }, movedLicenses: 1, movedStaff: 1, movedWebhookEndpoints: 1 });
    expect(await db().reseller.findUnique({ where: { id: sourceId } })).toBeNull();
    expect((await db().license.findUniqueOrThrow({ where: { id: license.id } })).resellerId).toBe(tenants.resellerB.id);
    // The source's history (its creation) now shows in the target's audit log.
    expect(await db().auditEvent.count({ where: { subject: `reseller:${sourceId}`, resellerId: tenants.resellerB.id } })).toBeGreaterThan(0);
    const event = await db().auditEvent.findFirstOrThrow({ where: { action: 'reseller.merged', subject: `reseller:${tenants.resellerB.id}` }, orderBy: { at: 'desc' } });
    expect(event.data).toMatchObject({ before: { id: sourceId, name: source.reseller.name }, moved: { licenses: 1, staff: 1, webhookEndpoints: 1 } });
    // The moved admin's open session sees the target's licenses at once.
    const seen = await t.gql('query($id: ID!) { license(id: $id) { id reseller { id } } }', { id: license.id }, token);
    expect(seen.data.license).toEqual({ id: license.id, reseller: { id: tenants.resellerB.id } });
  });

  it('refuses merging a reseller into itself (INVALID_INPUT), an unknown one (NOT_FOUND), and anyone but vendor admins (FORBIDDEN)', async () => {
    const source = await db().reseller.create({ data: { name: `Merge refused ${tag()}` } });
    expect(await call('vendor', 'mergeResellers', MERGE, { source: source.id, target: source.id })).toMatchObject({ code: 'INVALID_INPUT', field: 'targetId' });
    const missing = '00000000-0000-0000-0000-000000000000';
    expect(await call('vendor', 'mergeResellers', MERGE, { source: missing, target: source.id })).toMatchObject({ code: 'NOT_FOUND', message: 'There is no such reseller to merge.' });
    expect(await call('vendor', 'mergeResellers', MERGE, { source: source.id, target: missing })).toMatchObject({ code: 'NOT_FOUND', message: 'There is no such reseller to merge into.' });
    // Even into their own reseller: merging is the vendor's.
    for (const role of ['resellerA', 'resellerB', 'customer', null] as const) {
      expect(await call(role, 'mergeResellers', MERGE, { source: source.id, target: tenants.resellerA.id }), String(role)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await db().reseller.findUnique({ where: { id: source.id } })).not.toBeNull();
  });
});
