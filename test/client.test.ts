// The plug-in SDK against a real server on loopback: activation, the offline verdicts, lease renewal,
// key rotation, the license manager and passwords, as a plug-in sees them.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '@slotkeeper/api/operator';
import type { Listening } from '@slotkeeper/api/server';
import { type ClientOptions, type SlotkeeperClient, createClient } from '@slotkeeper/client/client';
import { STATE_FILE, stateKey, writeState } from '@slotkeeper/client/storage';
import { verifyOfflineToken } from '@slotkeeper/client/verify';
import { type JSONWebKeySet, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, TestClock, startTestApp } from './support/app.ts';
import { closedPort } from './support/proxy.ts';
import { rejection } from './support/client.ts';

const DAY_MS = 86_400_000;

let t: TestApp;
let server: Listening;
/** The keys a plug-in ships: the server's JWKS when it was built. */
let shippedKeys: JSONWebKeySet;
/** The vendor's root key, shipped beside them (`pnpm cli keys root`). */
let rootKeys: JSONWebKeySet;
const dirs: string[] = [];
const clients: SlotkeeperClient[] = [];

beforeAll(async () => {
  t = await startTestApp();
  server = await t.listen();
  shippedKeys = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
  rootKeys = { keys: [await t.app.services.signer.rootKey()] };
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

function storage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-client-'));
  dirs.push(dir);
  return dir;
}

function client(options: Partial<ClientOptions> = {}): SlotkeeperClient {
  const created = createClient({
    serverUrl: server.url,
    storageDir: storage(),
    publicKeys: shippedKeys,
    rootKeys,
    fingerprint: `machine-${randomBytes(4).toString('hex')}`,
    ...options,
  });
  clients.push(created);
  return created;
}

/**
 * Stops a listener from answering, as a server that went down. Only its HTTP side: the test app
 * closes the rest of every listener it started at the end.
 */
async function stop(listening: Listening) {
  listening.server.closeAllConnections();
  await new Promise((resolve) => listening.server.close(resolve));
}

function stateFile(dir: string) {
  return join(dir, STATE_FILE);
}

describe('activate and check', () => {
  it('activates, stores the token, checks VALID offline and shows the vendor links', async () => {
    const product = await t.app.services.products.create('operator', {
      code: `linked-${randomBytes(4).toString('hex')}`,
      name: 'Linked Plug-in',
      links: { website: 'https://vendor.example/', support: 'https://vendor.example/support', purchase: 'https://shop.example/buy' },
    });
    const license = await t.seed.license({ seats: 3, product });
    const dir = storage();
    const plugin = client({ storageDir: dir, product: product.code, machineName: 'DESKTOP-7', osUser: 'alice' });

    const activated = await plugin.activate({ email: license.email, password: license.password });
    expect(activated.check.status).toBe('VALID');
    expect(activated.license).toMatchObject({ id: license.id, seats: 3, seatsUsed: 1 });
    expect(activated.product).toEqual({
      code: product.code,
      name: 'Linked Plug-in',
      links: { website: 'https://vendor.example/', documentation: null, support: 'https://vendor.example/support', purchase: 'https://shop.example/buy' },
    });

    const checked = await plugin.check();
    expect(checked.status).toBe('VALID');
    expect(checked.license).toMatchObject({ licenseId: license.id, activationId: activated.activationId, seats: 3, email: license.email });
    expect(await plugin.product()).toEqual(activated.product);

    const row = await t.app.database.prisma.activation.findUniqueOrThrow({ where: { id: activated.activationId } });
    expect(row).toMatchObject({ machineName: 'DESKTOP-7', osUser: 'alice', releasedAt: null });
    // What is on disk is the signed token itself, not a bare "licensed" flag.
    const token = JSON.parse(readFileSync(stateFile(dir), 'utf8')).state.token;
    expect(decodeJwt(token)).toMatchObject({ sub: activated.activationId, aud: product.code });
  });

  it('answers NOT_ACTIVATED before activation, and WRONG_PRODUCT for a token of another product', async () => {
    expect((await client().check()).status).toBe('NOT_ACTIVATED');
    const license = await t.seed.license();
    const dir = storage();
    const fingerprint = 'pc-products';
    await client({ storageDir: dir, fingerprint }).activate({ email: license.email, password: license.password, product: license.product });
    expect((await client({ storageDir: dir, fingerprint, product: 'another-plugin' }).check()).status).toBe('WRONG_PRODUCT');
  });

  it('refuses with the server code: wrong password, no free slot with seats and used', async () => {
    const license = await t.seed.license({ seats: 1 });
    const wrong = await rejection(client().activate({ email: license.email, password: 'nope', product: license.product }));
    expect(wrong.code).toBe('INVALID_CREDENTIALS');

    await client().activate({ email: license.email, password: license.password, product: license.product });
    const full = await rejection(client().activate({ email: license.email, password: license.password, product: license.product }));
    expect(full.code).toBe('NO_FREE_SLOT');
    expect(full.details).toMatchObject({ seats: 1, used: 1 });
    expect(full.message).toMatch(/seats are in use/);
  });

  it('says the server is unreachable, naming it, and keeps the offline verdict of check({ online: true })', async () => {
    const port = await closedPort();
    const license = await t.seed.license();
    const down = await rejection(
      client({ serverUrl: `http://127.0.0.1:${port}` }).activate({ email: license.email, password: license.password, product: license.product }),
    );
    expect(down.code).toBe('SERVER_UNREACHABLE');
    expect(down.message).toContain(`127.0.0.1:${port}`);
    expect(down.message).toMatch(/ECONNREFUSED/);
  });
});

describe('offline', () => {
  it('stays VALID with the server stopped; a clock set back is CLOCK_TAMPERED; past exp is EXPIRED and stays so', async () => {
    const license = await t.seed.license({ expiresInDays: 30 });
    const clock = new TestClock();
    const own = await t.listen();
    const plugin = client({ serverUrl: own.url, clock });
    await plugin.activate({ email: license.email, password: license.password, product: license.product });
    await stop(own);

    expect((await plugin.check()).status).toBe('VALID');
    const online = await plugin.check({ online: true });
    expect(online.status).toBe('VALID');
    expect(online.online).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } });

    clock.advance(-2 * 3_600_000);
    const tampered = await plugin.check();
    expect(tampered.status).toBe('CLOCK_TAMPERED');
    expect(tampered.reason).toMatch(/set back/);
    clock.advance(2 * 3_600_000);
    expect((await plugin.check()).status).toBe('VALID');

    clock.advance(31 * DAY_MS);
    expect((await plugin.check()).status).toBe('EXPIRED');
    // The expiry was seen: turning the clock back does not bring the license back.
    clock.advance(-31 * DAY_MS);
    expect((await plugin.check()).status).toBe('CLOCK_TAMPERED');
  });

  it('a storage copied to another machine is WRONG_MACHINE; on the same machine the copy is VALID', async () => {
    const license = await t.seed.license();
    const dir = storage();
    const own = await t.listen();
    await client({ serverUrl: own.url, storageDir: dir, fingerprint: 'pc-original' }).activate({
      email: license.email,
      password: license.password,
      product: license.product,
    });
    await stop(own);

    const copy = storage();
    cpSync(dir, copy, { recursive: true });
    const other = client({ serverUrl: own.url, storageDir: copy, fingerprint: 'pc-other' });
    expect((await other.check()).status).toBe('WRONG_MACHINE');
    // The copied token is the original machine's: the other one refuses to free that slot with it.
    expect((await rejection(other.deactivate())).code).toBe('NOT_ACTIVATED');
    expect((await client({ serverUrl: own.url, storageDir: copy, fingerprint: 'pc-original' }).check()).status).toBe('VALID');
  });

  it('one byte of the stored token edited is BAD_SIGNATURE, even with the seal recomputed; so is a last-seen time moved back', async () => {
    const license = await t.seed.license();
    const dir = storage();
    const fingerprint = 'pc-edit';
    const clock = new TestClock();
    await client({ storageDir: dir, fingerprint, clock }).activate({ email: license.email, password: license.password, product: license.product });
    const original = readFileSync(stateFile(dir), 'utf8');
    const file = JSON.parse(original);

    // One character of the claims: e.g. a few more seats or a later expiry, as a cheat would try.
    const token: string = file.state.token;
    const at = token.indexOf('.') + 20;
    const edited = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    writeFileSync(stateFile(dir), JSON.stringify({ ...file, state: { ...file.state, token: edited } }));
    const badToken = await client({ storageDir: dir, fingerprint, clock }).check();
    expect(badToken.status).toBe('BAD_SIGNATURE');
    expect(badToken.reason).toMatch(/token is damaged or was edited/);
    // Someone who read this code can reseal the file for this machine: the token's signature still fails.
    writeState(dir, stateKey(fingerprint), { ...file.state, token: edited });
    const resealed = await client({ storageDir: dir, fingerprint, clock }).check();
    expect(resealed.status).toBe('BAD_SIGNATURE');
    expect(resealed.reason).toMatch(/signature/);

    // Rolling the clock back and the stored last-seen time with it, to hide the set-back clock.
    writeFileSync(stateFile(dir), JSON.stringify({ ...file, state: { ...file.state, lastSeen: file.state.lastSeen - 10 * DAY_MS } }));
    clock.advance(-5 * DAY_MS);
    const rolledBack = await client({ storageDir: dir, fingerprint, clock }).check();
    expect(rolledBack.status).toBe('BAD_SIGNATURE');
    expect(rolledBack.reason).toMatch(/state was edited/);

    // Re-indenting the file by hand changes no value: still fine.
    clock.advance(5 * DAY_MS);
    writeFileSync(stateFile(dir), JSON.stringify(JSON.parse(original), null, 8));
    expect((await client({ storageDir: dir, fingerprint, clock }).check()).status).toBe('VALID');
  });

  it('a clock behind the server at activation is CLOCK_TAMPERED from the start (server Date and token iat)', async () => {
    const license = await t.seed.license();
    const clock = new TestClock();
    clock.advance(-3_600_000);
    const plugin = client({ clock });
    const activated = await plugin.activate({ email: license.email, password: license.password, product: license.product });
    expect(activated.check.status).toBe('CLOCK_TAMPERED');
    clock.advance(3_600_000);
    expect((await plugin.check()).status).toBe('VALID');
  });
});

