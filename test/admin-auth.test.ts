// The authorization matrix: every operation of the schema × every kind of caller, in-process and again
// over a real HTTP socket (headers, body and SSE through Node's HTTP server). An operation added to
// the schema without a row here fails the first test.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

type Role = 'vendor' | 'resellerA' | 'resellerB' | 'customer' | 'anonymous';
/** ok: allowed and sees reseller A's record; hidden: allowed, but A's record is not in the answer; */
type Outcome = 'ok' | 'hidden' | 'forbidden' | 'not_found';
const ROLES: Role[] = ['vendor', 'resellerA', 'resellerB', 'customer', 'anonymous'];
/**
 * API tokens act as staff of their role and reseller: each is expected to fare as the role it stands
 * for (a revoked token as anonymous) unless the row says otherwise in `tokens`. Reseller B's token is
 * the other tenant's (A's records hidden from it); test/api-token.test.ts checks A's token on A's own.
 */
type TokenRole = 'vendorToken' | 'resellerBToken' | 'revokedToken';
const TOKEN_ROLES: Record<TokenRole, Role> = { vendorToken: 'vendor', resellerBToken: 'resellerB', revokedToken: 'anonymous' };
const NO_TOKENS = { vendorToken: 'forbidden', resellerBToken: 'forbidden' } as const;

interface Fixture {
  license: Awaited<ReturnType<Tenants['licenseOfA']>>;
  tenants: Tenants;
}

interface Row {
  /** Operations not governed by a session (credentials or tokens in the input) say why. */
  public?: string;
  document?: string;
  variables?: (f: Fixture) => Record<string, unknown>;
  /** Runs before the call (as the vendor admin), e.g. to make an audited change. */
  prepare?: (f: Fixture) => Promise<unknown>;
  /** True when the answer contains reseller A's record (for reads), or the mutation took effect. */
  sees?: (data: any, f: Fixture) => boolean;
  expect?: Record<Role, Outcome>;
  /** Where an API token fares otherwise than the staff role it stands for. */
  tokens?: Partial<Record<TokenRole, Outcome>>;
}

const STAFF_ONLY_A = { vendor: 'ok', resellerA: 'ok', resellerB: 'not_found', customer: 'forbidden', anonymous: 'forbidden' } as const;
const STAFF_LIST_A = { vendor: 'ok', resellerA: 'ok', resellerB: 'hidden', customer: 'forbidden', anonymous: 'forbidden' } as const;
const VENDOR_ONLY = { vendor: 'ok', resellerA: 'forbidden', resellerB: 'forbidden', customer: 'forbidden', anonymous: 'forbidden' } as const;
const ANY_STAFF = { vendor: 'ok', resellerA: 'ok', resellerB: 'ok', customer: 'forbidden', anonymous: 'forbidden' } as const;

const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((e) => e.node.id);
const unique = () => Math.random().toString(36).slice(2, 8);

/** Per fixture license: a webhook endpoint of reseller A and one delivered event of it. */
const hooksOfA = new Map<string, { endpointId: string; deliveryId: string }>();

