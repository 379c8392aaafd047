import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fingerprintHash, verifyOfflineToken } from '@slotkeeper/client/verify';
import { createSigner } from '@slotkeeper/schema/services/signing-key';
import { type JSONWebKeySet, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, DEACTIVATE, RENEW, machine } from './support/operations.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

async function jwks(): Promise<JSONWebKeySet> {
  const response = await t.app.yoga.fetch('http://slotkeeper.test/.well-known/jwks.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toContain('max-age');
  return response.json();
}

async function activated(fingerprint = 'pc-1', options: { leaseDays?: number } = {}) {
  const license = await t.seed.license({ seats: 3, ...options });
  const { data } = await t.gql(ACTIVATE, { input: machine(license, fingerprint) });
  expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  return { license, token: data.activateMachine.token as string, activationId: data.activateMachine.activation.id as string };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('offline token', () => {
  it('is an EdDSA slot+jwt with the documented claims, verifiable with the JWKS alone', async () => {
    const { license, token, activationId } = await activated('pc-1');
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'slot+jwt' });
    const keys = await jwks();
    expect(keys.keys.map((k) => k.kid)).toContain(header.kid);
    for (const key of keys.keys) expect(key).not.toHaveProperty('d');

    const result = await verifyOfflineToken(token, { keys, product: license.product, fingerprint: 'pc-1', issuer: 'slotkeeper' });
    expect(result.status).toBe('VALID');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'slotkeeper',
      sub: activationId,
      aud: license.product,
      lic: license.id,
      fp: fingerprintHash('pc-1'),
      seats: 3,
    });
    expect(claims.nbf).toBeLessThanOrEqual(claims.iat!);
    expect(claims.exp! * 1000).toBeGreaterThan(Date.now() + 364 * 86_400_000);
  });

  it('is refused when forged: changed claim, other key, alg none, HS256 with the public key, swapped kid', async () => {
    const { license, token } = await activated('pc-2');
    const keys = await jwks();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = decodeJwt(token);
    const kid = decodeProtectedHeader(token).kid;

    const otherKey = generateKeyPairSync('ed25519').privateKey;
    const publicJwk = keys.keys.find((k) => k.kid === kid)!;
    const forgeries: Record<string, string> = {
      'more seats': `${header}.${b64({ ...claims, seats: 1000 })}.${signature}`,
      'other machine': `${header}.${b64({ ...claims, fp: fingerprintHash('pc-3') })}.${signature}`,
      'later exp': `${header}.${b64({ ...claims, exp: claims.exp! + 86_400 })}.${signature}`,
      'alg none': `${b64({ alg: 'none', typ: 'slot+jwt', kid })}.${payload}.`,
      'other key, same kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'slot+jwt', kid })
        .sign(otherKey),
      'HS256 with the public key as secret': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'slot+jwt', kid })
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk))),
      'HS256 with the raw public key bytes': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'slot+jwt', kid })
        .sign(Buffer.from(publicJwk.x!, 'base64url')),
      'unknown kid': `${b64({ alg: 'EdDSA', typ: 'slot+jwt', kid: 'nope' })}.${payload}.${signature}`,
      'one signature byte changed': `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`,
    };
    for (const [name, forged] of Object.entries(forgeries)) {
      const offline = await verifyOfflineToken(forged, { keys, product: license.product, fingerprint: 'pc-2' });
      expect(offline.status, name).toBe('BAD_SIGNATURE');
      const renewed = await t.gql(RENEW, { token: forged });
      expect(renewed.data.renewToken.code, name).toBe('INVALID_TOKEN');
      const deactivated = await t.gql(DEACTIVATE, { input: { token: forged } });
      expect(deactivated.data.deactivateMachine.code, name).toBe('INVALID_TOKEN');
    }
    const live = await t.app.database.prisma.activation.count({ where: { licenseId: license.id, releasedAt: null } });
    expect(live).toBe(1);
  });

  it('is refused offline when expired, not yet valid, for another product or another machine', async () => {
    const { license, token } = await activated('pc-4', { leaseDays: 7 });
    const keys = await jwks();
    const check = (options: { product?: string; fingerprint?: string; now?: Date }) =>
      verifyOfflineToken(token, { keys, product: license.product, fingerprint: 'pc-4', ...options });
    expect((await check({ now: new Date(Date.now() + 8 * 86_400_000) })).status).toBe('EXPIRED');
    expect((await check({ now: new Date(Date.now() - 3 * 86_400_000) })).status).toBe('NOT_YET_VALID');
    expect((await check({ product: 'another-product' })).status).toBe('WRONG_PRODUCT');
    expect((await check({ fingerprint: 'pc-5' })).status).toBe('WRONG_MACHINE');
    expect((await check({})).status).toBe('VALID');
  });
});

describe('signing keys', () => {
  it('after keys rotate, new tokens use the new key and old tokens still verify and renew', async () => {
    const before = await activated('pc-old');
    const oldKid = decodeProtectedHeader(before.token).kid;
    const { kid, retiredKid } = await t.app.services.signer.rotate();
    expect(retiredKid).not.toBeNull();
    expect(kid).not.toBe(oldKid);

    const after = await activated('pc-new');
    expect(decodeProtectedHeader(after.token).kid).toBe(kid);
    const keys = await jwks();
    expect(keys.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, oldKid]));
    const old = await verifyOfflineToken(before.token, { keys, product: before.license.product, fingerprint: 'pc-old' });
    expect(old.status).toBe('VALID');

    const { data } = await t.gql(RENEW, { token: before.token });
    expect(data.renewToken.__typename).toBe('RenewTokenSuccess');
    expect(decodeProtectedHeader(data.renewToken.token).kid).toBe(kid);
  });

  it('drops a retired key from the JWKS once every token it signed has expired', async () => {
    const { token } = await activated('pc-x', { leaseDays: 1 });
    const kid = decodeProtectedHeader(token).kid!;
    await t.app.services.signer.rotate();
    expect((await jwks()).keys.map((k) => k.kid)).toContain(kid);
    // Past every token any test issued (licenses run ≤ 400 days).
    t.clock.advance(3_000 * 86_400_000);
    try {
      const later = (await jwks()).keys.map((k) => k.kid);
      expect(later).not.toContain(kid);
      expect(later.length).toBeGreaterThanOrEqual(1);
    } finally {
      t.clock.advance(-3_000 * 86_400_000);
    }
  });

  it('stores private keys encrypted, and a wrong key-encryption key fails with a clear message', async () => {
    const rows = await t.app.database.prisma.signingKey.findMany();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.encryptedPrivateKey.split('.')).toHaveLength(3);
      expect(row.publicJwk).not.toHaveProperty('d');
    }
    const wrong = createSigner({ db: t.app.database.prisma, clock: t.clock, kek: randomBytes(32), issuer: 'slotkeeper' });
    await expect(wrong.current()).rejects.toThrow(/cannot be decrypted: KEY_ENCRYPTION_KEY/);
  });

  it('exports keys that a second signer on the same database verifies (another api instance)', async () => {
    const { token } = await activated('pc-y');
    const other = createSigner({
      db: t.app.database.prisma,
      clock: t.clock,
      kek: t.app.config.keyEncryptionKey!,
      issuer: 'slotkeeper',
    });
    const claims = await other.verifySignature(token);
    expect(claims.fp).toBe(fingerprintHash('pc-y'));
  });
});
