// What staff do: each action's effect, its refusals, and its audit event.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, LOG_IN, RENEW, machine } from './support/operations.ts';
import { PASSWORD } from './support/seed.ts';
import { post, subscribeSlots, untilLive } from './support/subscriptions.ts';
import { STAFF_PASSWORD, type Tenants, setUpTenants } from './support/tenants.ts';

let t: TestApp;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

const db = () => t.app.database.prisma;
const as = (role: keyof Tenants['tokens'], query: string, variables: Record<string, unknown> = {}) =>
  t.gql(query, variables, tenants.tokens[role]).then((r) => {
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data;
  });
const lastAudit = (subject: string) => db().auditEvent.findFirstOrThrow({ where: { subject }, orderBy: { at: 'desc' } });

const SEATS = `mutation($id: ID!, $seats: Int!, $release: [ID!]) {
  changeLicenseSeats(input: { licenseId: $id, seats: $seats, releaseActivationIds: $release }) {
    __typename ... on ChangeLicenseSeatsSuccess { license { seats seatsUsed } } ... on Error { code message } } }`;
const STATUS = `mutation($id: ID!, $action: LicenseAction!) {
  setLicenseStatus(input: { licenseId: $id, action: $action }) { __typename ... on SetLicenseStatusSuccess { license { status } } ... on Error { code message } } }`;

