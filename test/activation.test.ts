import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, DEACTIVATE, LOG_IN, MY_LICENSES, RELEASE, RENEW, machine } from './support/operations.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const DAY = 86_400_000;

async function activate(input: ReturnType<typeof machine>) {
  const { data, errors } = await t.gql(ACTIVATE, { input });
  expect(errors).toBeUndefined();
  return data.activateMachine;
}

async function liveActivations(licenseId: string) {
  return t.app.database.prisma.activation.count({ where: { licenseId, releasedAt: null } });
}

describe('activateMachine', () => {
  it('takes a slot and returns a token with the license usage', async () => {
    const license = await t.seed.license({ seats: 2 });
    const result = await activate(machine(license, 'fp-1'));
    expect(result.__typename).toBe('ActivateMachineSuccess');
    expect(result.token.split('.')).toHaveLength(3);
    expect(result.license).toMatchObject({ id: license.id, seats: 2, seatsUsed: 1 });
    expect(result.activation).toMatchObject({ machineName: 'PC-fp-1', osUser: 'alice' });
    expect(await liveActivations(license.id)).toBe(1);
  });

  it('logs in case-insensitively by e-mail', async () => {
    const license = await t.seed.license();
    const result = await activate({ ...machine(license, 'fp'), email: `  ${license.email.toUpperCase()} ` });
    expect(result.__typename).toBe('ActivateMachineSuccess');
  });

  it('gives the same machine the same slot with a fresh token, never a second seat', async () => {
    const license = await t.seed.license({ seats: 1 });
    const first = await activate(machine(license, 'same'));
    t.clock.advance(2_000);
    const second = await activate({ ...machine(license, 'same'), machineName: 'Renamed-PC' });
    expect(second.__typename).toBe('ActivateMachineSuccess');
    expect(second.activation.id).toBe(first.activation.id);
    expect(second.activation.machineName).toBe('Renamed-PC');
    expect(second.token).not.toBe(first.token);
    expect(second.license.seatsUsed).toBe(1);
    expect(await liveActivations(license.id)).toBe(1);
  });

  it('answers NO_FREE_SLOT with seats and used when every seat is taken', async () => {
    const license = await t.seed.license({ seats: 2 });
    await activate(machine(license, 'a'));
    await activate(machine(license, 'b'));
    const result = await activate(machine(license, 'c'));
    expect(result).toMatchObject({ __typename: 'NoFreeSlotError', code: 'NO_FREE_SLOT', seats: 2, used: 2 });
    expect(await liveActivations(license.id)).toBe(2);
  });

  it('uses a second license of the same product when the first is full', async () => {
    const first = await t.seed.license({ seats: 1, expiresInDays: 400 });
    const customer = { id: first.customerId, email: first.email };
    const product = (await t.app.database.prisma.product.findUniqueOrThrow({ where: { code: first.product } }));
    const second = await t.seed.license({ seats: 1, customer, product, expiresInDays: 100 });
    expect((await activate(machine(first, 'x'))).license.id).toBe(first.id);
    expect((await activate(machine(first, 'y'))).license.id).toBe(second.id);
    expect(await activate(machine(first, 'z'))).toMatchObject({ code: 'NO_FREE_SLOT', seats: 2, used: 2 });
  });

  it('answers LICENSE_EXPIRED, LICENSE_SUSPENDED and LICENSE_REVOKED', async () => {
    const expired = await t.seed.license({ expiresInDays: -1 });
    expect(await activate(machine(expired, 'a'))).toMatchObject({ __typename: 'LicenseExpiredError', code: 'LICENSE_EXPIRED' });
    const suspended = await t.seed.license({ status: 'SUSPENDED' });
    expect(await activate(machine(suspended, 'a'))).toMatchObject({ code: 'LICENSE_SUSPENDED' });
    const revoked = await t.seed.license({ status: 'REVOKED' });
    expect(await activate(machine(revoked, 'a'))).toMatchObject({ code: 'LICENSE_REVOKED' });
    for (const l of [expired, suspended, revoked]) expect(await liveActivations(l.id)).toBe(0);
  });

  it('answers LICENSE_EXPIRED to a machine that already holds a slot once the license has expired', async () => {
    const license = await t.seed.license({ expiresInDays: 1 });
    await activate(machine(license, 'a'));
    t.clock.advance(2 * DAY);
    try {
      expect(await activate(machine(license, 'a'))).toMatchObject({ code: 'LICENSE_EXPIRED' });
    } finally {
      t.clock.advance(-2 * DAY);
    }
  });

  it('answers INVALID_CREDENTIALS alike for a wrong password and an unknown e-mail', async () => {
    const license = await t.seed.license();
    const wrong = await activate({ ...machine(license, 'a'), password: 'wrong password' });
    const unknown = await activate({ ...machine(license, 'a'), email: 'nobody-here@example.com' });
    const malformed = await activate({ ...machine(license, 'a'), email: 'not an e-mail' });
    for (const result of [wrong, unknown, malformed]) {
      expect(result).toEqual({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS', message: wrong.message });
    }
    expect(await liveActivations(license.id)).toBe(0);
  });

  it('answers NOT_FOUND for an unknown product or a product the login has no license for', async () => {
    const license = await t.seed.license();
    expect(await activate({ ...machine(license, 'a'), product: 'no-such-product' })).toMatchObject({ code: 'NOT_FOUND' });
    const other = await t.seed.product();
    expect(await activate({ ...machine(license, 'a'), product: other.code })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers INVALID_INPUT naming the field for empty, oversized or control-character input', async () => {
    const license = await t.seed.license();
    expect(await activate({ ...machine(license, 'a'), machineName: '   ' })).toMatchObject({ code: 'INVALID_INPUT', field: 'machineName' });
    expect(await activate({ ...machine(license, 'a'), osUser: 'x'.repeat(201) })).toMatchObject({ code: 'INVALID_INPUT', field: 'osUser' });
    expect(await activate({ ...machine(license, 'a'), fingerprint: 'a\u0007b' })).toMatchObject({ code: 'INVALID_INPUT', field: 'fingerprint' });
    // NUL can't be stored as text by PostgreSQL: it is refused for the whole request before any resolver.
    const nul = await t.gql(ACTIVATE, { input: { ...machine(license, 'a'), fingerprint: 'a\u0000b' } });
    expect(nul.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await liveActivations(license.id)).toBe(0);
  });

  it('refuses a query with missing or mistyped fields with a clear validation error', async () => {
    const response = await t.gql('mutation { activateMachine(input: { email: 1 }) { __typename } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(response)).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('deactivateMachine', () => {
  it('frees the slot with the machine token alone, so another machine can take it', async () => {
    const license = await t.seed.license({ seats: 1 });
    const first = await activate(machine(license, 'old-pc'));
    const { data } = await t.gql(DEACTIVATE, { input: { token: first.token } });
    expect(data.deactivateMachine).toEqual({ __typename: 'DeactivateMachineSuccess', license: { id: license.id, seatsUsed: 0 } });
    expect((await activate(machine(license, 'new-pc'))).__typename).toBe('ActivateMachineSuccess');
    const released = await t.app.database.prisma.activation.findUniqueOrThrow({ where: { id: first.activation.id } });
    expect(released.releaseReason).toBe('DEACTIVATED');
  });

  it('frees the slot with login + product + fingerprint', async () => {
    const license = await t.seed.license({ seats: 1 });
    await activate(machine(license, 'pc'));
    const { email, password, product } = license;
    const { data } = await t.gql(DEACTIVATE, { input: { email, password, product, fingerprint: 'pc' } });
    expect(data.deactivateMachine.license.seatsUsed).toBe(0);
  });

  it('is idempotent: deactivating twice succeeds and frees nothing more', async () => {
    const license = await t.seed.license({ seats: 2 });
    const a = await activate(machine(license, 'a'));
    await activate(machine(license, 'b'));
    await t.gql(DEACTIVATE, { input: { token: a.token } });
    const { data } = await t.gql(DEACTIVATE, { input: { token: a.token } });
    expect(data.deactivateMachine.license.seatsUsed).toBe(1);
  });

  it('answers INVALID_TOKEN, INVALID_CREDENTIALS, NOT_FOUND and INVALID_INPUT', async () => {
    const license = await t.seed.license();
    const { token } = await activate(machine(license, 'pc'));
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    const cases: [Record<string, string>, string][] = [
      [{ token: forged }, 'INVALID_TOKEN'],
      [{ token: 'not-a-token' }, 'INVALID_TOKEN'],
      [{ email: license.email, password: 'nope', product: license.product, fingerprint: 'pc' }, 'INVALID_CREDENTIALS'],
      [{ email: license.email, password: license.password, product: license.product, fingerprint: 'other' }, 'NOT_FOUND'],
      [{ email: license.email }, 'INVALID_INPUT'],
    ];
    for (const [input, code] of cases) {
      const { data } = await t.gql(DEACTIVATE, { input });
      expect(data.deactivateMachine.code, JSON.stringify(input)).toBe(code);
    }
    expect(await liveActivations(license.id)).toBe(1);
  });
});

describe('renewToken', () => {
  it("issues a fresh token whose exp follows the product's lease", async () => {
    const license = await t.seed.license({ leaseDays: 7 });
    const { token } = await activate(machine(license, 'pc'));
    const exp = (jwt: string) => decodeJwt(jwt).exp!;
    expect(exp(token) * 1000 - Date.now()).toBeGreaterThan(6.9 * DAY);
    expect(exp(token) * 1000 - Date.now()).toBeLessThan(7.1 * DAY);
    t.clock.advance(3 * DAY);
    try {
      const { data } = await t.gql(RENEW, { token });
      expect(data.renewToken.__typename).toBe('RenewTokenSuccess');
      expect(exp(data.renewToken.token) - exp(token)).toBeGreaterThanOrEqual(3 * 86_400 - 5);
    } finally {
      t.clock.advance(-3 * DAY);
    }
  });

  it('without a lease, the token lives until the license expires', async () => {
    const license = await t.seed.license({ expiresInDays: 30 });
    const { token, license: info } = await activate(machine(license, 'pc'));
    const { data } = await t.gql(RENEW, { token });
    expect(decodeJwt(data.renewToken.token).exp).toBe(Math.floor(new Date(info.expiresAt).getTime() / 1000));
  });

  it("refuses a released slot's token with SLOT_RELEASED, and a forged one with INVALID_TOKEN", async () => {
    const license = await t.seed.license();
    const { token } = await activate(machine(license, 'pc'));
    await t.gql(DEACTIVATE, { input: { token } });
    expect((await t.gql(RENEW, { token })).data.renewToken.code).toBe('SLOT_RELEASED');
    expect((await t.gql(RENEW, { token: `${token}x` })).data.renewToken.code).toBe('INVALID_TOKEN');
  });

  it('answers LICENSE_SUSPENDED when the license was suspended after activation', async () => {
    const license = await t.seed.license();
    const { token } = await activate(machine(license, 'pc'));
    await t.app.database.prisma.license.update({ where: { id: license.id }, data: { status: 'SUSPENDED' } });
    expect((await t.gql(RENEW, { token })).data.renewToken.code).toBe('LICENSE_SUSPENDED');
  });
});

describe("renewToken's guarded statement", () => {
  const RENEW_FULL = /* GraphQL */ `
    mutation RenewFull($token: String!) {
      renewToken(input: { token: $token }) {
        __typename
        ... on RenewTokenSuccess { token activation { id } license { id seats seatsUsed } }
        ... on Error { code message }
        ... on LicenseExpiredError { expiredAt }
      }
    }
  `;
  const slotRow = (id: string) => t.app.database.prisma.activation.findUniqueOrThrow({ where: { id } });

  /** Activates, moves the clock, lets `change` break the slot, and asks for a renewal 1 s later. */
  async function refused(change: (license: { id: string }, activationId: string) => Promise<unknown>, options: Parameters<typeof t.seed.license>[0] = {}) {
    const license = await t.seed.license({ leaseDays: 7, ...options });
    const { token, activation } = await activate(machine(license, 'pc'));
    await change(license, activation.id);
    const before = await slotRow(activation.id);
    t.clock.advance(1_000);
    try {
      const answer = (await t.gql(RENEW_FULL, { token })).data.renewToken;
      // A refusal writes nothing: neither last seen nor a new expiry.
      expect(await slotRow(activation.id)).toEqual(before);
      return answer;
    } finally {
      t.clock.advance(-1_000);
    }
  }

  it('writes what the checked path wrote: last seen, the signing kid, the lease expiry; answers the live seat count', async () => {
    const license = await t.seed.license({ seats: 4, leaseDays: 7 });
    await activate(machine(license, 'other'));
    const { token, activation } = await activate(machine(license, 'pc'));
    t.clock.advance(2 * DAY);
    try {
      const asked = t.clock.now().getTime();
      const { data } = await t.gql(RENEW_FULL, { token });
      const answered = t.clock.now().getTime();
      const row = await slotRow(activation.id);
      expect(data.renewToken).toMatchObject({ __typename: 'RenewTokenSuccess', activation: { id: activation.id }, license: { id: license.id, seats: 4, seatsUsed: 2 } });
      expect(row.lastSeenAt.getTime()).toBeGreaterThanOrEqual(asked);
      expect(row.lastSeenAt.getTime()).toBeLessThanOrEqual(answered);
      expect(row.tokenExpiresAt.getTime()).toBe(row.lastSeenAt.getTime() + 7 * DAY);
      expect(decodeJwt(data.renewToken.token).exp).toBe(Math.floor(row.tokenExpiresAt.getTime() / 1000));
      expect(row.tokenKid).toBe(decodeProtectedHeader(data.renewToken.token).kid);
    } finally {
      t.clock.advance(-2 * DAY);
    }
  });

  it('a lease never runs past the license expiry', async () => {
    const license = await t.seed.license({ leaseDays: 30, expiresInDays: 10 });
    const { token, license: info } = await activate(machine(license, 'pc'));
    const { data } = await t.gql(RENEW_FULL, { token });
    expect(decodeJwt(data.renewToken.token).exp).toBe(Math.floor(new Date(info.expiresAt).getTime() / 1000));
  });

  it('refuses a released slot with SLOT_RELEASED', async () => {
    const answer = await refused((_license, id) => t.app.database.prisma.activation.update({ where: { id }, data: { releasedAt: t.clock.now(), releaseReason: 'ADMIN_RELEASE' } }));
    expect(answer).toMatchObject({ __typename: 'SlotReleasedError', code: 'SLOT_RELEASED' });
  });

  it('refuses a suspended license with LICENSE_SUSPENDED', async () => {
    const answer = await refused((license) => t.app.database.prisma.license.update({ where: { id: license.id }, data: { status: 'SUSPENDED' } }));
    expect(answer).toMatchObject({ __typename: 'LicenseSuspendedError', code: 'LICENSE_SUSPENDED' });
  });

  it('refuses a revoked license with LICENSE_REVOKED', async () => {
    const answer = await refused((license) => t.app.database.prisma.license.update({ where: { id: license.id }, data: { status: 'REVOKED' } }));
    expect(answer).toMatchObject({ code: 'LICENSE_REVOKED' });
  });

  it('refuses an expired license with LICENSE_EXPIRED and when it expired', async () => {
    let expiresAt!: Date;
    const answer = await refused(async (license) => {
      expiresAt = new Date(t.clock.now().getTime() + 500);
      await t.app.database.prisma.license.update({ where: { id: license.id }, data: { expiresAt } });
    });
    expect(answer).toMatchObject({ __typename: 'LicenseExpiredError', code: 'LICENSE_EXPIRED', expiredAt: expiresAt.toISOString() });
  });

  it("refuses a token signed for another machine's fingerprint with INVALID_TOKEN", async () => {
    const license = await t.seed.license();
    const { token, activation } = await activate(machine(license, 'pc'));
    const { sub, aud, lic, fp, seats, nbf, exp } = decodeJwt(token) as Record<string, any>;
    const other = await t.app.services.signer.sign({ sub, aud, lic, seats, nbf, exp, ent: [], fp: `${fp}-elsewhere` });
    const before = await slotRow(activation.id);
    expect((await t.gql(RENEW, { token: other.token })).data.renewToken.code).toBe('INVALID_TOKEN');
    expect(await slotRow(activation.id)).toEqual(before);
  });

  it('a renewal racing a deactivation never brings the slot back (real concurrent requests)', async () => {
    const license = await t.seed.license({ seats: 1 });
    const outcomes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const { token, activation } = await activate(machine(license, `race-${round}`));
      const [renewed, deactivated] = await Promise.all([t.gql(RENEW_FULL, { token }), t.gql(DEACTIVATE, { input: { token } })]);
      expect(deactivated.data.deactivateMachine.__typename).toBe('DeactivateMachineSuccess');
      outcomes.add(renewed.data.renewToken.__typename);
      expect(['RenewTokenSuccess', 'SlotReleasedError']).toContain(renewed.data.renewToken.__typename);
      expect((await slotRow(activation.id)).releasedAt).not.toBeNull();
      expect(await liveActivations(license.id)).toBe(0);
    }
  });
});

describe('license manager', () => {
  async function logIn(license: { email: string; password: string }) {
    const { data } = await t.gql(LOG_IN, { email: license.email, password: license.password });
    expect(data.logIn.__typename).toBe('LogInSuccess');
    return data.logIn.sessionToken as string;
  }

  it('logIn answers INVALID_CREDENTIALS for a wrong password', async () => {
    const license = await t.seed.license();
    const { data } = await t.gql(LOG_IN, { email: license.email, password: 'wrong' });
    expect(data.logIn.code).toBe('INVALID_CREDENTIALS');
  });

  it("myLicenses lists the login's licenses, seats used and each live activation", async () => {
    const license = await t.seed.license({ seats: 3 });
    const a = await activate(machine(license, 'a'));
    const b = await activate({ ...machine(license, 'b'), osUser: 'bob' });
    await t.gql(DEACTIVATE, { input: { token: a.token } });
    const session = await logIn(license);
    const { data, errors } = await t.gql(MY_LICENSES, {}, session);
    expect(errors).toBeUndefined();
    expect(data.myLicenses).toHaveLength(1);
    const [mine] = data.myLicenses;
    expect(mine).toMatchObject({ id: license.id, seats: 3, seatsUsed: 1, status: 'ACTIVE', product: { code: license.product } });
    expect(mine.activations).toEqual([
      { id: b.activation.id, machineName: 'PC-b', osUser: 'bob', activatedAt: b.activation.activatedAt, lastSeenAt: expect.any(String) },
    ]);
  });

  it('myLicenses without a session is FORBIDDEN', async () => {
    const { data, errors } = await t.gql(MY_LICENSES);
    expect(data).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(MY_LICENSES, {}, 'sks_made-up')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a session expires after SESSION_TTL_HOURS', async () => {
    const license = await t.seed.license();
    const session = await logIn(license);
    t.clock.advance(13 * 3_600_000);
    try {
      expect((await t.gql(MY_LICENSES, {}, session)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      t.clock.advance(-13 * 3_600_000);
    }
  });

  it('releaseActivation frees a lost machine, up to the yearly limit, then RELEASE_LIMIT_REACHED', async () => {
    const license = await t.seed.license({ seats: 1, remoteReleasesPerYear: 2 });
    const session = await logIn(license);
    const release = async (fingerprint: string) => {
      const { activation } = await activate(machine(license, fingerprint));
      return { id: activation.id, result: (await t.gql(RELEASE, { id: activation.id }, session)).data.releaseActivation };
    };
    expect((await release('one')).result).toMatchObject({ __typename: 'ReleaseActivationSuccess', license: { seatsUsed: 0 } });
    expect((await release('two')).result.__typename).toBe('ReleaseActivationSuccess');
    const third = await release('three');
    expect(third.result).toMatchObject({ code: 'RELEASE_LIMIT_REACHED', limit: 2 });
    expect(new Date(third.result.nextReleaseAt).getTime()).toBeGreaterThan(Date.now() + 364 * DAY);
    expect(await liveActivations(license.id)).toBe(1);
    const row = await t.app.database.prisma.activation.findUniqueOrThrow({ where: { id: third.id } });
    expect(row.releasedAt).toBeNull();

    t.clock.advance(366 * DAY);
    try {
      expect((await t.gql(RELEASE, { id: third.id }, session)).errors?.[0]?.extensions?.code ?? 'session expired').toBe('session expired');
      const fresh = await logIn(license);
      expect((await t.gql(RELEASE, { id: third.id }, fresh)).data.releaseActivation.__typename).toBe('ReleaseActivationSuccess');
    } finally {
      t.clock.advance(-366 * DAY);
    }
  });

  it("releaseActivation answers FORBIDDEN without a session and NOT_FOUND for another login's machine", async () => {
    const mine = await t.seed.license();
    const theirs = await t.seed.license();
    const { activation } = await activate(machine(theirs, 'pc'));
    expect((await t.gql(RELEASE, { id: activation.id })).data.releaseActivation.code).toBe('FORBIDDEN');
    const session = await logIn(mine);
    expect((await t.gql(RELEASE, { id: activation.id }, session)).data.releaseActivation.code).toBe('NOT_FOUND');
    expect(await liveActivations(theirs.id)).toBe(1);
  });
});
