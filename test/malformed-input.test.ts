// Input that once reached the database or a parser as an unexpected error (HTTP 500 or a masked
// "Unexpected error."), found by the fuzzer (test/stress/fuzz.test.ts): each must get a clear code.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

const request = (path: string, init: RequestInit = {}) => t.app.yoga.fetch(`http://slotkeeper.test${path}`, init);

it('refuses variables or extensions that are not JSON, over GET and form posts, with 400', async () => {
  const query = encodeURIComponent('{ __typename }');
  const answers = [
    await request(`/graphql?query=${query}&variables=${encodeURIComponent('{"input":')}`, { headers: { accept: 'application/json' } }),
    await request(`/graphql?query=${query}&extensions=not-json`, { headers: { accept: 'application/json' } }),
    await request('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `query=${query}&variables=%7B`,
    }),
  ];
  for (const answer of answers) {
    expect(answer.status).toBe(400);
    expect((await answer.json()).errors[0]).toMatchObject({
      message: 'The "variables" and "extensions" parameters must be JSON objects.',
      extensions: { code: 'BAD_REQUEST' },
    });
  }
});

it('refuses the NUL character in variables and literals before it reaches the database', async () => {
  const license = await tenants.licenseOfA();
  const before = await t.app.database.prisma.customer.findUniqueOrThrow({ where: { id: license.customerId } });
  const cases: [string, Record<string, unknown>][] = [
    ['mutation($id: ID!) { resendCredentials(input: { customerId: $id }) { __typename } }', { id: `${license.customerId}\u0000` }],
    ['query($e: String) { licenses(first: 5, filter: { customerEmail: $e }) { totalCount } }', { e: 'a\u0000b' }],
    ['query { customer(id: "x\\u0000") { id } }', {}],
    ['mutation($i: ActivateMachineInput!) { activateMachine(input: $i) { __typename } }', {
      i: { email: license.email, password: `${license.password}\u0000`, product: license.product, fingerprint: 'f', machineName: 'm', osUser: 'u' },
    }],
  ];
  for (const [query, variables] of cases) {
    const response = await t.gql(query, variables, tenants.tokens.vendor);
    expect(response.errors?.[0], JSON.stringify(response)).toMatchObject({
      message: 'Text may not contain the NUL character (U+0000).',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  // Nothing ran: the customer's password (which resendCredentials would change) is untouched.
  const after = await t.app.database.prisma.customer.findUniqueOrThrow({ where: { id: license.customerId } });
  expect(after.passwordHash).toBe(before.passwordHash);
});

it('answers dates at the ends of the JavaScript range without an unexpected error', async () => {
  const license = await tenants.licenseOfA();
  for (const expiresAt of ['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00.000Z']) {
    const response = await t.gql(
      'mutation($id: ID!, $at: DateTime!) { changeLicenseExpiry(input: { licenseId: $id, expiresAt: $at }) { __typename ... on Error { code message } } }',
      { id: license.id, at: expiresAt },
      tenants.tokens.vendor,
    );
    expect(JSON.stringify(response), expiresAt).not.toContain('Unexpected error.');
    expect(response.errors ?? response.data?.changeLicenseExpiry, expiresAt).toBeDefined();
  }
});