describe('licenses', () => {
  it('issueLicense by a reseller admin creates the customer with a license of their reseller, queues the credentials e-mail and audits', async () => {
    const email = `shop-${randomBytes(4).toString('hex')}@example.com`;
    const product = (await t.seed.product()).code;
    const data = await as(
      'resellerA',
      `mutation($email: String!, $product: String!) { issueLicense(input: { email: $email, product: $product, seats: 2, expiresAt: "2030-06-30T00:00:00Z" }) {
        __typename ... on IssueLicenseSuccess { newCustomer license { id seats reseller { id } customer { email } } } ... on Error { code message } } }`,
      { email, product },
    );
    expect(data.issueLicense).toMatchObject({ newCustomer: true, license: { seats: 2, reseller: { id: tenants.resellerA.id }, customer: { email } } });
    const mail = await db().mailMessage.findFirstOrThrow({ where: { to: email } });
    expect(mail.template).toBe('credentials');
    const event = await lastAudit(`license:${data.issueLicense.license.id}`);
    expect(event).toMatchObject({ action: 'license.issued', resellerId: tenants.resellerA.id });
    expect(event.actor).toContain('reseller_admin');
  });

  it('changeLicenseSeats refuses to go below the seats in use unless machines are released in the same change', async () => {
    const license = await tenants.licenseOfA();
    const second = await t.gql(ACTIVATE, { input: machine(license, 'second-pc') });
    const secondId = second.data.activateMachine.activation.id;

    const refused = await as('resellerA', SEATS, { id: license.id, seats: 1 });
    expect(refused.changeLicenseSeats).toMatchObject({ code: 'INVALID_INPUT' });
    expect(refused.changeLicenseSeats.message).toContain('2 seats are in use');
    expect((await db().license.findUniqueOrThrow({ where: { id: license.id } })).seats).toBe(3);

    const done = await as('resellerA', SEATS, { id: license.id, seats: 1, release: [secondId] });
    expect(done.changeLicenseSeats).toMatchObject({ license: { seats: 1, seatsUsed: 1 } });
    expect(await db().activation.findUniqueOrThrow({ where: { id: secondId } })).toMatchObject({ releaseReason: 'ADMIN_RELEASE' });
    const renewed = await t.gql(RENEW, { token: second.data.activateMachine.token });
    expect(renewed.data.renewToken.code).toBe('SLOT_RELEASED');
    const event = await lastAudit(`license:${license.id}`);
    expect(event.action).toBe('license.seats_changed');
    expect(event.data).toMatchObject({ before: { seats: 3 }, after: { seats: 1 }, released: [secondId] });

    const another = await as('resellerA', SEATS, { id: license.id, seats: 1, release: [license.activationId, 'not-an-activation'] });
    expect(another.changeLicenseSeats.code).toBe('INVALID_INPUT');
    expect((await db().activation.findUniqueOrThrow({ where: { id: license.activationId } })).releasedAt).toBeNull();
  });

  it('suspend refuses activations until resume; revoke is final', async () => {
    const license = await tenants.licenseOfA();
    expect((await as('resellerA', STATUS, { id: license.id, action: 'SUSPEND' })).setLicenseStatus.license.status).toBe('SUSPENDED');
    expect((await t.gql(ACTIVATE, { input: machine(license, 'x') })).data.activateMachine.code).toBe('LICENSE_SUSPENDED');
    expect((await as('resellerA', STATUS, { id: license.id, action: 'RESUME' })).setLicenseStatus.license.status).toBe('ACTIVE');
    expect((await t.gql(ACTIVATE, { input: machine(license, 'x') })).data.activateMachine.__typename).toBe('ActivateMachineSuccess');
    await as('vendor', STATUS, { id: license.id, action: 'REVOKE' });
    expect((await as('vendor', STATUS, { id: license.id, action: 'RESUME' })).setLicenseStatus.code).toBe('INVALID_INPUT');
    const actions = (await db().auditEvent.findMany({ where: { subject: `license:${license.id}` }, orderBy: { at: 'asc' } })).map((e) => e.action);
    expect(actions).toEqual(['license.suspend', 'license.resume', 'license.revoke']);
  });

  it('changeLicenseExpiry extends the license and audits before → after', async () => {
    const license = await tenants.licenseOfA();
    const data = await as('resellerA', `mutation($id: ID!) { changeLicenseExpiry(input: { licenseId: $id, expiresAt: "2031-12-31T00:00:00Z" }) {
      __typename ... on ChangeLicenseExpirySuccess { license { expiresAt } } } }`, { id: license.id });
    expect(data.changeLicenseExpiry.license.expiresAt).toBe('2031-12-31T00:00:00.000Z');
    const event = await lastAudit(`license:${license.id}`);
    expect(event.data).toMatchObject({ after: { expiresAt: '2031-12-31T00:00:00.000Z' } });
  });

  it('adminReleaseActivation frees the slot with reason ADMIN_RELEASE and the note in the audit log', async () => {
    const license = await tenants.licenseOfA();
    const data = await as('resellerA', `mutation($id: ID!) { adminReleaseActivation(input: { activationId: $id, note: "stolen laptop" }) {
      __typename ... on AdminReleaseActivationSuccess { license { seatsUsed } } } }`, { id: license.activationId });
    expect(data.adminReleaseActivation.license.seatsUsed).toBe(0);
    const event = await lastAudit(`activation:${license.activationId}`);
    expect(event).toMatchObject({ action: 'activation.released', resellerId: tenants.resellerA.id });
    expect(event.data).toMatchObject({ note: 'stolen laptop' });
  });
});