describe('lease renewal', () => {
  it('check({ online: true }) renews a lease past its half, not before; the new token is VALID offline', async () => {
    const license = await t.seed.license({ leaseDays: 10 });
    const clock = new TestClock();
    const plugin = client({ clock });
    await plugin.activate({ email: license.email, password: license.password, product: license.product });
    const first = (await plugin.check()).license!;

    clock.advance(3 * DAY_MS);
    const early = await plugin.check({ online: true });
    expect(early.online).toEqual({ ok: true, renewed: false });
    expect(early.license!.validUntil).toEqual(first.validUntil);

    clock.advance(3 * DAY_MS);
    t.clock.advance(6 * DAY_MS);
    try {
      const renewed = await plugin.check({ online: true });
      expect(renewed.status).toBe('VALID');
      expect(renewed.online).toEqual({ ok: true, renewed: true });
      expect(renewed.license!.validUntil.getTime()).toBeGreaterThan(first.validUntil.getTime() + 5 * DAY_MS);
      expect(renewed.license!.activationId).toBe(first.activationId);
      // Past the first lease's end the renewed token carries on.
      clock.advance(5 * DAY_MS);
      expect((await plugin.check()).status).toBe('VALID');
    } finally {
      t.clock.advance(-6 * DAY_MS);
    }
  });
});

