// Seat policies (issue #13) against the real server, on whichever database this run uses: leases that
// heal (in the activation transaction and in the sweeper, exact under real concurrent requests, across
// two api instances), revival of a lapsed slot, borrowing, overage, denials. Nothing here waits for a
// lease to run out: before an activation or renewal the services' clock is moved; before a sweep the
// slots' token expiry is moved back instead (`lapse`), because a sweep releases every lapsed slot of
// the database, and on PostgreSQL other test files share it: a sweep at a clock moved ahead would
// release their slots too.
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '@slotkeeper/api/operator';
import { type TestApp, openTestDatabase, startTestApp } from './support/app.ts';
import { ACTIVATE, DEACTIVATE, LOG_IN, machine } from './support/operations.ts';
import type { SeededLicense } from './support/seed.ts';
import { subscribeSlots, untilLive } from './support/subscriptions.ts';
import { type Tenants, setUpTenants } from './support/tenants.ts';

const ACTIVATE_POLICY = /* GraphQL */ `
  mutation Activate($input: ActivateMachineInput!) {
    activateMachine(input: $input) {
      __typename
      ... on ActivateMachineSuccess { token overage activation { id machineName overage } license { id seats seatsUsed } }
      ... on Error { code message }
      ... on NoFreeSlotError { seats used }
      ... on BorrowTooLongError { maxBorrowSeconds }
      ... on InvalidInputError { field }
    }
  }
`;

const RENEW_POLICY = /* GraphQL */ `
  mutation Renew($token: String!, $borrowSeconds: Int) {
    renewToken(input: { token: $token, borrowSeconds: $borrowSeconds }) {
      __typename
      ... on RenewTokenSuccess { token overage activation { id machineName } license { id seatsUsed } }
      ... on Error { code message }
      ... on NoFreeSlotError { seats used }
      ... on BorrowTooLongError { maxBorrowSeconds }
    }
  }
`;

const LICENSE_POLICY = /* GraphQL */ `
  query License($id: ID!) {
    license(id: $id) { id seats seatsUsed overSeats deniedLast30Days customer { id deniedLast30Days } }
  }
`;

// Long enough that no slot lapses in real time while a test runs (the races take seconds on the embedded database).
const LEASE = 600;

let t: TestApp;
let url: string;
let tenants: Tenants;
beforeAll(async () => {
  t = await startTestApp();
  url = (await t.listen()).url;
  tenants = await setUpTenants(t);
});
afterAll(() => t?.close());

let moved = 0;
/** Moves this app's clock; the move is undone after the test, so that a later sweep runs at the real time. */
function advance(ms: number) {
  moved += ms;
  t.clock.advance(ms);
}
afterEach(() => {
  t.clock.advance(-moved);
  moved = 0;
});

const db = () => t.app.database.prisma;

/** The newest tokens of these machines' slots expired `secondsAgo` ago, unrenewed. */
async function lapse(licenseId: string, machines: string[] | null = null, secondsAgo = 1) {
  await db().activation.updateMany({
    where: { licenseId, releasedAt: null, ...(machines ? { machineName: { in: machines.map((m) => `PC-${m}`) } } : {}) },
    data: { tokenExpiresAt: new Date(Date.now() - secondsAgo * 1000) },
  });
}

async function over(base: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: Record<string, any>; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return Object.values(body.data)[0] as Record<string, any>;
}

async function activate(license: SeededLicense, fingerprint: string, extra: Record<string, unknown> = {}, app = t) {
  const { data, errors } = await app.gql(ACTIVATE_POLICY, { input: { ...machine(license, fingerprint), ...extra } });
  expect(errors).toBeUndefined();
  return data.activateMachine;
}

async function renew(token: string, borrowSeconds?: number) {
  const { data, errors } = await t.gql(RENEW_POLICY, { token, borrowSeconds });
  expect(errors).toBeUndefined();
  return data.renewToken;
}

