// A subscription lives no longer than the session it was opened with (issue #11): logout, staff
// disabled, password change or reset, and expiry end the stream (a normal completion on both
// transports), on whichever api instance holds it; streams of other sessions keep running.
import { randomBytes } from 'node:crypto';
import { sha256 } from '@slotkeeper/schema/services/input';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, openTestDatabase, startTestApp } from './support/app.ts';
import { ACTIVATE, LOG_IN, machine } from './support/operations.ts';
import type { SeededLicense } from './support/seed.ts';
import { type ResultQueue, type Subscriber, type Transport, post, subscribeSlots, untilLive } from './support/subscriptions.ts';
import { STAFF_PASSWORD, setUpTenants } from './support/tenants.ts';

const transports: Transport[] = ['sse', 'ws'];

const STAFF_LOG_IN = `mutation($email: String!, $password: String!) {
  staffLogIn(input: { email: $email, password: $password }) { __typename ... on StaffLogInSuccess { token } }
}`;
const STAFF_LOG_OUT = `mutation { staffLogOut { __typename } }`;
const DISABLE_STAFF = `mutation($staffId: ID!) { disableStaff(input: { staffId: $staffId }) { __typename } }`;
const CHANGE_STAFF_PASSWORD = `mutation($input: ChangeStaffPasswordInput!) { changeStaffPassword(input: $input) { __typename } }`;
const CHANGE_PASSWORD = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }`;
const RESET_PASSWORD = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { __typename } }`;

const open: Subscriber[] = [];
function subscribe(...args: Parameters<typeof subscribeSlots>) {
  const subscriber = subscribeSlots(...args);
  open.push(subscriber);
  return subscriber.results;
}
afterEach(async () => {
  for (const subscriber of open.splice(0)) await subscriber.close();
});

const newPassword = () => `Fresh-${randomBytes(6).toString('hex')}-Meadow-Lantern-7`;

async function logIn(url: string, license: { email: string; password: string }) {
  const { data } = await post(url, LOG_IN, { email: license.email, password: license.password });
  expect(data.logIn.__typename).toBe('LogInSuccess');
  return data.logIn.sessionToken as string;
}

async function staffLogIn(url: string, email: string) {
  const { data } = await post(url, STAFF_LOG_IN, { email, password: STAFF_PASSWORD });
  expect(data.staffLogIn.__typename).toBe('StaffLogInSuccess');
  return data.staffLogIn.token as string;
}

/** A reseller admin of a new reseller, with the e-mail to log in with. */
async function resellerAdmin(t: TestApp) {
  const email = `admin-${randomBytes(5).toString('hex')}@example.com`;
  const { staff } = await t.app.services.staff.create('operator', {
    email,
    role: 'RESELLER_ADMIN',
    reseller: `Reseller ${email}`,
    password: STAFF_PASSWORD,
  });
  return { email, id: staff.id, resellerId: staff.resellerId! };
}

/** A license sold by the reseller, so the reseller's admin may watch it. */
async function licenseOf(t: TestApp, resellerId: string) {
  const license = await t.seed.license({ seats: 3 });
  await t.app.database.prisma.license.update({ where: { id: license.id }, data: { resellerId } });
  return license;
}

/** Proves a stream still runs: a new machine's ACTIVATED arrives on it (past any earlier warm-up events). */
async function stillDelivers(results: ResultQueue, license: SeededLicense, url: string) {
  const { data } = await post(url, ACTIVATE, { input: machine(license, `after-${randomBytes(3).toString('hex')}`) });
  expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  for (;;) {
    const event = await results.nextEvent();
    if (event.activation.machineName.startsWith('PC-warm-up-')) continue;
    expect(event).toMatchObject({ licenseId: license.id, change: 'ACTIVATED', activation: { id: data.activateMachine.activation.id } });
    return;
  }
}