describe('entitlements and trials', () => {
  it('check() returns the entitlements and hasEntitlement answers offline; a license change arrives with the next renewal', async () => {
    const product = await t.seed.product({ leaseDays: 10, entitlements: ['ifc-export', 'batch'] });
    const license = await t.seed.license({ product, entitlements: ['ifc-export'] });
    const clock = new TestClock();
    const plugin = client({ clock, product: product.code });
    await plugin.activate({ email: license.email, password: license.password });
    expect(await plugin.check()).toMatchObject({ status: 'VALID', entitlements: ['ifc-export'], trial: false });
    expect(await plugin.hasEntitlement('ifc-export')).toBe(true);
    expect(await plugin.hasEntitlement('batch')).toBe(false);

    await t.app.database.prisma.license.update({ where: { id: license.id }, data: { entitlements: ['ifc-export', 'batch'] } });
    expect(await plugin.hasEntitlement('batch')).toBe(false);
    await plugin.renew();
    expect(await plugin.hasEntitlement('batch')).toBe(true);
    // Past the token's end nothing is granted.
    clock.advance(11 * DAY_MS);
    expect(await plugin.check()).toMatchObject({ status: 'EXPIRED', entitlements: [] });
    expect(await plugin.hasEntitlement('ifc-export')).toBe(false);
  });

  it('startTrial stores a trial token checked VALID offline with trial: true; a second start is TRIAL_USED; it is never renewed', async () => {
    const product = await t.seed.product({ trialSeconds: 7 * 86_400, entitlements: ['batch'] });
    const clock = new TestClock();
    const fingerprint = `trial-${randomBytes(4).toString('hex')}`;
    const plugin = client({ clock, product: product.code, fingerprint });
    const started = await plugin.startTrial({ email: 'lead@example.com' });
    expect(started.check).toMatchObject({ status: 'VALID', trial: true, entitlements: ['batch'] });
    expect(started.check.license).toMatchObject({ trial: true, seats: 0 });
    expect(started.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    expect(await plugin.hasEntitlement('batch')).toBe(true);

    expect((await rejection(client({ product: product.code, fingerprint }).startTrial())).code).toBe('TRIAL_USED');
    expect((await rejection(client().startTrial({ product: (await t.seed.product()).code }))).code).toBe('NO_TRIAL');

    // Past half the trial an online check renews nothing (a trial lasts what it said) and stays VALID.
    clock.advance(5 * DAY_MS);
    const online = await plugin.check({ online: true });
    expect(online).toMatchObject({ status: 'VALID', trial: true, online: { ok: true, renewed: false } });
    expect((await rejection(plugin.renew())).code).toBe('TRIAL_NOT_RENEWABLE');
    clock.advance(3 * DAY_MS);
    expect(await plugin.check()).toMatchObject({ status: 'EXPIRED', trial: false, entitlements: [] });
  });
});

describe('key rotation', () => {
  it('a client with the old shipped key and the root key verifies new tokens after one online call and its old token offline', async () => {
    const license = await t.seed.license({ seats: 3 });
    const own = await t.listen();
    const shipped: JSONWebKeySet = await (await fetch(`${own.url}/.well-known/jwks.json`)).json();
    const before = client({ serverUrl: own.url, publicKeys: shipped });
    await before.activate({ email: license.email, password: license.password, product: license.product });
    const dir = storage();
    const renewing = client({ serverUrl: own.url, publicKeys: shipped, storageDir: dir, fingerprint: 'pc-rotation' });
    await renewing.activate({ email: license.email, password: license.password, product: license.product });

    const { kid } = await t.app.services.signer.rotate();
    expect(shipped.keys.map((k) => k.kid)).not.toContain(kid);

    // One online call: a new token, signed with the new key, and the JWKS that verifies it.
    expect((await renewing.renew()).status).toBe('VALID');
    const newToken: string = JSON.parse(readFileSync(stateFile(dir), 'utf8')).state.token;
    expect(decodeProtectedHeader(newToken).kid).toBe(kid);
    // The shipped keys alone cannot verify it: the root-signed key list does.
    const shippedOnly = await verifyOfflineToken(newToken, { keys: shipped, product: license.product, fingerprint: 'pc-rotation' });
    expect(shippedOnly.status).toBe('BAD_SIGNATURE');

    await stop(own);
    expect((await renewing.check()).status).toBe('VALID');
    expect((await before.check()).status).toBe('VALID');
  });

  it('without a shipped root key, a key rotated in is never trusted, even from the genuine server', async () => {
    const license = await t.seed.license({ seats: 1 });
    const shipped: JSONWebKeySet = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
    const plugin = client({ publicKeys: shipped, rootKeys: undefined, fingerprint: 'pc-no-root' });
    expect((await plugin.activate({ email: license.email, password: license.password, product: license.product })).check.status).toBe('VALID');
    await t.app.services.signer.rotate();
    expect((await plugin.renew()).status).toBe('BAD_SIGNATURE');
  });
});

describe('license manager', () => {
  it('lists licenses with seats, who holds them and this machine; releases a lost machine, which then holds nothing', async () => {
    const license = await t.seed.license({ seats: 2 });
    const login = { email: license.email, password: license.password };
    const mine = client({ machineName: 'WORKSTATION', osUser: 'bob' });
    const lost = client({ machineName: 'OLD-LAPTOP', osUser: 'bob' });
    const kept = await mine.activate({ ...login, product: license.product });
    const gone = await lost.activate({ ...login, product: license.product });

    expect((await rejection(mine.licenses())).code).toBe('LOGIN_REQUIRED');
    const [listed] = await mine.licenses(login);
    expect(listed).toMatchObject({ id: license.id, seats: 2, seatsUsed: 2, seatsFree: 0, status: 'ACTIVE', product: { code: license.product } });
    expect(listed!.activations).toEqual([
      expect.objectContaining({ id: kept.activationId, machineName: 'WORKSTATION', osUser: 'bob', thisMachine: true }),
      expect.objectContaining({ id: gone.activationId, machineName: 'OLD-LAPTOP', osUser: 'bob', thisMachine: false }),
    ]);

    // The session from the login above is kept for the next call.
    expect(await mine.release(gone.activationId)).toEqual({ licenseId: license.id, seats: 2, seatsUsed: 1 });
    const renew = await rejection(lost.renew());
    expect(renew.code).toBe('SLOT_RELEASED');
    expect((await lost.check()).status).toBe('NOT_ACTIVATED');
    expect((await mine.licenses())[0]!.activations.map((a) => a.id)).toEqual([kept.activationId]);
  });

  it('deactivates with the stored token, then with the login when the storage is lost', async () => {
    const license = await t.seed.license({ seats: 1 });
    const login = { email: license.email, password: license.password, product: license.product };
    const dir = storage();
    const plugin = client({ storageDir: dir, fingerprint: 'pc-deactivate' });
    await plugin.activate(login);
    expect(await plugin.deactivate()).toEqual({ licenseId: license.id, seats: 1, seatsUsed: 0 });
    expect((await plugin.check()).status).toBe('NOT_ACTIVATED');
    expect((await rejection(plugin.deactivate())).code).toBe('NOT_ACTIVATED');

    await plugin.activate(login);
    rmSync(dir, { recursive: true });
    expect((await plugin.check()).status).toBe('NOT_ACTIVATED');
    expect(await plugin.deactivate(login)).toEqual({ licenseId: license.id, seats: 1, seatsUsed: 0 });
  });
});

describe('vendor links', () => {
  it('the operator sets and changes them (http(s) only); activation and the license manager show them', async () => {
    const license = await t.seed.license();
    const code = license.product;
    const refused = await runCommand(t.app, 'product update', { code, support: 'javascript:alert(1)' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const updated = await runCommand(t.app, 'product update', { code, website: 'https://vendor.example/tools', purchase: 'http://shop.example/buy' });
    expect(updated.ok).toBe(true);

    const login = { email: license.email, password: license.password };
    const plugin = client();
    await plugin.activate({ ...login, product: code });
    expect((await plugin.product())!.links).toEqual({
      website: 'https://vendor.example/tools',
      documentation: null,
      support: null,
      purchase: 'http://shop.example/buy',
    });

    await runCommand(t.app, 'product update', { code, website: '', support: 'https://help.example/' });
    const [listed] = await plugin.licenses(login);
    expect(listed!.product.links).toEqual({ website: null, documentation: null, support: 'https://help.example/', purchase: 'http://shop.example/buy' });
  });

  it('a vendor admin creates a product with links through the admin API; a file: URL is refused', async () => {
    const email = `vendor-${randomBytes(4).toString('hex')}@example.com`;
    await t.app.services.staff.create('operator', { email, role: 'VENDOR_ADMIN', password: 'Vendor-Secret-2026!' });
    const session = (
      await t.gql('mutation($e: String!) { staffLogIn(input: { email: $e, password: "Vendor-Secret-2026!" }) { ... on StaffLogInSuccess { token } } }', { e: email })
    ).data.staffLogIn.token;
    const CREATE = `mutation($input: CreateProductInput!) {
      createProduct(input: $input) {
        __typename
        ... on CreateProductSuccess { product { code links { website documentation support purchase } } }
        ... on InvalidInputError { code field }
      }
    }`;
    const code = `admin-${randomBytes(4).toString('hex')}`;
    const refused = await t.gql(CREATE, { input: { code, name: 'Admin Plug-in', links: { documentation: 'file:///etc/passwd' } } }, session);
    expect(refused.data.createProduct).toEqual({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'documentation' });
    const created = await t.gql(CREATE, { input: { code, name: 'Admin Plug-in', links: { documentation: 'https://docs.example/admin' } } }, session);
    expect(created.data.createProduct.product).toEqual({
      code,
      links: { website: null, documentation: 'https://docs.example/admin', support: null, purchase: null },
    });
  });
});

describe('passwords', () => {
  it('requests a reset (same answer for an unknown e-mail), resets with the e-mailed code, changes it again', async () => {
    const license = await t.seed.license();
    const plugin = client();
    await plugin.requestPasswordReset(license.email);
    await plugin.requestPasswordReset(`nobody-${randomBytes(4).toString('hex')}@example.com`);
    // The worker looks the login up and writes the reset after the answer.
    await t.app.mailWorker.drain();
    const mail = await t.app.database.prisma.mailMessage.findFirstOrThrow({
      where: { to: license.email, template: 'password-reset' },
      orderBy: { createdAt: 'desc' },
    });
    const code = t.mailLine(mail, 'Code');

    const mismatch = await rejection(plugin.resetPassword({ code, newPassword: 'a new long passphrase', newPasswordRepeat: 'another one' }));
    expect(mismatch.code).toBe('PASSWORDS_DO_NOT_MATCH');
    await plugin.resetPassword({ code, newPassword: 'a new long passphrase', newPasswordRepeat: 'a new long passphrase' });
    const used = await rejection(plugin.resetPassword({ code, newPassword: 'yet another passphrase', newPasswordRepeat: 'yet another passphrase' }));
    expect(used.code).toBe('RESET_TOKEN_INVALID');

    const wrongCurrent = await rejection(
      plugin.changePassword({
        email: license.email,
        currentPassword: license.password,
        newPassword: 'the third long passphrase',
        newPasswordRepeat: 'the third long passphrase',
      }),
    );
    expect(wrongCurrent.code).toBe('INVALID_CREDENTIALS');
    await plugin.changePassword({
      email: license.email,
      currentPassword: 'a new long passphrase',
      newPassword: 'the third long passphrase',
      newPasswordRepeat: 'the third long passphrase',
    });
    const activated = await plugin.activate({ email: license.email, password: 'the third long passphrase', product: license.product });
    expect(activated.check.status).toBe('VALID');
  });
});
