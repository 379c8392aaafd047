// Support sees and clears the failed-login lock-out of a customer or staff member (issue #11).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { LOG_IN } from './support/operations.ts';
import { PASSWORD } from './support/seed.ts';
import { STAFF_PASSWORD, type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

const LOCKOUT = 'loginLockout { locked lockedUntil failedAttempts }';
const CUSTOMER = `query($id: ID!) { customer(id: $id) { ${LOCKOUT} } }`;
const STAFF = `query($q: String!) { staffUsers(first: 5, filter: { q: $q }) { edges { node { id ${LOCKOUT} } } } }`;
const CLEAR = `mutation($input: ClearLoginLockoutInput!) { clearLoginLockout(input: $input) {
  __typename
  ... on ClearLoginLockoutSuccess { customer { id ${LOCKOUT} } staff { id ${LOCKOUT} } }
  ... on Error { code message } } }`;
const RESEND = 'mutation($id: ID!) { resendCredentials(input: { customerId: $id }) { __typename ... on Error { code message } } }';
const STAFF_LOG_IN = `mutation($email: String!, $password: String!) {
  staffLogIn(input: { email: $email, password: $password }) { __typename ... on Error { code } } }`;

const logIn = (app: TestApp, email: string, password: string) => app.gql(LOG_IN, { email, password }).then((r) => r.data.logIn);
const staffLogIn = (app: TestApp, email: string, password: string) =>
  app.gql(STAFF_LOG_IN, { email, password }).then((r) => r.data.staffLogIn);

/** Five wrong passwords: the sixth attempt, even with the right one, is refused. */
async function lockOut(attempt: (password: string) => Promise<{ __typename: string; code?: string }>, right: string) {
  for (let i = 0; i < 5; i++) expect((await attempt(`wrong password ${i}`)).code).toBe('INVALID_CREDENTIALS');
  expect((await attempt(right)).code).toBe('RATE_LIMITED');
}

function expectLocked(lockout: { locked: boolean; lockedUntil: string | null; failedAttempts: number }) {
  expect(lockout).toMatchObject({ locked: true, failedAttempts: 5 });
  const until = new Date(lockout.lockedUntil!).getTime();
  expect(until).toBeGreaterThan(Date.now());
  expect(until).toBeLessThanOrEqual(Date.now() + 61_000);
}

const lastAudit = (subject: string) =>
  t.app.database.prisma.auditEvent.findFirstOrThrow({ where: { subject }, orderBy: { at: 'desc' } });

/** Where the failed-login counters live: this process, or Redis shared by two api instances. */
const LIMITERS = [
  { name: 'in memory', redis: false },
  { name: 'in Redis, locked on one instance and cleared on another', redis: true },
] as const;

describe.each(LIMITERS)('counters $name', ({ redis }) => {
  let locking: TestApp;
  let clearing: TestApp;
  beforeAll(async () => {
    if (!redis) {
      locking = clearing = t;
      return;
    }
    if (!process.env.REDIS_URL) return;
    const config = { redisUrl: process.env.REDIS_URL };
    locking = await startTestApp({ database: t.app.database, config });
    clearing = await startTestApp({ database: t.app.database, config });
  });
  afterAll(async () => {
    if (!redis) return;
    await clearing?.close();
    await locking?.close();
  });

  it.skipIf(redis && !process.env.REDIS_URL)('a locked-out customer shows the lock to staff and logs in again once a reseller admin clears it', async () => {
    const license = await tenants.licenseOfA();
    const before = await clearing.gql(CUSTOMER, { id: license.customerId }, tenants.tokens.resellerA);
    expect(before.data.customer.loginLockout).toEqual({ locked: false, lockedUntil: null, failedAttempts: 0 });

    await lockOut((password) => logIn(locking, license.email, password), PASSWORD);
    const shown = await clearing.gql(CUSTOMER, { id: license.customerId }, tenants.tokens.resellerA);
    expectLocked(shown.data.customer.loginLockout);

    const cleared = await clearing.gql(CLEAR, { input: { customerId: license.customerId } }, tenants.tokens.resellerA);
    expect(cleared.data.clearLoginLockout).toEqual({
      __typename: 'ClearLoginLockoutSuccess',
      customer: { id: license.customerId, loginLockout: { locked: false, lockedUntil: null, failedAttempts: 0 } },
      staff: null,
    });
    expect((await logIn(locking, license.email, PASSWORD)).__typename).toBe('LogInSuccess');

    const event = await lastAudit(`customer:${license.customerId}`);
    expect(event).toMatchObject({ action: 'customer.login_lockout_cleared', resellerId: tenants.resellerA.id });
    expect(event.actor).toContain('reseller_admin');
    expect(event.data).toMatchObject({ before: { failedAttempts: 5 }, after: { failedAttempts: 0, lockedUntil: null } });
  });

  it.skipIf(redis && !process.env.REDIS_URL)('a locked-out staff member shows the lock to vendor admins and logs in again once one clears it', async () => {
    const email = `locked-${randomBytes(4).toString('hex')}@example.com`;
    const { staff } = await t.app.services.staff.create('operator', { email, role: 'RESELLER_ADMIN', reseller: tenants.resellerA.name, password: STAFF_PASSWORD });
    await lockOut((password) => staffLogIn(locking, email, password), STAFF_PASSWORD);

    const shown = await clearing.gql(STAFF, { q: email }, tenants.tokens.vendor);
    expectLocked(shown.data.staffUsers.edges[0].node.loginLockout);
    // Reseller admins see their own staff, not their lock-out.
    const toReseller = await clearing.gql(STAFF, { q: email }, tenants.tokens.resellerA);
    expect(toReseller.data.staffUsers.edges).toEqual([{ node: { id: staff.id, loginLockout: null } }]);

    const cleared = await clearing.gql(CLEAR, { input: { staffId: staff.id } }, tenants.tokens.vendor);
    expect(cleared.data.clearLoginLockout).toMatchObject({
      __typename: 'ClearLoginLockoutSuccess',
      customer: null,
      staff: { id: staff.id, loginLockout: { locked: false, failedAttempts: 0 } },
    });
    expect((await staffLogIn(locking, email, STAFF_PASSWORD)).__typename).toBe('StaffLogInSuccess');
    expect(await lastAudit(`staff:${staff.id}`)).toMatchObject({ action: 'staff.login_lockout_cleared', resellerId: tenants.resellerA.id });
  });
});

describe('clearLoginLockout refuses', () => {
  const clear = (input: Record<string, unknown>, token?: string) => t.gql(CLEAR, { input }, token).then((r) => r.data.clearLoginLockout);

  it('FORBIDDEN to customers and anonymous callers, and the lock stays', async () => {
    const license = await tenants.licenseOfA();
    await lockOut((password) => logIn(t, license.email, password), PASSWORD);
    expect(await clear({ customerId: license.customerId }, tenants.tokens.customer)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await clear({ customerId: license.customerId })).toMatchObject({ code: 'FORBIDDEN' });
    expect((await logIn(t, license.email, PASSWORD)).code).toBe('RATE_LIMITED');
  });

  it("FORBIDDEN to reseller admins for a staff member, even their reseller's own", async () => {
    expect(await clear({ staffId: tenants.staffIds.resellerA }, tenants.tokens.resellerA)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it("NOT_FOUND for another reseller's customer, byte for byte the answer for an unknown one and for other foreign records; the lock stays", async () => {
    const license = await tenants.licenseOfA();
    await lockOut((password) => logIn(t, license.email, password), PASSWORD);
    const foreign = await clear({ customerId: license.customerId }, tenants.tokens.resellerB);
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(JSON.stringify(await clear({ customerId: 'no-such-customer' }, tenants.tokens.resellerB))).toBe(JSON.stringify(foreign));
    const resend = await t.gql(RESEND, { id: license.customerId }, tenants.tokens.resellerB);
    expect(JSON.stringify(resend.data.resendCredentials)).toBe(JSON.stringify(foreign));
    const hidden = await t.gql(CUSTOMER, { id: license.customerId }, tenants.tokens.resellerB);
    expect(hidden.data.customer).toBeNull();
    expect((await logIn(t, license.email, PASSWORD)).code).toBe('RATE_LIMITED');
  });

  it('NOT_FOUND for an unknown staff member', async () => {
    expect(await clear({ staffId: 'no-such-staff' }, tenants.tokens.vendor)).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('INVALID_INPUT for both ids or neither', async () => {
    const license = await tenants.licenseOfA();
    expect(await clear({ customerId: license.customerId, staffId: tenants.staffIds.resellerA }, tenants.tokens.vendor)).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await clear({}, tenants.tokens.vendor)).toMatchObject({ code: 'INVALID_INPUT' });
  });
});