describe('updateLicense (one dashboard edit, whole or not at all)', () => {
  const UPDATE = `mutation($input: UpdateLicenseInput!) { updateLicense(input: $input) {
    __typename ... on UpdateLicenseSuccess { license { seats seatsUsed status expiresAt } } ... on InvalidInputError { field } ... on Error { code message } } }`;
  const update = (role: keyof Tenants['tokens'], input: Record<string, unknown>) => as(role, UPDATE, { input }).then((d) => d.updateLicense);
  // Sorted: the events of one transaction may share their timestamp.
  const audits = (licenseId: string) =>
    db().auditEvent.findMany({ where: { subject: `license:${licenseId}` } }).then((events) => events.map((e) => e.action).sort());
  const row = (licenseId: string) => db().license.findUniqueOrThrow({ where: { id: licenseId } });
  const secondMachine = async (license: Awaited<ReturnType<Tenants['licenseOfA']>>) =>
    (await t.gql(ACTIVATE, { input: machine(license, `second-${randomBytes(3).toString('hex')}`) })).data.activateMachine.activation.id as string;

  it('applies seats (releasing a machine), expiry and a status action together, one audit event each', async () => {
    const license = await tenants.licenseOfA();
    const second = await secondMachine(license);
    const done = await update('resellerA', {
      licenseId: license.id,
      seats: 1,
      releaseActivationIds: [second],
      expiresAt: '2031-06-30T00:00:00Z',
      action: 'SUSPEND',
    });
    expect(done).toEqual({ __typename: 'UpdateLicenseSuccess', license: { seats: 1, seatsUsed: 1, status: 'SUSPENDED', expiresAt: '2031-06-30T00:00:00.000Z' } });
    expect(await db().activation.findUniqueOrThrow({ where: { id: second } })).toMatchObject({ releaseReason: 'ADMIN_RELEASE' });
    expect(await audits(license.id)).toEqual(['license.expiry_changed', 'license.seats_changed', 'license.suspend']);
  });

  it('a refused expiry leaves the seats and the machines to release untouched', async () => {
    const license = await tenants.licenseOfA();
    const second = await secondMachine(license);
    const before = await row(license.id);
    const refused = await update('resellerA', { licenseId: license.id, seats: 1, releaseActivationIds: [second], expiresAt: '2000-01-01T00:00:00Z' });
    expect(refused).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'expiresAt' });
    expect(await row(license.id)).toMatchObject({ seats: before.seats, expiresAt: before.expiresAt });
    expect((await db().activation.findUniqueOrThrow({ where: { id: second } })).releasedAt).toBeNull();
    expect(await audits(license.id)).toEqual([]);
  });

  it('seats below their use leave the status and expiry as they were', async () => {
    const license = await tenants.licenseOfA();
    await secondMachine(license);
    const before = await row(license.id);
    const refused = await update('resellerA', { licenseId: license.id, seats: 1, expiresAt: '2031-06-30T00:00:00Z', action: 'SUSPEND' });
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', field: 'seats' });
    expect(refused.message).toContain('2 seats are in use');
    expect(await row(license.id)).toMatchObject({ seats: before.seats, status: 'ACTIVE', expiresAt: before.expiresAt });
    expect(await audits(license.id)).toEqual([]);
  });

  it('resuming a revoked license is refused, and the seat change given with it is not applied', async () => {
    const license = await tenants.licenseOfA();
    expect(await update('vendor', { licenseId: license.id, action: 'REVOKE' })).toMatchObject({ license: { status: 'REVOKED' } });
    const refused = await update('vendor', { licenseId: license.id, seats: 5, action: 'RESUME' });
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', field: 'action' });
    expect(await row(license.id)).toMatchObject({ seats: license.seats, status: 'REVOKED' });
    expect(await audits(license.id)).toEqual(['license.revoke']);
  });

  it('refuses seats out of range, a machine that is not a live slot of the license, and releases without seats', async () => {
    const license = await tenants.licenseOfA();
    expect(await update('resellerA', { licenseId: license.id, seats: 0 })).toMatchObject({ code: 'INVALID_INPUT', field: 'seats' });
    expect(await update('resellerA', { licenseId: license.id, seats: 100_001 })).toMatchObject({ code: 'INVALID_INPUT', field: 'seats' });
    const other = await tenants.licenseOfA();
    expect(await update('resellerA', { licenseId: license.id, seats: 2, releaseActivationIds: [other.activationId] })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'releaseActivationIds',
    });
    expect(await update('resellerA', { licenseId: license.id, releaseActivationIds: [license.activationId] })).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'releaseActivationIds',
    });
    expect((await db().activation.findUniqueOrThrow({ where: { id: other.activationId } })).releasedAt).toBeNull();
    expect((await db().activation.findUniqueOrThrow({ where: { id: license.activationId } })).releasedAt).toBeNull();
    expect(await row(license.id)).toMatchObject({ seats: license.seats });
    expect(await audits(license.id)).toEqual([]);
  });

  it("another reseller's or an unknown license is NOT_FOUND; a customer or anonymous caller is FORBIDDEN; nothing changes", async () => {
    const license = await tenants.licenseOfA();
    expect(await update('resellerB', { licenseId: license.id, seats: 9 })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await update('vendor', { licenseId: 'no-such-license', seats: 9 })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await update('customer', { licenseId: license.id, seats: 9 })).toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = await t.gql(UPDATE, { input: { licenseId: license.id, seats: 9 } });
    expect(anonymous.data.updateLicense).toMatchObject({ code: 'FORBIDDEN' });
    expect(await row(license.id)).toMatchObject({ seats: license.seats });
  });
});