/** Machines `names` holding slots of `license`, in turn; their tokens. */
async function fill(license: SeededLicense, names: string[], app = t) {
  const tokens: string[] = [];
  for (const name of names) {
    const result = await activate(license, name, {}, app);
    expect(result.__typename).toBe('ActivateMachineSuccess');
    tokens.push(result.token);
  }
  return tokens;
}

const live = (licenseId: string) => db().activation.count({ where: { licenseId, releasedAt: null } });

async function healedOf(licenseId: string) {
  const rows = await db().activation.findMany({ where: { licenseId, releaseReason: 'LEASE_EXPIRED' }, select: { id: true } });
  const audits = await db().auditEvent.count({ where: { action: 'activation.lease_expired', subject: { in: rows.map((r) => `activation:${r.id}`) } } });
  return { released: rows.length, audits };
}

const healedCount = (by: string, metrics: string) =>
  Number(new RegExp(`slotkeeper_slots_healed_total\\{by="${by}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);

const secondsFromNow = (token: string, app = t) => (decodeJwt(token).exp! * 1000 - app.clock.now().getTime()) / 1000;

describe('leases that heal', () => {
  it('50 machines racing for a license whose slots just lapsed: exactly seats + overage live, each lapsed slot released once', async () => {
    const license = await t.seed.license({ seats: 4, leaseSeconds: LEASE, overagePercent: 50 });
    await fill(license, ['old-0', 'old-1', 'old-2', 'old-3', 'old-4', 'old-5']);
    await lapse(license.id);
    const [results] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, (_, i) => over(url, ACTIVATE_POLICY, { input: machine(license, `new-${i}`) }))),
      t.app.leaseSweeper.sweep(),
    ]);
    const won = results.filter((r) => r.__typename === 'ActivateMachineSuccess');
    const refused = results.filter((r) => r.code === 'NO_FREE_SLOT');
    const healed = await healedOf(license.id);
    console.log(
      `50 racing machines, 4 seats + 50 % overage, 6 lapsed slots: ${won.length} seated (${won.filter((r) => r.overage).length} overage), ` +
        `${refused.length} NO_FREE_SLOT, ${healed.released} slots released LEASE_EXPIRED (${healed.audits} audit events)`,
    );
    expect(won).toHaveLength(6);
    expect(refused).toHaveLength(44);
    expect(won.filter((r) => r.overage)).toHaveLength(2);
    expect(await live(license.id)).toBe(6);
    expect(healed).toEqual({ released: 6, audits: 6 });
    expect(await db().slotDenial.count({ where: { licenseId: license.id } })).toBe(44);
  });

  it('the same race across two api instances (two connection pools on PostgreSQL), both sweeping meanwhile', async () => {
    const second = await startTestApp({ database: t.app.database.kind === 'embedded' ? t.app.database : await openTestDatabase() });
    try {
      const secondUrl = (await second.listen()).url;
      const license = await t.seed.license({ seats: 5, leaseSeconds: LEASE });
      await fill(license, ['a-0', 'a-1', 'a-2']);
      await fill(license, ['b-0', 'b-1'], second);
      await lapse(license.id);
      const [results] = await Promise.all([
        Promise.all(Array.from({ length: 50 }, (_, i) => over(i % 2 ? secondUrl : url, ACTIVATE_POLICY, { input: machine(license, `two-${i}`) }))),
        t.app.leaseSweeper.sweep(),
        second.app.leaseSweeper.sweep(),
      ]);
      const won = results.filter((r) => r.__typename === 'ActivateMachineSuccess');
      const healed = await healedOf(license.id);
      console.log(
        `two instances, 50 racing machines, 5 seats, 5 lapsed slots: ${won.length} seated, ` +
          `${results.filter((r) => r.code === 'NO_FREE_SLOT').length} NO_FREE_SLOT, ${healed.released} released LEASE_EXPIRED`,
      );
      expect(won).toHaveLength(5);
      expect(await live(license.id)).toBe(5);
      expect(healed).toEqual({ released: 5, audits: 5 });
    } finally {
      await second.close();
      if (t.app.database.kind !== 'embedded') await second.app.database.close();
    }
  });

  it('the sweeper releases the lapsed slots and never a slot renewed in time, nor one whose token ends with the license', async () => {
    const license = await t.seed.license({ seats: 6, leaseSeconds: LEASE });
    const tokens = await fill(license, ['s-0', 's-1', 's-2', 's-3', 's-4', 's-5']);
    const plain = await t.seed.license({ seats: 1, expiresInDays: 1 });
    await fill(plain, ['no-lease']);
    // The license ends a second ago, its token with it: that is no lapsed lease.
    const ended = new Date(Date.now() - 1000);
    await db().license.update({ where: { id: plain.id }, data: { expiresAt: ended } });
    await db().activation.updateMany({ where: { licenseId: plain.id }, data: { tokenExpiresAt: ended } });
    const renewed = await Promise.all(tokens.slice(0, 3).map((token) => renew(token)));
    expect(renewed.every((r) => r.__typename === 'RenewTokenSuccess')).toBe(true);
    await lapse(license.id, ['s-3', 's-4', 's-5']);
    // The renewed ones renew again while three sweeps run: the sweeps release the three others only.
    const [again] = await Promise.all([
      Promise.all(renewed.map((r) => renew(r.token))),
      t.app.leaseSweeper.sweep(),
      t.app.services.activations.sweepExpired(),
      t.app.services.activations.sweepExpired(),
    ]);
    expect(again.map((r) => r.__typename)).toEqual(['RenewTokenSuccess', 'RenewTokenSuccess', 'RenewTokenSuccess']);
    expect(await live(license.id)).toBe(3);
    expect(await healedOf(license.id)).toEqual({ released: 3, audits: 3 });
    const kept = await db().activation.findMany({ where: { licenseId: license.id, releasedAt: null }, select: { machineName: true } });
    expect(kept.map((k) => k.machineName).sort()).toEqual(['PC-s-0', 'PC-s-1', 'PC-s-2']);
    expect(await live(plain.id)).toBe(1);
  });

  it('renewals racing sweeps after the lease lapsed: no renewed slot is released, every machine ends with one slot', async () => {
    const license = await t.seed.license({ seats: 8, leaseSeconds: LEASE });
    const tokens = await fill(license, Array.from({ length: 8 }, (_, i) => `r-${i}`));
    await lapse(license.id);
    const [results] = await Promise.all([
      Promise.all(tokens.map((token) => over(url, RENEW_POLICY, { token }))),
      // Staggered, so that some renewals land before a sweep and some after (either way is right).
      ...Array.from({ length: 4 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 15));
        return t.app.services.activations.sweepExpired();
      }),
    ]);
    expect(results.map((r) => r.__typename)).toEqual(Array(8).fill('RenewTokenSuccess'));
    const rows = await db().activation.findMany({ where: { licenseId: license.id } });
    const healed = rows.filter((r) => r.releaseReason === 'LEASE_EXPIRED');
    console.log(`8 renewals racing 4 sweeps after the lease lapsed: ${healed.length} healed first and revived, ${8 - healed.length} renewed in place`);
    // A slot the sweeper released kept its lapsed token expiry: no renewal landed on a released row.
    for (const row of healed) expect(row.tokenExpiresAt.getTime()).toBeLessThanOrEqual(row.releasedAt!.getTime());
    expect(rows.filter((r) => r.releasedAt === null)).toHaveLength(8);
    expect(new Set(rows.filter((r) => r.releasedAt === null).map((r) => r.machineName)).size).toBe(8);
    for (const r of results) expect(rows.find((row) => row.id === r.activation.id)?.releasedAt).toBeNull();
  });

  it('a heal publishes slotUsageChanged LEASE_EXPIRED, writes the activation.released webhook with its reason, and counts in /metrics', async () => {
    const license = await t.seed.license({ seats: 3, leaseSeconds: LEASE });
    await db().license.update({ where: { id: license.id }, data: { resellerId: tenants.resellerA.id } });
    const endpoint = await db().webhookEndpoint.create({
      // Disabled: its deliveries wait (no worker of another test file sends them); the event is written all the same.
      data: { url: 'https://hooks.example.com/slots', resellerId: tenants.resellerA.id, secret: 'whsec_c2VhdHBvbGljeQ==', events: ['activation.released'], disabledAt: new Date() },
    });
    const healedBefore = healedCount('sweeper', await t.app.metrics.registry.metrics());
    const session = (await t.gql(LOG_IN, { email: license.email, password: license.password })).data.logIn.sessionToken;
    const subscriber = subscribeSlots('sse', url, license.id, session);
    try {
      await untilLive(subscriber.results, license, url);
      await fill(license, ['ev-0', 'ev-1']);
      await subscriber.results.next();
      await subscriber.results.next();
      await lapse(license.id);
      await t.app.leaseSweeper.sweep();
      const events = [(await subscriber.results.next()).data!.slotUsageChanged, (await subscriber.results.next()).data!.slotUsageChanged];
      expect(events.map((e) => [e.change, e.activation.releaseReason, e.seatsUsed])).toEqual([
        ['LEASE_EXPIRED', 'LEASE_EXPIRED', 1],
        ['LEASE_EXPIRED', 'LEASE_EXPIRED', 0],
      ]);
    } finally {
      await subscriber.close();
    }
    const deliveries = await db().webhookDelivery.findMany({ where: { endpointId: endpoint.id }, include: { event: true } });
    const released = deliveries.map((d) => d.event.payload as { type: string; data: { activation: { reason: string; machineName: string } } });
    expect(released.filter((p) => p.data.activation.machineName.startsWith('PC-ev-')).map((p) => [p.type, p.data.activation.reason])).toEqual([
      ['activation.released', 'LEASE_EXPIRED'],
      ['activation.released', 'LEASE_EXPIRED'],
    ]);
    await db().webhookEndpoint.delete({ where: { id: endpoint.id } });
    const metrics = await t.app.metrics.registry.metrics();
    console.log(`slotkeeper_slots_healed_total: activation ${healedCount('activation', metrics)}, sweeper ${healedCount('sweeper', metrics)}`);
    // At least: on PostgreSQL the sweep also heals other test files' lapsed slots.
    expect(healedCount('sweeper', metrics)).toBeGreaterThanOrEqual(healedBefore + 2);
  });
});

describe('revival: renewToken after the lease lapsed', () => {
  it('a healed slot comes back into a free seat as a new activation of the same machine, with a fresh lease', async () => {
    const license = await t.seed.license({ seats: 1, leaseSeconds: LEASE });
    const [token] = await fill(license, ['traveller']);
    const first = decodeJwt(token!).sub;
    await lapse(license.id, null, 30);
    await t.app.leaseSweeper.sweep();
    expect(await live(license.id)).toBe(0);
    const revived = await renew(token!);
    expect(revived).toMatchObject({ __typename: 'RenewTokenSuccess', activation: { machineName: 'PC-traveller' }, license: { seatsUsed: 1 } });
    expect(revived.activation.id).not.toBe(first);
    expect(decodeJwt(revived.token).sub).toBe(revived.activation.id);
    expect(secondsFromNow(revived.token)).toBeCloseTo(LEASE, -1);
  });

  it('answers NO_FREE_SLOT when another machine took the seat (and records the denial)', async () => {
    const license = await t.seed.license({ seats: 1, leaseSeconds: LEASE });
    const [token] = await fill(license, ['late']);
    const before = healedCount('activation', await t.app.metrics.registry.metrics());
    advance((LEASE + 1) * 1000);
    // The activation reclaims the lapsed slot in its own transaction: no sweep ran.
    expect((await activate(license, 'other')).__typename).toBe('ActivateMachineSuccess');
    expect(healedCount('activation', await t.app.metrics.registry.metrics())).toBe(before + 1);
    expect(await renew(token!)).toMatchObject({ __typename: 'NoFreeSlotError', code: 'NO_FREE_SLOT', seats: 1, used: 1 });
    expect(await db().slotDenial.findMany({ where: { licenseId: license.id }, select: { machineName: true } })).toEqual([{ machineName: 'PC-late' }]);
  });

  it('a machine that activated again with its login meanwhile renews that slot, never a second one', async () => {
    const license = await t.seed.license({ seats: 2, leaseSeconds: LEASE });
    const [token] = await fill(license, ['twice']);
    await lapse(license.id);
    await t.app.leaseSweeper.sweep();
    const again = await activate(license, 'twice');
    const revived = await renew(token!);
    expect(revived.activation.id).toBe(again.activation.id);
    expect(await live(license.id)).toBe(1);
  });

  it('past the revival window, after another kind of release, or on a suspended license: refused', async () => {
    const windowed = await t.seed.license({ seats: 2, leaseSeconds: LEASE, revivalWindowSeconds: 60 });
    const [inside, outside] = await fill(windowed, ['inside', 'outside']);
    await lapse(windowed.id, ['inside'], 55);
    await lapse(windowed.id, ['outside'], 65);
    await t.app.leaseSweeper.sweep();
    expect((await renew(inside!)).__typename).toBe('RenewTokenSuccess');
    expect(await renew(outside!)).toMatchObject({ __typename: 'SlotReleasedError', code: 'SLOT_RELEASED' });

    const plain = await t.seed.license({ seats: 2, leaseSeconds: LEASE });
    const [deactivated, suspended] = await fill(plain, ['deactivated', 'suspended']);
    expect((await t.gql(DEACTIVATE, { input: { token: deactivated } })).data.deactivateMachine.__typename).toBe('DeactivateMachineSuccess');
    await lapse(plain.id);
    await t.app.leaseSweeper.sweep();
    expect(await renew(deactivated!)).toMatchObject({ code: 'SLOT_RELEASED' });
    await db().license.update({ where: { id: plain.id }, data: { status: 'SUSPENDED' } });
    expect(await renew(suspended!)).toMatchObject({ code: 'LICENSE_SUSPENDED' });
  });
});

describe('borrowing', () => {
  it('lends a token up to the maximum; longer is BORROW_TOO_LONG with the maximum; no borrowing: any borrow refused', async () => {
    const license = await t.seed.license({ seats: 1, leaseSeconds: 600, maxBorrowSeconds: 7 * 86_400 });
    const borrowed = await activate(license, 'laptop', { borrowSeconds: 7 * 86_400 });
    expect(borrowed.__typename).toBe('ActivateMachineSuccess');
    expect(secondsFromNow(borrowed.token)).toBeCloseTo(7 * 86_400, -1);
    expect(await activate(license, 'laptop-2', { borrowSeconds: 7 * 86_400 + 1 })).toMatchObject({
      code: 'BORROW_TOO_LONG',
      maxBorrowSeconds: 7 * 86_400,
    });
    expect(await activate(license, 'laptop-2', { borrowSeconds: 0 })).toMatchObject({ code: 'INVALID_INPUT', field: 'borrowSeconds' });
    expect(await live(license.id)).toBe(1);
    // A borrowed slot is not lapsed while its borrowed token lives, though the lease has passed.
    advance(3600_000);
    expect(await activate(license, 'desktop')).toMatchObject({ code: 'NO_FREE_SLOT' });
    expect(await live(license.id)).toBe(1);

    const renewed = await renew(borrowed.token, 86_400);
    expect(secondsFromNow(renewed.token)).toBeCloseTo(86_400, -1);
    expect(await renew(renewed.token, 8 * 86_400)).toMatchObject({ code: 'BORROW_TOO_LONG', maxBorrowSeconds: 7 * 86_400 });
    expect(secondsFromNow((await renew(renewed.token)).token)).toBeCloseTo(600, -1);

    const strict = await t.seed.license({ seats: 1, leaseSeconds: 600 });
    expect(await activate(strict, 'desk', { borrowSeconds: 60 })).toMatchObject({ code: 'BORROW_TOO_LONG', maxBorrowSeconds: 0 });
    expect(await live(strict.id)).toBe(0);
  });
});

describe('overage and denials', () => {
  it('runs ceil(seats × (1 + p/100)) machines; the slots beyond the seats carry ovr and are counted', async () => {
    const license = await t.seed.license({ seats: 2, overagePercent: 50 });
    await db().license.update({ where: { id: license.id }, data: { resellerId: tenants.resellerA.id } });
    const results = [];
    for (const name of ['o-0', 'o-1', 'o-2', 'o-3']) results.push(await activate(license, name));
    expect(results.map((r) => r.__typename)).toEqual(['ActivateMachineSuccess', 'ActivateMachineSuccess', 'ActivateMachineSuccess', 'NoFreeSlotError']);
    expect(results.slice(0, 3).map((r) => [r.overage, r.activation.overage, decodeJwt(r.token).ovr])).toEqual([
      [false, false, undefined],
      [false, false, undefined],
      [true, true, true],
    ]);
    expect(results[3]).toMatchObject({ code: 'NO_FREE_SLOT', seats: 2, used: 3 });
    // The overage slot renews as one (its token keeps ovr).
    expect(decodeJwt((await renew(results[2].token)).token).ovr).toBe(true);

    const view = (await t.gql(LICENSE_POLICY, { id: license.id }, tenants.tokens.resellerA)).data.license;
    expect(view).toMatchObject({ seats: 2, seatsUsed: 3, overSeats: 1, deniedLast30Days: 1, customer: { deniedLast30Days: 1 } });
    const metrics = await t.app.metrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`slotkeeper_overage_slots\\{product="${license.product}"\\} 1`));
    expect(Number(/slotkeeper_overage_activations_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/slotkeeper_slot_denials_total\{operation="activateMachine"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('every NO_FREE_SLOT is recorded: per license and customer in the last 30 days, per day in the seat-usage series', async () => {
    const license = await t.seed.license({ seats: 1 });
    await db().license.update({ where: { id: license.id }, data: { resellerId: tenants.resellerB.id } });
    await fill(license, ['held']);
    const denied = await Promise.all(['d-0', 'd-1', 'd-2'].map((name) => activate(license, name)));
    expect(denied.map((d) => d.code)).toEqual(['NO_FREE_SLOT', 'NO_FREE_SLOT', 'NO_FREE_SLOT']);
    const rows = await db().slotDenial.findMany({ where: { licenseId: license.id }, orderBy: { machineName: 'asc' } });
    expect(rows.map((r) => [r.machineName, r.osUser, r.customerId])).toEqual([
      ['PC-d-0', 'alice', license.customerId],
      ['PC-d-1', 'alice', license.customerId],
      ['PC-d-2', 'alice', license.customerId],
    ]);
    const { data } = await t.gql(
      `query($id: ID!) { license(id: $id) { deniedLast30Days } seatUsage(days: 2) { history { day seatsUsed denied } } }`,
      { id: license.id },
      tenants.tokens.resellerB,
    );
    expect(data.license.deniedLast30Days).toBe(3);
    expect(data.seatUsage.history.at(-1)).toMatchObject({ denied: 3 });
    expect(data.seatUsage.history.at(-2)).toMatchObject({ denied: 0 });
    // Another reseller sees neither the license nor its denials.
    const other = await t.gql(`query($id: ID!) { license(id: $id) { id } }`, { id: license.id }, tenants.tokens.resellerA);
    expect(other.data.license).toBeNull();
    // Past 30 days one no longer counts.
    await db().slotDenial.update({ where: { id: rows[0]!.id }, data: { at: new Date(Date.now() - 31 * 86_400_000) } });
    expect((await t.gql(LICENSE_POLICY, { id: license.id }, tenants.tokens.resellerB)).data.license).toMatchObject({
      deniedLast30Days: 2,
      customer: { deniedLast30Days: 2 },
    });
  });
});

describe('product settings', () => {
  const CREATE = /* GraphQL */ `
    mutation($input: CreateProductInput!) {
      createProduct(input: $input) {
        __typename
        ... on CreateProductSuccess { product { leaseSeconds leaseDays maxBorrowSeconds overagePercent revivalWindowSeconds } }
        ... on InvalidInputError { code field }
      }
    }
  `;
  const code = () => `policy-${Math.random().toString(36).slice(2, 10)}`;

  it('GraphQL takes the policy in seconds (leaseDays still works); bad values are INVALID_INPUT on their field', async () => {
    const create = async (input: Record<string, unknown>) =>
      (await t.gql(CREATE, { input: { code: code(), name: 'Floating', ...input } }, tenants.tokens.vendor)).data.createProduct;
    expect(await create({ leaseSeconds: 1800, maxBorrowSeconds: 604_800, overagePercent: 25, revivalWindowSeconds: 86_400 })).toMatchObject({
      product: { leaseSeconds: 1800, leaseDays: 1, maxBorrowSeconds: 604_800, overagePercent: 25, revivalWindowSeconds: 86_400 },
    });
    expect(await create({ leaseDays: 7 })).toMatchObject({ product: { leaseSeconds: 604_800, leaseDays: 7, overagePercent: 0 } });
    expect(await create({ leaseDays: 7, leaseSeconds: 60 })).toMatchObject({ code: 'INVALID_INPUT', field: 'leaseDays' });
    expect(await create({ leaseSeconds: 0 })).toMatchObject({ code: 'INVALID_INPUT', field: 'leaseSeconds' });
    expect(await create({ maxBorrowSeconds: -1 })).toMatchObject({ code: 'INVALID_INPUT', field: 'maxBorrowSeconds' });
    expect(await create({ overagePercent: 1001 })).toMatchObject({ code: 'INVALID_INPUT', field: 'overagePercent' });
    expect(await create({ revivalWindowSeconds: -1 })).toMatchObject({ code: 'INVALID_INPUT', field: 'revivalWindowSeconds' });
    const reseller = await t.gql(CREATE, { input: { code: code(), name: 'X', leaseSeconds: 60 } }, tenants.tokens.resellerA);
    expect(reseller.data.createProduct.__typename).toBe('ForbiddenError');
  });

  it('the CLI takes --lease/--max-borrow/--revival-window as 30m|12h|7d|none and --overage as a percent', async () => {
    const product = code();
    const created = await commands['product create']!.run(t.app, {
      code: product,
      name: 'Floating CLI',
      lease: '30m',
      'max-borrow': '7d',
      overage: '10',
      'revival-window': '12h',
    });
    expect(created).toMatchObject({ leaseSeconds: 1800, maxBorrowSeconds: 604_800, overagePercent: 10, revivalWindowSeconds: 43_200 });
    expect(commands['product create']!.text(created as never)).toContain('30m lease');
    const updated = await commands['product update']!.run(t.app, { code: product, lease: 'none', 'max-borrow': 'none', 'lease-days': undefined });
    expect(updated).toMatchObject({ leaseSeconds: null, maxBorrowSeconds: null, overagePercent: 10 });
    expect(await commands['product update']!.run(t.app, { code: product, 'lease-days': '2' })).toMatchObject({ leaseSeconds: 172_800 });
    await expect(commands['product update']!.run(t.app, { code: product, lease: '30 minutes' })).rejects.toThrow(/--lease must be a duration/);
  });
});
