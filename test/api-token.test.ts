// API tokens (machine-to-machine access, issue #14) and issueLicense's orderId: the CLI and GraphQL
// management with every failure code, tokens as Bearer on the admin API under the staff tenant rules,
// revocation, lastUsedAt throttling, and one license + one mail per order under concurrent repeats.
import { runCommand } from '@slotkeeper/api/operator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

const CREATE = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename ... on CreateApiTokenSuccess { token apiToken { id name role hint reseller { id name } lastUsedAt revokedAt createdBy { id } } }
  ... on Error { code message } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiToken(input: { id: $id }) {
  __typename ... on RevokeApiTokenSuccess { apiToken { id revokedAt } } ... on Error { code message } } }`;
const LIST = '{ apiTokens(first: 100) { totalCount edges { node { id name lastUsedAt } } } }';
const LICENSE = 'query($id: ID!) { license(id: $id) { id } }';
const LICENSES = '{ licenses(first: 1) { totalCount } }';
const ISSUE = `mutation($input: IssueLicenseInput!) { issueLicense(input: $input) {
  __typename ... on IssueLicenseSuccess { repeated newCustomer license { id seats orderId reseller { id } } }
  ... on OrderConflictError { orderId licenseId } ... on Error { code message } } }`;

const unique = () => Math.random().toString(36).slice(2, 10);

async function createAs(sessionToken: string | undefined, input: Record<string, unknown>) {
  const response = await t.gql(CREATE, { input }, sessionToken);
  expect(response.errors, JSON.stringify(response)).toBeUndefined();
  return response.data.createApiToken;
}

async function tokenOf(role: 'VENDOR_ADMIN' | 'RESELLER_ADMIN', reseller?: string) {
  const created = await createAs(tenants.tokens.vendor, { name: `test ${unique()}`, role, reseller });
  expect(created.__typename, JSON.stringify(created)).toBe('CreateApiTokenSuccess');
  return { id: created.apiToken.id as string, token: created.token as string };
}

describe('operator CLI', () => {
  it('token create prints the token once, token list shows it without the secret, token revoke stops it', async () => {
    const made = await runCommand(t.app, 'token create', { name: 'Zapier', role: 'reseller_admin', reseller: tenants.resellerA.name });
    expect(made).toMatchObject({ ok: true, result: { name: 'Zapier', role: 'RESELLER_ADMIN', reseller: tenants.resellerA.name, token: expect.stringMatching(/^skapi_[\w-]{43}$/) } });
    const { id, token } = (made.result as { id: string; token: string });
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.tokenHash).not.toContain(token.slice(6));
    expect(row).toMatchObject({ hint: token.slice(0, 10), createdById: null });

    const listed = await runCommand(t.app, 'token list', {});
    const mine = (listed.result as { id: string }[]).find((r) => r.id === id);
    expect(mine).toMatchObject({ name: 'Zapier', hint: token.slice(0, 10), revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(token);

    expect((await t.gql(LICENSE, { id: tenants.customerLicenseId }, token)).data.license).toEqual({ id: tenants.customerLicenseId });
    expect(await runCommand(t.app, 'token revoke', { id })).toMatchObject({ ok: true, result: { id, revokedAt: expect.any(Date) } });
    expect((await t.gql(LICENSE, { id: tenants.customerLicenseId }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect(await runCommand(t.app, 'token create', { name: 'x', role: 'RESELLER_ADMIN', reseller: `nobody ${unique()}` })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await runCommand(t.app, 'token create', { name: 'x', role: 'OWNER' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await runCommand(t.app, 'token create', { role: 'VENDOR_ADMIN' })).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await runCommand(t.app, 'token revoke', { id: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('createApiToken', () => {
  it('a vendor admin makes either role; a reseller admin only its own reseller; each refusal has its code', async () => {
    const { tokens, resellerA, resellerB } = tenants;
    const vendorMade = await createAs(tokens.vendor, { name: 'CRM sync', role: 'VENDOR_ADMIN' });
    expect(vendorMade).toMatchObject({ __typename: 'CreateApiTokenSuccess', apiToken: { role: 'VENDOR_ADMIN', reseller: null, lastUsedAt: null, createdBy: { id: tenants.staffIds.vendor } } });
    const ofA = await createAs(tokens.resellerA, { name: 'Shop', role: 'RESELLER_ADMIN' });
    expect(ofA).toMatchObject({ apiToken: { role: 'RESELLER_ADMIN', reseller: { id: resellerA.id } } });
    // Naming its own reseller is the same.
    expect(await createAs(tokens.resellerA, { name: 'Shop 2', role: 'RESELLER_ADMIN', reseller: resellerA.name })).toMatchObject({ apiToken: { reseller: { id: resellerA.id } } });

    const refusals: [string | undefined, Record<string, unknown>, string][] = [
      [undefined, { name: 'n', role: 'VENDOR_ADMIN' }, 'FORBIDDEN'],
      [tokens.customer, { name: 'n', role: 'VENDOR_ADMIN' }, 'FORBIDDEN'],
      // Never above one's own role.
      [tokens.resellerA, { name: 'n', role: 'VENDOR_ADMIN' }, 'FORBIDDEN'],
      // Another reseller, existing or not: the same answer.
      [tokens.resellerA, { name: 'n', role: 'RESELLER_ADMIN', reseller: resellerB.name }, 'INVALID_INPUT'],
      [tokens.resellerA, { name: 'n', role: 'RESELLER_ADMIN', reseller: `nobody ${unique()}` }, 'INVALID_INPUT'],
      [tokens.vendor, { name: 'n', role: 'RESELLER_ADMIN' }, 'INVALID_INPUT'],
      [tokens.vendor, { name: 'n', role: 'RESELLER_ADMIN', reseller: `nobody ${unique()}` }, 'NOT_FOUND'],
      [tokens.vendor, { name: 'n', role: 'VENDOR_ADMIN', reseller: resellerA.name }, 'INVALID_INPUT'],
      [tokens.vendor, { name: '  ', role: 'VENDOR_ADMIN' }, 'INVALID_INPUT'],
      [tokens.vendor, { name: 'x'.repeat(101), role: 'VENDOR_ADMIN' }, 'INVALID_INPUT'],
      // A token makes no tokens: a leaked one could mint more.
      [vendorMade.token, { name: 'n', role: 'VENDOR_ADMIN' }, 'FORBIDDEN'],
    ];
    for (const [token, input, code] of refusals) {
      const answer = await t.gql(CREATE, { input }, token);
      const outcome = answer.data?.createApiToken?.code ?? answer.errors?.[0]?.extensions?.code;
      expect(outcome, `${JSON.stringify(input)} → ${JSON.stringify(answer)}`).toBe(code);
    }
    const mint = await t.gql(CREATE, { input: { name: 'n', role: 'VENDOR_ADMIN' } }, vendorMade.token);
    expect(mint.data.createApiToken.message).toMatch(/API token cannot create API tokens/);
    const sameAnswer = async (reseller: string) => JSON.stringify(await t.gql(CREATE, { input: { name: 'n', role: 'RESELLER_ADMIN', reseller } }, tokens.resellerA));
    expect(await sameAnswer(resellerB.name)).toBe(await sameAnswer(`nobody ${unique()}`));
  });
});

describe('a token on the admin API', () => {
  it('acts as its role and reseller: a vendor token sees every tenant, a reseller token only its own', async () => {
    const ofA = await tenants.licenseOfA();
    const ofB = await t.seed.license();
    await t.app.database.prisma.license.update({ where: { id: ofB.id }, data: { resellerId: tenants.resellerB.id } });
    const vendor = await tokenOf('VENDOR_ADMIN');
    const a = await tokenOf('RESELLER_ADMIN', tenants.resellerA.name);
    const b = await tokenOf('RESELLER_ADMIN', tenants.resellerB.name);
    const sees = async (token: string, id: string) => (await t.gql(LICENSE, { id }, token)).data.license !== null;
    expect([await sees(vendor.token, ofA.id), await sees(vendor.token, ofB.id)]).toEqual([true, true]);
    expect([await sees(a.token, ofA.id), await sees(a.token, ofB.id)]).toEqual([true, false]);
    expect([await sees(b.token, ofA.id), await sees(b.token, ofB.id)]).toEqual([false, true]);
    // A vendor-only operation.
    expect((await t.gql('{ mailMessages(first: 1) { totalCount } }', {}, a.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql('{ mailMessages(first: 1) { totalCount } }', {}, vendor.token)).errors).toBeUndefined();
    // The token list: a reseller's tokens only.
    const listed = async (token: string) => (await t.gql(LIST, {}, token)).data.apiTokens.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(await listed(a.token)).toContain(a.id);
    expect(await listed(a.token)).not.toContain(b.id);
    expect(await listed(a.token)).not.toContain(vendor.id);
    expect(await listed(vendor.token)).toEqual(expect.arrayContaining([a.id, b.id, vendor.id]));
  });

  it('audit events name the token; the license it issues is its reseller\'s', async () => {
    const product = await t.seed.product();
    const a = await tokenOf('RESELLER_ADMIN', tenants.resellerA.name);
    const issued = await t.gql(ISSUE, { input: { email: `shop-${unique()}@example.com`, product: product.code, seats: 2, expiresAt: '2031-01-01T00:00:00Z' } }, a.token);
    expect(issued.data.issueLicense).toMatchObject({ __typename: 'IssueLicenseSuccess', license: { reseller: { id: tenants.resellerA.id } } });
    const event = await t.app.database.prisma.auditEvent.findFirstOrThrow({ where: { subject: `license:${issued.data.issueLicense.license.id}` } });
    expect(event).toMatchObject({ action: 'license.issued', resellerId: tenants.resellerA.id });
    expect(event.actor).toMatch(new RegExp(`^api-token:${a.id} \\(test `));
  });

  it('refuses what only a logged-in person does: log out, change the password', async () => {
    const vendor = await tokenOf('VENDOR_ADMIN');
    const logOut = await t.gql('mutation { staffLogOut { __typename ... on Error { code message } } }', {}, vendor.token);
    expect(logOut.data.staffLogOut).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/API token cannot log out/) });
    const change = await t.gql(
      'mutation { changeStaffPassword(input: { currentPassword: "x", newPassword: "Another-Secret-2027!", newPasswordRepeat: "Another-Secret-2027!" }) { __typename ... on Error { code message } } }',
      {},
      vendor.token,
    );
    expect(change.data.changeStaffPassword).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/API token cannot change a password/) });
    // Still working afterwards.
    expect((await t.gql(LICENSES, {}, vendor.token)).errors).toBeUndefined();
  });

  it('a revoked token, an unknown one and one whose maker is disabled are unauthenticated', async () => {
    const vendor = await tokenOf('VENDOR_ADMIN');
    expect((await t.gql(LICENSES, {}, vendor.token)).errors).toBeUndefined();
    const revoked = await t.gql(REVOKE, { id: vendor.id }, tenants.tokens.vendor);
    expect(revoked.data.revokeApiToken).toMatchObject({ __typename: 'RevokeApiTokenSuccess', apiToken: { id: vendor.id, revokedAt: expect.any(String) } });
    expect((await t.gql(LICENSES, {}, vendor.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(LICENSES, {}, `skapi_${'A'.repeat(43)}`)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const audited = await t.app.database.prisma.auditEvent.findMany({ where: { subject: `api-token:${vendor.id}` }, orderBy: { at: 'asc' } });
    expect(audited.map((e) => e.action)).toEqual(['api_token.created', 'api_token.revoked']);

    // Made by a reseller admin who is then disabled: it stops with them.
    const maker = await t.app.services.staff.create('operator', { email: `maker-${unique()}@example.com`, role: 'RESELLER_ADMIN', reseller: tenants.resellerA.name, password: 'Maker-Secret-2026!' });
    const session = (await t.app.services.staff.logIn(maker.staff.email, 'Maker-Secret-2026!')).token;
    const made = await createAs(session, { name: 'made by maker', role: 'RESELLER_ADMIN' });
    expect((await t.gql(LICENSES, {}, made.token)).errors).toBeUndefined();
    await t.gql('mutation($id: ID!) { disableStaff(input: { staffId: $id }) { __typename } }', { id: maker.staff.id }, tenants.tokens.vendor);
    expect((await t.gql(LICENSES, {}, made.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lastUsedAt is written at most once a minute', async () => {
    const vendor = await tokenOf('VENDOR_ADMIN');
    const lastUsed = async () => (await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: vendor.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await t.gql(LICENSES, {}, vendor.token);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    t.clock.advance(30_000);
    await Promise.all([1, 2, 3].map(() => t.gql(LICENSES, {}, vendor.token)));
    expect(await lastUsed()).toEqual(first);
    t.clock.advance(31_000);
    await t.gql(LICENSES, {}, vendor.token);
    const second = await lastUsed();
    expect(second!.getTime() - first!.getTime()).toBeGreaterThanOrEqual(60_000);
  });
});

describe('revokeApiToken', () => {
  it("refuses anonymous and customers, hides another reseller's token, and revoking twice changes nothing", async () => {
    const a = await tokenOf('RESELLER_ADMIN', tenants.resellerA.name);
    const code = async (id: string, token: string | undefined) => {
      const answer = await t.gql(REVOKE, { id }, token);
      return answer.data?.revokeApiToken?.code ?? answer.errors?.[0]?.extensions?.code ?? answer.data?.revokeApiToken?.__typename;
    };
    expect(await code(a.id, undefined)).toBe('FORBIDDEN');
    expect(await code(a.id, tenants.tokens.customer)).toBe('FORBIDDEN');
    expect(await code(a.id, tenants.tokens.resellerB)).toBe('NOT_FOUND');
    expect(await code('00000000-0000-4000-8000-000000000000', tenants.tokens.vendor)).toBe('NOT_FOUND');
    expect((await t.gql(LICENSES, {}, a.token)).errors).toBeUndefined();
    // A token may revoke itself (e.g. on a leak); then it is gone, and a second revocation keeps the first time.
    const first = (await t.gql(REVOKE, { id: a.id }, a.token)).data.revokeApiToken.apiToken.revokedAt;
    t.clock.advance(5_000);
    expect((await t.gql(REVOKE, { id: a.id }, tenants.tokens.resellerA)).data.revokeApiToken.apiToken.revokedAt).toBe(first);
    const audited = await t.app.database.prisma.auditEvent.count({ where: { subject: `api-token:${a.id}`, action: 'api_token.revoked' } });
    expect(audited).toBe(1);
  });
});

describe('issueLicense orderId', () => {
  const mailsTo = (email: string) => t.app.database.prisma.mailMessage.count({ where: { to: email } });

  it('a repeated order returns the same license and sends no second e-mail; other details are ORDER_CONFLICT', async () => {
    const product = await t.seed.product();
    const vendor = await tokenOf('VENDOR_ADMIN');
    const email = `order-${unique()}@example.com`;
    const input = { email, product: product.code, seats: 3, expiresAt: '2031-01-01T00:00:00Z', orderId: `ord-${unique()}` };
    const first = (await t.gql(ISSUE, { input }, vendor.token)).data.issueLicense;
    expect(first).toMatchObject({ __typename: 'IssueLicenseSuccess', repeated: false, newCustomer: true, license: { seats: 3, orderId: input.orderId } });
    // A shop's retry computes its expiry again: only e-mail, product and seats must match.
    const again = (await t.gql(ISSUE, { input: { ...input, email: email.toUpperCase(), expiresAt: '2031-01-02T00:00:00Z' } }, vendor.token)).data.issueLicense;
    expect(again).toMatchObject({ __typename: 'IssueLicenseSuccess', repeated: true, newCustomer: false, license: { id: first.license.id } });
    expect(await mailsTo(email)).toBe(1);

    const otherProduct = await t.seed.product();
    for (const change of [{ seats: 4 }, { product: otherProduct.code }, { email: `other-${unique()}@example.com` }]) {
      const conflict = (await t.gql(ISSUE, { input: { ...input, ...change } }, vendor.token)).data.issueLicense;
      expect(conflict, JSON.stringify(change)).toMatchObject({ code: 'ORDER_CONFLICT', orderId: input.orderId, licenseId: first.license.id });
    }
    expect(await t.app.database.prisma.license.count({ where: { orderId: input.orderId } })).toBe(1);
    expect(await mailsTo(email)).toBe(1);
    const bad = (await t.gql(ISSUE, { input: { ...input, orderId: ' ' } }, vendor.token)).data.issueLicense;
    expect(bad).toMatchObject({ code: 'INVALID_INPUT' });
    const forbidden = await t.gql(ISSUE, { input }, tenants.tokens.customer);
    expect(forbidden.data?.issueLicense?.code ?? forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('order numbers are per seller: reseller A, reseller B and the vendor each have their own', async () => {
    const product = await t.seed.product();
    const orderId = `shared-${unique()}`;
    const input = (email: string) => ({ email, product: product.code, seats: 1, expiresAt: '2031-01-01T00:00:00Z', orderId });
    const made = [];
    for (const token of [tenants.tokens.resellerA, tenants.tokens.resellerB, tenants.tokens.vendor]) {
      const answer = (await t.gql(ISSUE, { input: input(`seller-${unique()}@example.com`) }, token)).data.issueLicense;
      expect(answer).toMatchObject({ __typename: 'IssueLicenseSuccess', repeated: false });
      made.push(answer.license.id);
    }
    expect(new Set(made).size).toBe(3);
    // The operator's CLI shares the vendor's order numbers.
    const cli = await runCommand(t.app, 'license issue', { email: 'someone-else@example.com', product: product.code, seats: '1', expires: '2031-01-01', 'order-id': orderId });
    expect(cli).toMatchObject({ ok: false, error: { code: 'ORDER_CONFLICT' } });
  });

  it('concurrent repeats over HTTP make one license and one e-mail', async () => {
    const product = await t.seed.product();
    const vendor = await tokenOf('VENDOR_ADMIN');
    const { url } = await t.listen();
    const email = `race-${unique()}@example.com`;
    const input = { email, product: product.code, seats: 2, expiresAt: '2031-01-01T00:00:00Z', orderId: `race-${unique()}` };
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${vendor.token}` },
          body: JSON.stringify({ query: ISSUE, variables: { input } }),
        });
        return (await response.json()).data.issueLicense;
      }),
    );
    expect(answers.every((a) => a.__typename === 'IssueLicenseSuccess'), JSON.stringify(answers)).toBe(true);
    expect(new Set(answers.map((a) => a.license.id)).size).toBe(1);
    expect(answers.filter((a) => !a.repeated)).toHaveLength(1);
    expect(await t.app.database.prisma.license.count({ where: { orderId: input.orderId } })).toBe(1);
    expect(await mailsTo(email)).toBe(1);
    console.log(`orderId race: 8 concurrent requests → ${new Set(answers.map((a) => a.license.id)).size} license, ${answers.filter((a) => a.repeated).length} repeated, ${await mailsTo(email)} mail`);

    const cli = await runCommand(t.app, 'license issue', { email, product: product.code, seats: '2', expires: '2031-01-01', 'order-id': input.orderId });
    expect(cli).toMatchObject({ ok: true, result: { repeated: true, license: { id: answers[0].license.id } } });
    expect(await mailsTo(email)).toBe(1);
  });
});