describe('customers', () => {
  it('resendCredentials sets a new generated password, e-mails it, ends sessions, and audits', async () => {
    const license = await tenants.licenseOfA();
    const session = (await t.gql(LOG_IN, { email: license.email, password: PASSWORD })).data.logIn.sessionToken;
    await as('resellerA', 'mutation($id: ID!) { resendCredentials(input: { customerId: $id }) { __typename } }', { id: license.customerId });
    const mail = await db().mailMessage.findFirstOrThrow({ where: { to: license.email, template: 'credentials' } });
    const password = t.mailLine(mail, 'Password');
    expect((await t.gql(LOG_IN, { email: license.email, password: PASSWORD })).data.logIn.code).toBe('INVALID_CREDENTIALS');
    expect((await t.gql(LOG_IN, { email: license.email, password })).data.logIn.__typename).toBe('LogInSuccess');
    expect((await t.gql('{ myLicenses { id } }', {}, session)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await lastAudit(`customer:${license.customerId}`)).action).toBe('customer.credentials_resent');
  });

  it('sendPasswordReset queues a reset e-mail and audits', async () => {
    const license = await tenants.licenseOfA();
    await as('resellerA', 'mutation($id: ID!) { sendPasswordReset(input: { customerId: $id }) { __typename } }', { id: license.customerId });
    expect(await db().mailMessage.count({ where: { to: license.email, template: 'password-reset' } })).toBe(1);
    expect((await lastAudit(`customer:${license.customerId}`)).action).toBe('customer.password_reset_sent');
  });
});