async function endpointOfA(f: Fixture) {
  const db = t.app.database.prisma;
  // Written directly: a closed local port, and already delivered, so no worker ever sends anything out.
  const endpoint = await db.webhookEndpoint.create({
    data: { url: 'http://127.0.0.1:9/hooks', events: ['license.created'], resellerId: f.tenants.resellerA.id, secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdA==' },
  });
  const event = await db.webhookEvent.create({ data: { type: 'license.created', resellerId: f.tenants.resellerA.id, payload: {} } });
  const delivery = await db.webhookDelivery.create({ data: { endpointId: endpoint.id, eventId: event.id, status: 'DELIVERED', attempts: 1 } });
  hooksOfA.set(f.license.id, { endpointId: endpoint.id, deliveryId: delivery.id });
}
/** Per fixture license: an API token of reseller A (made by the operator). */
const apiTokensOfA = new Map<string, string>();

async function apiTokenOfA(f: Fixture) {
  const { apiToken } = await t.app.services.apiTokens.create('operator', { name: 'matrix', role: 'RESELLER_ADMIN', reseller: f.tenants.resellerA.name });
  apiTokensOfA.set(f.license.id, apiToken.id);
}
/** The throw-away reseller each mergeResellers case folds into reseller A, by the fixture's license. */
const mergedSourceIds = new Map<string, string>();
/** The message each openMailMessage case opens, by the fixture's license. */
const openedMailIds = new Map<string, string>();

const MATRIX: Record<string, Row> = {
  // Plug-in operations: the caller proves itself with credentials or a machine token in the input.
  activateMachine: { public: 'login + password in the input' },
  deactivateMachine: { public: 'machine token or login + password in the input' },
  renewToken: { public: 'machine token in the input' },
  logIn: { public: 'credentials in the input' },
  staffLogIn: { public: 'credentials in the input' },
  requestPasswordReset: { public: 'answers alike for every e-mail' },
  resetPassword: { public: 'reset code in the input' },
  changePassword: { public: 'current password in the input' },
  startTrial: { public: 'no login: a machine asks for its one trial of a product' },

  myLicenses: {
    document: '{ myLicenses { id } }',
    sees: (d, f) => d.myLicenses.some((l: { id: string }) => l.id === f.tenants.customerLicenseId),
    expect: { vendor: 'forbidden', resellerA: 'forbidden', resellerB: 'forbidden', customer: 'ok', anonymous: 'forbidden' },
  },
  releaseActivation: {
    document: 'mutation($id: ID!) { releaseActivation(input: { activationId: $id }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.activationId }),
    // The customer's session is of another license of reseller A: someone else's machine is NOT_FOUND.
    expect: { vendor: 'forbidden', resellerA: 'forbidden', resellerB: 'forbidden', customer: 'not_found', anonymous: 'forbidden' },
  },
  viewer: {
    document: '{ viewer { id role } }',
    sees: (d) => d.viewer !== null,
    expect: { vendor: 'ok', resellerA: 'ok', resellerB: 'ok', customer: 'hidden', anonymous: 'hidden' },
    // The viewer is a staff account; a token is none.
    tokens: { vendorToken: 'hidden', resellerBToken: 'hidden' },
  },
  licenses: {
    document: 'query($email: String) { licenses(first: 100, filter: { customerEmail: $email }) { totalCount edges { node { id } } } }',
    variables: (f) => ({ email: f.license.email }),
    sees: (d, f) => ids(d.licenses).includes(f.license.id) && d.licenses.totalCount === 1,
    expect: STAFF_LIST_A,
  },
  license: {
    document: 'query($id: ID!) { license(id: $id) { id seatsUsed customer { email } } }',
    variables: (f) => ({ id: f.license.id }),
    sees: (d) => d.license !== null,
    expect: { ...STAFF_ONLY_A, resellerB: 'hidden' },
  },
  activations: {
    document: 'query($id: ID!) { activations(first: 100, filter: { licenseId: $id }) { totalCount edges { node { id } } } }',
    variables: (f) => ({ id: f.license.id }),
    sees: (d, f) => ids(d.activations).includes(f.license.activationId),
    expect: STAFF_LIST_A,
  },
  customers: {
    document: 'query($q: String) { customers(first: 100, filter: { q: $q }) { totalCount edges { node { id } } } }',
    variables: (f) => ({ q: f.license.email }),
    sees: (d, f) => ids(d.customers).includes(f.license.customerId),
    expect: STAFF_LIST_A,
  },
  customer: {
    document: 'query($id: ID!) { customer(id: $id) { id licenses { id } } }',
    variables: (f) => ({ id: f.license.customerId }),
    sees: (d) => d.customer !== null,
    expect: { ...STAFF_ONLY_A, resellerB: 'hidden' },
  },
  resellers: {
    document: '{ resellers(first: 500) { edges { node { id } } } }',
    sees: (d, f) => ids(d.resellers).includes(f.tenants.resellerA.id),
    expect: STAFF_LIST_A,
  },
  staffUsers: {
    document: '{ staffUsers(first: 500) { edges { node { id } } } }',
    sees: (d, f) => ids(d.staffUsers).includes(f.tenants.staffIds.resellerA),
    expect: STAFF_LIST_A,
  },
  auditEvents: {
    document: 'query($s: String) { auditEvents(first: 100, filter: { subject: $s }) { edges { node { id action } } } }',
    variables: (f) => ({ s: `license:${f.license.id}` }),
    prepare: (f) =>
      t.gql('mutation($id: ID!) { changeLicenseExpiry(input: { licenseId: $id, expiresAt: "2032-01-01T00:00:00Z" }) { __typename } }', { id: f.license.id }, f.tenants.tokens.vendor),
    sees: (d) => d.auditEvents.edges.some((e: { node: { action: string } }) => e.node.action === 'license.expiry_changed'),
    expect: STAFF_LIST_A,
  },
  mailMessages: { document: '{ mailMessages(first: 1) { totalCount } }', expect: VENDOR_ONLY },
  // Trials are the vendor's leads: no reseller sold anything yet.
  trials: { document: '{ trials(first: 1) { totalCount } }', expect: VENDOR_ONLY },
  trial: { document: '{ trial(id: "00000000-0000-4000-8000-000000000000") { id } }', expect: VENDOR_ONLY },
  mailDelivery: {
    document: '{ mailDelivery { configured held } }',
    // Whether mail is sent, for every staff member; how much is held only for those who may open it.
    sees: (d) => d.mailDelivery.held !== null,
    expect: { vendor: 'ok', resellerA: 'hidden', resellerB: 'hidden', customer: 'forbidden', anonymous: 'forbidden' },
  },
  openMailMessage: {
    document: 'mutation($id: ID!) { openMailMessage(input: { id: $id }) { __typename ... on Error { code } } }',
    prepare: async (f) => {
      const row = await t.app.database.prisma.mailMessage.create({
        data: { to: f.license.email, template: 'license-issued', status: 'HELD', data: { email: f.license.email, productName: 'P', productCode: f.license.product, seats: 1, expiresAt: '2030-01-01T00:00:00Z' } },
      });
      openedMailIds.set(f.license.id, row.id);
    },
    variables: (f) => ({ id: openedMailIds.get(f.license.id) }),
    expect: VENDOR_ONLY,
  },
  products: { document: '{ products { id code } }', expect: ANY_STAFF },
  seatUsage: {
    document: '{ seatUsage(days: 7) { byProduct { key } history { day seatsUsed activations denied } resellerHistory { key history { activations } } } }',
    // Every staff member has figures; reseller A's own series only in the vendor's and A's.
    sees: (d, f) => d.seatUsage.resellerHistory.some((s: { key: string }) => s.key === f.tenants.resellerA.id),
    expect: STAFF_LIST_A,
  },
  issueLicense: {
    document: `mutation($email: String!, $product: String!) {
      issueLicense(input: { email: $email, product: $product, seats: 1, expiresAt: "2030-01-01T00:00:00Z" }) { __typename ... on Error { code } } }`,
    variables: (f) => ({ email: f.license.email, product: f.license.product }),
    // The reseller belongs to the license: B sells to A's customer too (see "reseller per license").
    expect: ANY_STAFF,
  },
  changeLicenseSeats: {
    document: 'mutation($id: ID!) { changeLicenseSeats(input: { licenseId: $id, seats: 4 }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.id }),
    expect: STAFF_ONLY_A,
  },
  changeLicenseExpiry: {
    document: 'mutation($id: ID!) { changeLicenseExpiry(input: { licenseId: $id, expiresAt: "2031-01-01T00:00:00Z" }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.id }),
    expect: STAFF_ONLY_A,
  },
  setLicenseStatus: {
    document: 'mutation($id: ID!) { setLicenseStatus(input: { licenseId: $id, action: SUSPEND }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.id }),
    expect: STAFF_ONLY_A,
  },
  updateLicense: {
    document: 'mutation($id: ID!) { updateLicense(input: { licenseId: $id, seats: 4, expiresAt: "2031-01-01T00:00:00Z" }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.id }),
    expect: STAFF_ONLY_A,
  },
  adminReleaseActivation: {
    document: 'mutation($id: ID!) { adminReleaseActivation(input: { activationId: $id }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.activationId }),
    expect: STAFF_ONLY_A,
  },
  resendCredentials: {
    document: 'mutation($id: ID!) { resendCredentials(input: { customerId: $id }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.customerId }),
    expect: STAFF_ONLY_A,
  },
  sendPasswordReset: {
    document: 'mutation($id: ID!) { sendPasswordReset(input: { customerId: $id }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.customerId }),
    expect: STAFF_ONLY_A,
  },
  clearLoginLockout: {
    document: 'mutation($id: ID!) { clearLoginLockout(input: { customerId: $id }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.customerId }),
    expect: STAFF_ONLY_A,
  },
  createStaff: {
    document: `mutation($email: String!, $reseller: String!) {
      createStaff(input: { email: $email, role: RESELLER_ADMIN, reseller: $reseller }) { __typename ... on Error { code } } }`,
    variables: (f) => ({ email: `new-${unique()}@example.com`, reseller: f.tenants.resellerA.name }),
    expect: VENDOR_ONLY,
  },
  disableStaff: {
    document: 'mutation($id: ID!) { disableStaff(input: { staffId: $id }) { __typename ... on Error { code } } }',
    variables: () => ({ id: '__victim__' }),
    expect: { vendor: 'ok', resellerA: 'forbidden', resellerB: 'not_found', customer: 'forbidden', anonymous: 'forbidden' },
  },
  createReseller: {
    document: 'mutation($name: String!) { createReseller(input: { name: $name }) { __typename ... on Error { code } } }',
    variables: () => ({ name: `Reseller ${unique()}` }),
    expect: VENDOR_ONLY,
  },
  renameReseller: {
    // Renamed to its own name: allowed callers change nothing the other rows rely on.
    document: 'mutation($id: ID!, $name: String!) { renameReseller(input: { resellerId: $id, name: $name }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.tenants.resellerA.id, name: f.tenants.resellerA.name }),
    expect: STAFF_ONLY_A,
  },
  mergeResellers: {
    document: 'mutation($source: ID!, $target: ID!) { mergeResellers(input: { sourceId: $source, targetId: $target }) { __typename ... on Error { code } } }',
    prepare: async (f) => {
      const source = await t.app.database.prisma.reseller.create({ data: { name: `Merged ${unique()}` } });
      mergedSourceIds.set(f.license.id, source.id);
    },
    variables: (f) => ({ source: mergedSourceIds.get(f.license.id), target: f.tenants.resellerA.id }),
    expect: VENDOR_ONLY,
  },
  updateCustomer: {
    document: 'mutation($id: ID!, $email: String!) { updateCustomer(input: { customerId: $id, email: $email }) { __typename ... on Error { code } } }',
    variables: (f) => ({ id: f.license.customerId, email: `moved-${unique()}@example.com` }),
    expect: VENDOR_ONLY,
  },
  createProduct: {
    document: 'mutation($code: String!) { createProduct(input: { code: $code, name: "P" }) { __typename ... on Error { code } } }',
    variables: () => ({ code: `p-${unique()}` }),
    expect: VENDOR_ONLY,
  },
  updateProduct: {
    document: `mutation($code: String!) { updateProduct(input: { code: $code, name: "Renamed", links: { website: "https://vendor.example" } }) {
      __typename ... on UpdateProductSuccess { product { name links { website } } } ... on Error { code } } }`,
    variables: (f) => ({ code: f.license.product }),
    sees: (d) => d.updateProduct.product.name === 'Renamed' && d.updateProduct.product.links.website === 'https://vendor.example/',
    expect: VENDOR_ONLY,
  },
  staffLogOut: {
    document: 'mutation { staffLogOut { __typename ... on Error { code } } }',
    expect: ANY_STAFF,
    tokens: NO_TOKENS,
  },
  changeStaffPassword: {
    document: `mutation { changeStaffPassword(input: { currentPassword: "wrong-password-here", newPassword: "New-Staff-Secret-1", newPasswordRepeat: "New-Staff-Secret-1" }) { __typename ... on Error { code } } }`,
    // A wrong current password proves the caller got past authorization to the password check.
    expect: { vendor: 'ok', resellerA: 'ok', resellerB: 'ok', customer: 'forbidden', anonymous: 'forbidden' },
    tokens: NO_TOKENS,
  },
  apiTokens: {
    document: '{ apiTokens(first: 500) { totalCount edges { node { id } } } }',
    prepare: apiTokenOfA,
    sees: (d, f) => ids(d.apiTokens).includes(apiTokensOfA.get(f.license.id)!),
    expect: STAFF_LIST_A,
  },
  createApiToken: {
    document: `mutation($reseller: String!) {
      createApiToken(input: { name: "matrix", role: RESELLER_ADMIN, reseller: $reseller }) { __typename ... on Error { code } } }`,
    // B naming A gets INVALID_INPUT, past authorization; a token makes no tokens.
    variables: (f) => ({ reseller: f.tenants.resellerA.name }),
    expect: ANY_STAFF,
    tokens: NO_TOKENS,
  },
  revokeApiToken: {
    document: 'mutation($id: ID!) { revokeApiToken(input: { id: $id }) { __typename ... on Error { code } } }',
    prepare: apiTokenOfA,
    variables: (f) => ({ id: apiTokensOfA.get(f.license.id) }),
    expect: STAFF_ONLY_A,
  },
  webhookEndpoints: {
    document: '{ webhookEndpoints(first: 500) { totalCount edges { node { id } } } }',
    prepare: endpointOfA,
    sees: (d, f) => ids(d.webhookEndpoints).includes(hooksOfA.get(f.license.id)!.endpointId),
    expect: STAFF_LIST_A,
  },
  webhookEndpoint: {
    document: 'query($id: ID!) { webhookEndpoint(id: $id) { id url } }',
    prepare: endpointOfA,
    variables: (f) => ({ id: hooksOfA.get(f.license.id)!.endpointId }),
    sees: (d) => d.webhookEndpoint !== null,
    expect: { ...STAFF_ONLY_A, resellerB: 'hidden' },
  },
  webhookDeliveries: {
    document: 'query($id: ID!) { webhookDeliveries(first: 100, filter: { endpointId: $id }) { totalCount edges { node { id } } } }',
    prepare: endpointOfA,
    variables: (f) => ({ id: hooksOfA.get(f.license.id)!.endpointId }),
    sees: (d, f) => ids(d.webhookDeliveries).includes(hooksOfA.get(f.license.id)!.deliveryId),
    expect: STAFF_LIST_A,
  },
  createWebhookEndpoint: {
    document: `mutation($reseller: String!) {
      createWebhookEndpoint(input: { url: "http://127.0.0.1:9/hooks", events: [LICENSE_CREATED], reseller: $reseller }) { __typename ... on Error { code } } }`,
    // A reseller admin's endpoint is its own reseller's whatever it names; the vendor's is A's (not every tenant's).
    variables: (f) => ({ reseller: f.tenants.resellerA.name }),
    expect: ANY_STAFF,
  },
  updateWebhookEndpoint: {
    document: 'mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { __typename ... on Error { code } } }',
    prepare: endpointOfA,
    variables: (f) => ({ id: hooksOfA.get(f.license.id)!.endpointId }),
    expect: STAFF_ONLY_A,
  },
  deleteWebhookEndpoint: {
    document: 'mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { __typename ... on Error { code } } }',
    prepare: endpointOfA,
    variables: (f) => ({ id: hooksOfA.get(f.license.id)!.endpointId }),
    expect: STAFF_ONLY_A,
  },
  rotateWebhookSecret: {
    document: 'mutation($id: ID!) { rotateWebhookSecret(input: { id: $id }) { __typename ... on Error { code } } }',
    prepare: endpointOfA,
    variables: (f) => ({ id: hooksOfA.get(f.license.id)!.endpointId }),
    expect: STAFF_ONLY_A,
  },
  resendWebhookDelivery: {
    document: 'mutation($id: ID!) { resendWebhookDelivery(input: { deliveryId: $id }) { __typename ... on Error { code } } }',
    prepare: endpointOfA,
    variables: (f) => ({ id: hooksOfA.get(f.license.id)!.deliveryId }),
    expect: STAFF_ONLY_A,
  },
  slotUsageChanged: { public: 'covered per role in the subscription test below' },
};

type Transport = 'in-process' | 'http';
const TRANSPORTS: Transport[] = ['in-process', 'http'];

let t: TestApp;
let tenants: Tenants;
let httpUrl: string;
/** A bearer API token per token role: vendor, reseller B, and a revoked one. */
const apiTokens = {} as Record<TokenRole, string>;
beforeAll(async () => {
  // Webhook endpoints in the matrix point at a closed local port.
  t = await startTestApp({ config: { webhooks: { retryBaseSeconds: 30, timeoutSeconds: 1, allowPrivate: true } } });
  tenants = await setUpTenants(t);
  httpUrl = (await t.listen()).url;
  const make = (role: 'VENDOR_ADMIN' | 'RESELLER_ADMIN', reseller?: string) =>
    t.app.services.apiTokens.create('operator', { name: `matrix ${role}`, role, reseller });
  apiTokens.vendorToken = (await make('VENDOR_ADMIN')).token;
  apiTokens.resellerBToken = (await make('RESELLER_ADMIN', tenants.resellerB.name)).token;
  const revoked = await make('VENDOR_ADMIN');
  await t.app.services.apiTokens.revoke('operator', revoked.apiToken.id);
  apiTokens.revokedToken = revoked.token;
});

/** A request to /graphql through yoga in-process, or through the listening socket. */
async function fetchOver(transport: Transport, init: RequestInit): Promise<Response> {
  return transport === 'http' ? fetch(`${httpUrl}/graphql`, init) : await t.app.yoga.fetch('http://slotkeeper.test/graphql', init);
}

async function gqlOver(transport: Transport, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetchOver(transport, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}
afterAll(() => t?.close());

function classify(response: { data?: any; errors?: { extensions?: { code?: string } }[] }, field: string): Outcome | 'error' | 'ok-raw' {
  const code = response.errors?.[0]?.extensions?.code;
  if (code === 'FORBIDDEN') return 'forbidden';
  if (code === 'NOT_FOUND') return 'not_found';
  if (response.errors?.length) return 'error';
  const value = response.data?.[field];
  if (value && typeof value === 'object' && 'code' in value) {
    if (value.code === 'FORBIDDEN') return 'forbidden';
    if (value.code === 'NOT_FOUND') return 'not_found';
    // Any other typed error (e.g. INVALID_CREDENTIALS) means authorization let the call through.
    return 'ok-raw';
  }
  return 'ok-raw';
}

it('every query, mutation and subscription has a rule', async () => {
  const { data } = await t.gql(getIntrospectionQuery());
  const roots = ['Query', 'Mutation', 'Subscription'].map((name) => data.__schema.types.find((ty: { name: string }) => ty.name === name));
  const operations = roots.flatMap((root) => root.fields.map((f: { name: string }) => f.name)).sort();
  expect(operations.filter((name: string) => !(name in MATRIX))).toEqual([]);
  expect(Object.keys(MATRIX).filter((name) => !operations.includes(name))).toEqual([]);
});

// API tokens take the same path from the Authorization header on: in-process suffices for them.
const rolesOver = (transport: Transport): (Role | TokenRole)[] =>
  transport === 'http' ? ROLES : [...ROLES, ...(Object.keys(TOKEN_ROLES) as TokenRole[])];

describe.each(TRANSPORTS)('over %s', (transport) => {
  describe.each(Object.entries(MATRIX).filter(([, row]) => !row.public))('%s', (field, row) => {
    it.each(rolesOver(transport))('as %s', async (role) => {
      const license = await tenants.licenseOfA();
      const fixture: Fixture = { license, tenants };
      await row.prepare?.(fixture);
      let variables = row.variables?.(fixture) ?? {};
      const isToken = role in TOKEN_ROLES;
      let token: string | undefined = isToken ? apiTokens[role as TokenRole] : role === 'anonymous' ? undefined : tenants.tokens[role as Exclude<Role, 'anonymous'>];
      if (field === 'disableStaff') {
        const victim = await t.app.services.staff.create('operator', { email: `victim-${unique()}@example.com`, role: 'RESELLER_ADMIN', reseller: tenants.resellerA.name });
        variables = { id: victim.staff.id };
      }
      if ((field === 'staffLogOut' || field === 'changeStaffPassword') && !isToken) {
        // These end or change the caller's own session: use a throw-away session of the same person.
        token = role === 'anonymous' || role === 'customer' ? token : await freshStaffSession(role as 'vendor' | 'resellerA' | 'resellerB');
      }
      const response = await gqlOver(transport, row.document!, variables, token);
      const outcome = classify(response, field);
      expect(outcome, JSON.stringify(response)).not.toBe('error');
      const expected = isToken
        ? (row.tokens?.[role as TokenRole] ?? row.expect![TOKEN_ROLES[role as TokenRole]])
        : row.expect![role as Role];
      if (outcome === 'ok-raw') {
        const seen = row.sees ? row.sees(response.data, fixture) : true;
        expect(seen ? 'ok' : 'hidden', JSON.stringify(response)).toBe(expected);
      } else {
        expect(outcome, JSON.stringify(response)).toBe(expected);
      }
    });
  });
});

async function freshStaffSession(role: 'vendor' | 'resellerA' | 'resellerB'): Promise<string> {
  const staff = await t.app.database.prisma.staffUser.findUniqueOrThrow({ where: { id: tenants.staffIds[role] } });
  return (await t.app.services.staff.logIn(staff.email, 'Staff-Secret-2026!')).token;
}

describe.each(TRANSPORTS)('slotUsageChanged over %s', (transport) => {
  const SUB = 'subscription($id: ID) { slotUsageChanged(licenseId: $id) { licenseId } }';
  async function subscribe(token: string | undefined, licenseId: string | null) {
    const response = await fetchOver(transport, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: SUB, variables: { id: licenseId } }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 1_500;
    // A refusal arrives as the first event; an accepted subscription stays open without data.
    while (Date.now() < deadline && !text.includes('\n\n')) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 300))]);
      if (chunk && !chunk.done) text += decoder.decode(chunk.value);
    }
    await reader.cancel();
    const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
    return code === 'FORBIDDEN' ? 'forbidden' : code === 'NOT_FOUND' ? 'not_found' : 'ok';
  }

  it('admits each caller to what they may see', async () => {
    const license = await tenants.licenseOfA();
    const { tokens } = tenants;
    expect(await subscribe(tokens.vendor, null)).toBe('ok');
    expect(await subscribe(tokens.resellerB, null)).toBe('ok');
    expect(await subscribe(tokens.vendor, license.id)).toBe('ok');
    expect(await subscribe(tokens.resellerA, license.id)).toBe('ok');
    expect(await subscribe(tokens.resellerB, license.id)).toBe('not_found');
    expect(await subscribe(tokens.customer, license.id)).toBe('not_found');
    expect(await subscribe(tokens.customer, null)).toBe('forbidden');
    expect(await subscribe(undefined, null)).toBe('forbidden');
    expect(await subscribe(undefined, license.id)).toBe('forbidden');
  });
});