describe('subscriptions end with their session, on one instance', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp();
    url = (await t.listen()).url;
  });
  afterAll(() => t?.close());

  describe.each(transports)('over %s', (transport) => {
    it("ends a disabled reseller admin's stream; the vendor admin's goes on", async () => {
      const tenants = await setUpTenants(t);
      const license = await tenants.licenseOfA();
      const reseller = subscribe(transport, url, license.id, tenants.tokens.resellerA);
      const vendor = subscribe(transport, url, license.id, tenants.tokens.vendor);
      await untilLive(reseller, license, url);
      await untilLive(vendor, license, url);

      const { data } = await post(url, DISABLE_STAFF, { staffId: tenants.staffIds.resellerA }, tenants.tokens.vendor);
      expect(data.disableStaff.__typename).toBe('DisableStaffSuccess');
      expect(await reseller.whenEnded()).toEqual({});
      await stillDelivers(vendor, license, url);
    });

    it('ends the stream of a logged-out staff session; their other session goes on', async () => {
      const admin = await resellerAdmin(t);
      const license = await licenseOf(t, admin.resellerId);
      const leaving = await staffLogIn(url, admin.email);
      const staying = await staffLogIn(url, admin.email);
      const ended = subscribe(transport, url, license.id, leaving);
      const running = subscribe(transport, url, license.id, staying);
      await untilLive(ended, license, url);
      await untilLive(running, license, url);

      const { data } = await post(url, STAFF_LOG_OUT, {}, leaving);
      expect(data.staffLogOut.__typename).toBe('StaffLogOutSuccess');
      expect(await ended.whenEnded()).toEqual({});
      await stillDelivers(running, license, url);
    });

    it("ends a staff member's other sessions' streams on a password change; the changing session's goes on", async () => {
      const admin = await resellerAdmin(t);
      const license = await licenseOf(t, admin.resellerId);
      const changing = await staffLogIn(url, admin.email);
      const other = await staffLogIn(url, admin.email);
      const ended = subscribe(transport, url, license.id, other);
      const running = subscribe(transport, url, license.id, changing);
      await untilLive(ended, license, url);
      await untilLive(running, license, url);

      const password = newPassword();
      const input = { currentPassword: STAFF_PASSWORD, newPassword: password, newPasswordRepeat: password };
      const { data } = await post(url, CHANGE_STAFF_PASSWORD, { input }, changing);
      expect(data.changeStaffPassword.__typename).toBe('ChangeStaffPasswordSuccess');
      expect(await ended.whenEnded()).toEqual({});
      await stillDelivers(running, license, url);
    });

    it.each(['change', 'reset'] as const)(
      "ends every stream of a customer whose password they %s; another customer's goes on",
      async (how) => {
        const victim = await t.seed.license({ seats: 3 });
        const bystander = await t.seed.license({ seats: 3 });
        const stolen = subscribe(transport, url, victim.id, await logIn(url, victim));
        const unrelated = subscribe(transport, url, bystander.id, await logIn(url, bystander));
        await untilLive(stolen, victim, url);
        await untilLive(unrelated, bystander, url);

        const password = newPassword();
        if (how === 'change') {
          const input = { email: victim.email, currentPassword: victim.password, newPassword: password, newPasswordRepeat: password };
          const { data } = await post(url, CHANGE_PASSWORD, { input });
          expect(data.changePassword.__typename).toBe('ChangePasswordSuccess');
        } else {
          // The code as the reset e-mail carries it; only its hash is stored.
          const token = `skr_${randomBytes(24).toString('base64url')}`;
          await t.app.database.prisma.passwordReset.create({
            data: { customerId: victim.customerId, tokenHash: sha256(token), expiresAt: new Date(t.clock.now().getTime() + 600_000) },
          });
          const { data } = await post(url, RESET_PASSWORD, { input: { token, newPassword: password, newPasswordRepeat: password } });
          expect(data.resetPassword.__typename).toBe('ResetPasswordSuccess');
        }
        expect(await stolen.whenEnded()).toEqual({});
        await stillDelivers(unrelated, bystander, url);
      },
    );

    it('ends a stream when its session expires', async () => {
      const license = await t.seed.license({ seats: 3 });
      const results = subscribe(transport, url, license.id, await logIn(url, license));
      await untilLive(results, license, url);

      t.clock.advance(t.app.config.sessionTtlHours * 3_600_000 + 1000);
      // Checked every second: well within the wait.
      expect(await results.whenEnded(5000)).toEqual({});
    });
  });
});

describe('subscriptions end with their session across api instances sharing Redis', () => {
  it.skipIf(!process.env.REDIS_URL).each(transports)(
    'disabling a staff member and changing a password on instance A end the streams held on instance B (%s)',
    async (transport) => {
      const sharedDb = await openTestDatabase();
      const apps: TestApp[] = [];
      try {
        const config = { redisUrl: process.env.REDIS_URL! };
        apps.push(await startTestApp({ database: sharedDb, config }));
        apps.push(await startTestApp({ database: sharedDb, config }));
        const [a, b] = apps as [TestApp, TestApp];
        const urlA = (await a.listen()).url;
        const urlB = (await b.listen()).url;

        const tenants = await setUpTenants(a);
        const license = await tenants.licenseOfA();
        const reseller = subscribe(transport, urlB, license.id, tenants.tokens.resellerA);
        const vendor = subscribe(transport, urlB, license.id, tenants.tokens.vendor);
        const victim = await a.seed.license({ seats: 3 });
        const stolen = subscribe(transport, urlB, victim.id, await logIn(urlB, victim));
        // Warm-ups run on A: each stream on B is live once an event of A came through Redis.
        await untilLive(reseller, license, urlA);
        await untilLive(vendor, license, urlA);
        await untilLive(stolen, victim, urlA);

        const disabled = await post(urlA, DISABLE_STAFF, { staffId: tenants.staffIds.resellerA }, tenants.tokens.vendor);
        expect(disabled.data.disableStaff.__typename).toBe('DisableStaffSuccess');
        expect(await reseller.whenEnded()).toEqual({});

        const password = newPassword();
        const input = { email: victim.email, currentPassword: victim.password, newPassword: password, newPasswordRepeat: password };
        const changed = await post(urlA, CHANGE_PASSWORD, { input });
        expect(changed.data.changePassword.__typename).toBe('ChangePasswordSuccess');
        expect(await stolen.whenEnded()).toEqual({});

        await stillDelivers(vendor, license, urlA);
      } finally {
        for (const subscriber of open.splice(0)) await subscriber.close();
        for (const app of apps.reverse()) await app.close();
        await sharedDb.close();
      }
    },
  );
});