describe('staff', () => {
  const STAFF_LOG_IN = 'mutation($e: String!, $p: String!) { staffLogIn(input: { email: $e, password: $p }) { __typename ... on StaffLogInSuccess { token staff { role } } ... on Error { code } } }';

  it('createStaff generates a password the new admin logs in with; disableStaff ends their sessions', async () => {
    const email = `helper-${randomBytes(4).toString('hex')}@example.com`;
    const created = await as('vendor', `mutation($email: String!, $r: String!) { createStaff(input: { email: $email, role: RESELLER_ADMIN, reseller: $r }) {
      __typename ... on CreateStaffSuccess { password staff { id email role reseller { name } } } ... on Error { code message } } }`, { email, r: tenants.resellerB.name });
    const { password, staff } = created.createStaff;
    expect(staff).toMatchObject({ email, role: 'RESELLER_ADMIN', reseller: { name: tenants.resellerB.name } });
    const login = (await t.gql(STAFF_LOG_IN, { e: email, p: password })).data.staffLogIn;
    expect(login.staff.role).toBe('RESELLER_ADMIN');
    expect((await t.gql('{ viewer { email } }', {}, login.token)).data.viewer.email).toBe(email);

    await as('vendor', 'mutation($id: ID!) { disableStaff(input: { staffId: $id }) { __typename } }', { id: staff.id });
    expect((await t.gql('{ viewer { email } }', {}, login.token)).data.viewer).toBeNull();
    expect((await t.gql(STAFF_LOG_IN, { e: email, p: password })).data.staffLogIn.code).toBe('INVALID_CREDENTIALS');
    expect((await lastAudit(`staff:${staff.id}`)).action).toBe('staff.disabled');
  });

  it('staff logins share the brute-force limit: the 6th wrong password is RATE_LIMITED', async () => {
    const { staff } = await t.app.services.staff.create('operator', { email: `bf-${randomBytes(4).toString('hex')}@example.com`, role: 'VENDOR_ADMIN', password: STAFF_PASSWORD });
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await t.gql(STAFF_LOG_IN, { e: staff.email, p: 'wrong-password' })).data.staffLogIn.code);
    expect(codes).toEqual([...Array(5).fill('INVALID_CREDENTIALS'), 'RATE_LIMITED']);
  });

  it('changeStaffPassword keeps this session, ends the others, and needs the current password', async () => {
    const { staff } = await t.app.services.staff.create('operator', { email: `pw-${randomBytes(4).toString('hex')}@example.com`, role: 'VENDOR_ADMIN', password: STAFF_PASSWORD });
    const one = (await t.gql(STAFF_LOG_IN, { e: staff.email, p: STAFF_PASSWORD })).data.staffLogIn.token;
    const two = (await t.gql(STAFF_LOG_IN, { e: staff.email, p: STAFF_PASSWORD })).data.staffLogIn.token;
    const change = (current: string) =>
      t.gql(`mutation($c: String!) { changeStaffPassword(input: { currentPassword: $c, newPassword: "Brand-New-Secret-9", newPasswordRepeat: "Brand-New-Secret-9" }) { __typename ... on Error { code } } }`, { c: current }, one);
    expect((await change('not it')).data.changeStaffPassword.code).toBe('INVALID_CREDENTIALS');
    expect((await change(STAFF_PASSWORD)).data.changeStaffPassword.__typename).toBe('ChangeStaffPasswordSuccess');
    expect((await t.gql('{ viewer { id } }', {}, one)).data.viewer).not.toBeNull();
    expect((await t.gql('{ viewer { id } }', {}, two)).data.viewer).toBeNull();
    expect((await t.gql(STAFF_LOG_IN, { e: staff.email, p: 'Brand-New-Secret-9' })).data.staffLogIn.__typename).toBe('StaffLogInSuccess');
  });

  it('the first vendor admin comes from ADMIN_EMAIL/ADMIN_PASSWORD only while there is none', async () => {
    expect(await t.app.services.staff.ensureFirstAdmin(`first-${randomBytes(3).toString('hex')}@example.com`, STAFF_PASSWORD)).toBeNull();
  });
});