describe('reseller per license', () => {
  const ISSUE = `mutation($email: String!, $product: String!, $reseller: String) {
    issueLicense(input: { email: $email, product: $product, seats: 50, expiresAt: "2030-01-01T00:00:00Z", reseller: $reseller }) {
      __typename ... on IssueLicenseSuccess { newCustomer license { id seats reseller { id name } customer { id } } } ... on Error { code message } } }`;
  const CUSTOMER = 'query($id: ID!) { customer(id: $id) { id licenseCount licenses { id reseller { id } } } }';
  const LICENSE = 'query($id: ID!) { license(id: $id) { id reseller { id } } }';
  const SEATS = 'mutation($id: ID!) { changeLicenseSeats(input: { licenseId: $id, seats: 1 }) { __typename ... on Error { code message } } }';
  const SUSPEND = 'mutation($id: ID!) { setLicenseStatus(input: { licenseId: $id, action: SUSPEND }) { __typename ... on Error { code message } } }';
  const as = async (role: 'vendor' | 'resellerA' | 'resellerB', query: string, variables: Record<string, unknown>) => {
    const response = await t.gql(query, variables, tenants.tokens[role]);
    expect(response.errors, JSON.stringify(response)).toBeUndefined();
    return response.data;
  };
  const licenseIds = (customer: { licenses: { id: string }[] } | null) => customer?.licenses.map((l) => l.id).sort();

  it("the vendor issues to reseller A's customer for reseller B: the license is B's, B sees only it, A neither sees nor changes it", async () => {
    const ofA = await tenants.licenseOfA();
    const issued = (await as('vendor', ISSUE, { email: ofA.email, product: ofA.product, reseller: tenants.resellerB.name })).issueLicense;
    expect(issued).toMatchObject({ __typename: 'IssueLicenseSuccess', newCustomer: false, license: { seats: 50, reseller: tenants.resellerB } });
    const ofB = issued.license.id as string;
    expect(issued.license.customer.id).toBe(ofA.customerId);
    expect(await t.app.database.prisma.auditEvent.findFirstOrThrow({ where: { subject: `license:${ofB}` } })).toMatchObject({ resellerId: tenants.resellerB.id });

    // B: the license, and the customer with only B's license.
    expect((await as('resellerB', LICENSE, { id: ofB })).license).toEqual({ id: ofB, reseller: { id: tenants.resellerB.id } });
    const seenByB = (await as('resellerB', CUSTOMER, { id: ofA.customerId })).customer;
    expect(licenseIds(seenByB)).toEqual([ofB]);
    expect(seenByB.licenseCount).toBe(1);
    const customersOfB = await as('resellerB', 'query($q: String) { customers(first: 10, filter: { q: $q }) { edges { node { id } } } }', { q: ofA.email });
    expect(ids(customersOfB.customers)).toEqual([ofA.customerId]);
    const licensesOfB = await as('resellerB', 'query($e: String) { licenses(first: 10, filter: { customerEmail: $e }) { edges { node { id } } } }', { e: ofA.email });
    expect(ids(licensesOfB.licenses)).toEqual([ofB]);

    // A: still its own license only; B's is not found, and cannot be cut or suspended.
    expect((await as('resellerA', LICENSE, { id: ofB })).license).toBeNull();
    expect(licenseIds((await as('resellerA', CUSTOMER, { id: ofA.customerId })).customer)).toEqual([ofA.id]);
    expect((await as('resellerA', SEATS, { id: ofB })).changeLicenseSeats).toMatchObject({ code: 'NOT_FOUND' });
    expect((await as('resellerA', SUSPEND, { id: ofB })).setLicenseStatus).toMatchObject({ code: 'NOT_FOUND' });
    const untouched = await t.app.database.prisma.license.findUniqueOrThrow({ where: { id: ofB } });
    expect(untouched).toMatchObject({ seats: 50, status: 'ACTIVE', resellerId: tenants.resellerB.id });

    // The vendor sees both.
    expect(licenseIds((await as('vendor', CUSTOMER, { id: ofA.customerId })).customer)).toEqual([ofA.id, ofB].sort());
  });

  it("reseller B's own issueLicense to A's customer's e-mail is B's license, answered as for a customer new to B", async () => {
    const ofA = await tenants.licenseOfA();
    // B names another reseller: ignored, a reseller admin sells for their own.
    const issued = (await as('resellerB', ISSUE, { email: ofA.email.toUpperCase(), product: ofA.product, reseller: tenants.resellerA.name })).issueLicense;
    expect(issued).toMatchObject({ __typename: 'IssueLicenseSuccess', newCustomer: true, license: { reseller: tenants.resellerB } });
    expect(issued.license.customer.id).toBe(ofA.customerId);
    expect(licenseIds((await as('resellerA', CUSTOMER, { id: ofA.customerId })).customer)).toEqual([ofA.id]);
    expect(licenseIds((await as('resellerB', CUSTOMER, { id: ofA.customerId })).customer)).toEqual([issued.license.id]);
    // The existing login keeps its password: no credentials mail, a notice.
    const mails = await t.app.database.prisma.mailMessage.findMany({ where: { to: ofA.email } });
    expect(mails.map((m) => m.template)).toEqual(['license-issued']);
    // A second license of B to the same login: now an existing customer of B.
    const again = (await as('resellerB', ISSUE, { email: ofA.email, product: ofA.product })).issueLicense;
    expect(again).toMatchObject({ newCustomer: false, license: { reseller: tenants.resellerB } });
  });

  it("another reseller's customer answers exactly like one that does not exist", async () => {
    const ofA = await tenants.licenseOfA();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const answer = async (role: 'resellerB', query: string, id: string) => JSON.stringify(await as(role, query, { id }));
    for (const [query, subject] of [
      [CUSTOMER, ofA.customerId],
      ['mutation($id: ID!) { resendCredentials(input: { customerId: $id }) { __typename ... on Error { code message } } }', ofA.customerId],
      ['mutation($id: ID!) { sendPasswordReset(input: { customerId: $id }) { __typename ... on Error { code message } } }', ofA.customerId],
      [LICENSE, ofA.id],
      [SEATS, ofA.id],
      [SUSPEND, ofA.id],
    ] as const) {
      expect(await answer('resellerB', query, subject)).toBe(await answer('resellerB', query, unknown));
    }
  });
});