describe('seat usage', () => {
  it("sums seats sold and used per product in the caller's scope, with a daily history", async () => {
    const license = await tenants.licenseOfA();
    const QUERY = '{ seatUsage(days: 7) { byProduct { key seatsSold seatsUsed seatsFree } byReseller { key seatsSold } history { day seatsUsed } } }';
    const forA = (await as('resellerA', QUERY)).seatUsage;
    expect(forA.byProduct.find((r: { key: string }) => r.key === license.product)).toEqual({ key: license.product, seatsSold: 3, seatsUsed: 1, seatsFree: 2 });
    expect(forA.byReseller.map((r: { key: string }) => r.key)).toEqual([tenants.resellerA.id]);
    expect(forA.history).toHaveLength(7);
    expect(forA.history.at(-1).seatsUsed).toBeGreaterThanOrEqual(1);
    const forB = (await as('resellerB', QUERY)).seatUsage;
    expect(forB.byProduct.find((r: { key: string }) => r.key === license.product)).toBeUndefined();
  });

  it('counts machines activated and activations refused per day, per reseller for the vendor; a reseller admin gets only their own series', async () => {
    const tag = randomBytes(3).toString('hex');
    const email = `trend-${tag}@example.com`;
    const { staff } = await t.app.services.staff.create('operator', { email, role: 'RESELLER_ADMIN', reseller: `Trend ${tag}`, password: STAFF_PASSWORD });
    const { token } = await t.app.services.staff.logIn(email, STAFF_PASSWORD);
    const license = await t.seed.license({ seats: 1 });
    await db().license.update({ where: { id: license.id }, data: { resellerId: staff.resellerId } });
    const taken = await t.gql(ACTIVATE, { input: machine(license, `trend-${tag}-1`) });
    expect(taken.data.activateMachine.__typename).toBe('ActivateMachineSuccess');
    const refused = await t.gql(ACTIVATE, { input: machine(license, `trend-${tag}-2`) });
    expect(refused.data.activateMachine.code).toBe('NO_FREE_SLOT');

    const POINT = 'day seatsUsed activations denied';
    const QUERY = `{ seatUsage(days: 3) { history { ${POINT} } resellerHistory { key label history { ${POINT} } } } }`;
    const own = (await t.gql(QUERY, {}, token)).data.seatUsage;
    expect(own.resellerHistory.map((s: { key: string; label: string }) => [s.key, s.label])).toEqual([[staff.resellerId, `Trend ${tag}`]]);
    expect(own.resellerHistory[0].history).toEqual(own.history);
    expect(own.history.map((p: { activations: number; denied: number }) => [p.activations, p.denied])).toEqual([[0, 0], [0, 0], [1, 1]]);
    expect(own.history.at(-1).seatsUsed).toBe(1);

    const all = (await as('vendor', QUERY)).seatUsage;
    const series = all.resellerHistory as { key: string; history: { activations: number; denied: number; seatsUsed: number }[] }[];
    expect(series.find((s) => s.key === staff.resellerId)!.history).toEqual(own.history);
    expect(series.map((s) => s.key)).toContain(tenants.resellerA.id);
    // The series split the whole: each day's figures add up to the vendor's total.
    all.history.forEach((point: { activations: number; denied: number; seatsUsed: number }, day: number) => {
      for (const figure of ['activations', 'denied', 'seatsUsed'] as const) expect(series.reduce((n, s) => n + s.history[day]![figure], 0)).toBe(point[figure]);
    });
  });
});

describe('live slot events for staff', () => {
  it("a staff subscription without licenseId gets every license of their scope, never another reseller's", async () => {
    const { url } = await t.listen();
    const ofA = await tenants.licenseOfA();
    const ofB = await t.seed.license({ seats: 5 });
    await db().license.update({ where: { id: ofB.id }, data: { resellerId: tenants.resellerB.id } });

    const vendor = subscribeSlots('sse', url, null, tenants.tokens.vendor);
    await untilLive(vendor.results, ofA, url);
    const resellerB = subscribeSlots('sse', url, null, tenants.tokens.resellerB);
    try {
      await untilLive(resellerB.results, ofB, url);
      const a = await post(url, ACTIVATE, { input: machine(ofA, 'seen-by-vendor') });
      const b = await post(url, ACTIVATE, { input: machine(ofB, 'seen-by-b') });
      // Events arrive in publish order: a leaked event of A would come before B's.
      expect((await resellerB.results.nextEvent()).activation.id).toBe(b.data.activateMachine.activation.id);
      const seenByVendor: string[] = [];
      while (seenByVendor.length < 2) {
        const event = await vendor.results.nextEvent();
        // The vendor also saw reseller B's warm-up: every license is in its scope.
        if (!event.activation.machineName.startsWith('PC-warm-up-')) seenByVendor.push(event.activation.id);
      }
      expect(seenByVendor).toEqual([a.data.activateMachine.activation.id, b.data.activateMachine.activation.id]);
    } finally {
      await resellerB.close();
      await vendor.close();
    }
  });
});
