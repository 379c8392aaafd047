// RS256 products (for plug-ins whose platform has no Ed25519, such as .NET): keys, JWKS, signed key
// list, rotation, and that a token is only ever accepted under its own key's algorithm.
import { createHmac, createPublicKey, generateKeyPairSync, sign as rawSign } from 'node:crypto';
import { KeyRing } from '@slotkeeper/client/check';
import { fingerprintHash, keySet, verifyKeyList, verifyOfflineToken } from '@slotkeeper/client/verify';
import { type JSONWebKeySet, type JWK, calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { commands } from '../packages/api/src/operator.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';
import { ACTIVATE, DEACTIVATE, RENEW, machine } from './support/operations.ts';
import { setUpTenants } from './support/tenants.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

async function jwks(): Promise<JSONWebKeySet> {
  return (await t.app.yoga.fetch('http://slotkeeper.test/.well-known/jwks.json')).json();
}

async function activated(tokenAlg: 'EdDSA' | 'RS256', fingerprint: string) {
  const license = await t.seed.license({ seats: 3, tokenAlg });
  const { data } = await t.gql(ACTIVATE, { input: machine(license, fingerprint) });
  expect(data.activateMachine.__typename).toBe('ActivateMachineSuccess');
  return { license, fingerprint, token: data.activateMachine.token as string };
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const json64 = (value: unknown) => b64(JSON.stringify(value));
const parts = (token: string) => token.split('.') as [string, string, string];
const resigned = (head: object, payload: string, signer: (input: Buffer) => Buffer) => {
  const input = `${json64(head)}.${payload}`;
  return `${input}.${b64(signer(Buffer.from(input)))}`;
};

/** Refused by the SDK offline and by the server (renew and deactivate), and the slot stays taken. */
async function expectRefused(forgeries: Record<string, string>, genuine: { license: { id: string; product: string }; fingerprint: string }) {
  const keys = await jwks();
  for (const [name, forged] of Object.entries(forgeries)) {
    const offline = await verifyOfflineToken(forged, { keys, product: genuine.license.product, fingerprint: genuine.fingerprint });
    expect(offline.status, name).toBe('BAD_SIGNATURE');
    expect((await t.gql(RENEW, { token: forged })).data.renewToken.code, name).toBe('INVALID_TOKEN');
    expect((await t.gql(DEACTIVATE, { input: { token: forged } })).data.deactivateMachine.code, name).toBe('INVALID_TOKEN');
  }
  const live = await t.app.database.prisma.activation.count({ where: { licenseId: genuine.license.id, releasedAt: null } });
  expect(live).toBe(1);
}

describe('RS256 tokens', () => {
  it('get their RSA key when a product is set to RS256, so a JWKS shipped before any activation holds it', async () => {
    expect((await jwks()).keys.filter((k) => k.kty === 'RSA')).toEqual([]);
    const product = await t.app.services.products.create('operator', { code: `first-rs-${Date.now()}`, name: 'Revit Plug-in', tokenAlg: 'RS256' });
    const shipped = (await jwks()).keys.filter((k) => k.kty === 'RSA');
    expect(shipped).toHaveLength(1);
    const license = await t.seed.license({ product });
    const { data } = await t.gql(ACTIVATE, { input: machine(license, 'rs-0') });
    expect(decodeProtectedHeader(data.activateMachine.token).kid).toBe(shipped[0]!.kid);
  });

  it('signs an RS256 product with a 3072-bit RSA key published as kty RSA, alg RS256, kid its RFC 7638 thumbprint', async () => {
    const { license, token } = await activated('RS256', 'rs-1');
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'slot+jwt' });
    const jwk = (await jwks()).keys.find((k) => k.kid === header.kid)!;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(jwk).not.toHaveProperty('d');
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! }));
    expect(createPublicKey({ key: jwk as never, format: 'jwk' }).asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(decodeJwt(token)).toMatchObject({ aud: license.product, lic: license.id, fp: fingerprintHash('rs-1') });

    const result = await verifyOfflineToken(token, { keys: await jwks(), product: license.product, fingerprint: 'rs-1', issuer: 'slotkeeper' });
    expect(result.status).toBe('VALID');

    const row = await t.app.database.prisma.signingKey.findUniqueOrThrow({ where: { kid: header.kid } });
    expect(row.alg).toBe('RS256');
    expect(row.encryptedPrivateKey.split('.')).toHaveLength(3);
  });

  it('puts the RSA key into the root-signed key list, so a plug-in shipping only the root key trusts it', async () => {
    const { license, token } = await activated('RS256', 'rs-2');
    const jws = await (await t.app.yoga.fetch('http://slotkeeper.test/.well-known/jwks.jws')).text();
    const listed = verifyKeyList(jws, keySet({ keys: [await t.app.services.signer.rootKey()] }));
    expect(listed?.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(token).kid);
    const result = await verifyOfflineToken(token, { keys: { keys: listed!.keys }, product: license.product, fingerprint: 'rs-2' });
    expect(result.status).toBe('VALID');
    // The SDK's key ring takes the listed RSA key as it takes Ed25519 ones.
    const ring = new KeyRing({ rootKeys: { keys: [await t.app.services.signer.rootKey()] } });
    expect((await verifyOfflineToken(token, { keys: ring.with(jws), product: license.product, fingerprint: 'rs-2' })).status).toBe('VALID');
    expect((await verifyOfflineToken(token, { keys: ring.with(null), product: license.product, fingerprint: 'rs-2' })).status).toBe('BAD_SIGNATURE');
  });

  it('keeps EdDSA for products that did not choose RS256', async () => {
    const { token } = await activated('EdDSA', 'ed-1');
    expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
  });

  it('refuses an RS256 token presented as EdDSA and an EdDSA token presented as RS256', async () => {
    const rsa = await activated('RS256', 'rs-3');
    const ed = await activated('EdDSA', 'ed-2');
    const rsaKid = decodeProtectedHeader(rsa.token).kid;
    const edKid = decodeProtectedHeader(ed.token).kid;
    const relabel = (token: string, head: object) => `${json64({ ...decodeProtectedHeader(token), ...head })}.${parts(token)[1]}.${parts(token)[2]}`;
    const attackerEd = generateKeyPairSync('ed25519').privateKey;
    const attackerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const rsaJwk = (await jwks()).keys.find((k) => k.kid === rsaKid)!;
    const rsaPem = createPublicKey({ key: rsaJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const rsaPayload = parts(rsa.token)[1];

    await expectRefused(
      {
        'RS256 token relabelled EdDSA': relabel(rsa.token, { alg: 'EdDSA' }),
        'RS256 token relabelled EdDSA with the EdDSA kid': relabel(rsa.token, { alg: 'EdDSA', kid: edKid }),
        'EdDSA signature under the RSA kid': resigned({ alg: 'EdDSA', typ: 'slot+jwt', kid: rsaKid }, rsaPayload, (i) => rawSign(null, i, attackerEd)),
        'HS256 with the RSA public key (PEM) as secret': resigned({ alg: 'HS256', typ: 'slot+jwt', kid: rsaKid }, rsaPayload, (i) =>
          createHmac('sha256', rsaPem).update(i).digest(),
        ),
        'other RSA key, same kid': resigned({ alg: 'RS256', typ: 'slot+jwt', kid: rsaKid }, rsaPayload, (i) => rawSign('sha256', i, attackerRsa)),
        'more seats': `${parts(rsa.token)[0]}.${json64({ ...decodeJwt(rsa.token), seats: 1000 })}.${parts(rsa.token)[2]}`,
        'PS256 under the RSA kid': relabel(rsa.token, { alg: 'PS256' }),
      },
      rsa,
    );
    await expectRefused(
      {
        'EdDSA token relabelled RS256': relabel(ed.token, { alg: 'RS256' }),
        'EdDSA token relabelled RS256 with the RSA kid': relabel(ed.token, { alg: 'RS256', kid: rsaKid }),
        'RS256 signature under the EdDSA kid': resigned({ alg: 'RS256', typ: 'slot+jwt', kid: edKid }, parts(ed.token)[1], (i) =>
          rawSign('sha256', i, attackerRsa),
        ),
      },
      ed,
    );
  });

  it('refuses offline an RSA key under 2048 bits, even one the plug-in was given', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...(weak.publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak', alg: 'RS256' };
    const now = Math.floor(Date.now() / 1000);
    const payload = json64({ iss: 'slotkeeper', sub: 's', aud: 'p', lic: 'l', fp: fingerprintHash('m'), seats: 1, iat: now, nbf: now, exp: now + 60 });
    const token = resigned({ alg: 'RS256', typ: 'slot+jwt', kid: 'weak' }, payload, (i) => rawSign('sha256', i, weak.privateKey));
    expect((await verifyOfflineToken(token, { keys: { keys: [jwk] }, product: 'p', fingerprint: 'm' })).status).toBe('BAD_SIGNATURE');
  });
});

describe('RS256 keys rotate', () => {
  it('rotates the RSA key with the Ed25519 one: new tokens use the new keys, old RS256 tokens verify and renew', async () => {
    const before = await activated('RS256', 'rot-1');
    const oldKid = decodeProtectedHeader(before.token).kid;
    const { rotated } = await t.app.services.signer.rotate();
    expect(rotated.map((k) => k.alg).sort()).toEqual(['EdDSA', 'RS256']);
    const rsa = rotated.find((k) => k.alg === 'RS256')!;
    expect(rsa.retiredKid).toBe(oldKid);
    expect(commands['keys rotate']!.text({ rotated } as never)).toContain(`New RS256 signing key ${rsa.kid}. Key ${oldKid} is retired`);

    const after = await activated('RS256', 'rot-2');
    expect(decodeProtectedHeader(after.token).kid).toBe(rsa.kid);
    const keys = await jwks();
    expect(keys.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, rsa.kid]));
    const old = await verifyOfflineToken(before.token, { keys, product: before.license.product, fingerprint: 'rot-1' });
    expect(old.status).toBe('VALID');

    const { data } = await t.gql(RENEW, { token: before.token });
    expect(data.renewToken.__typename).toBe('RenewTokenSuccess');
    expect(decodeProtectedHeader(data.renewToken.token)).toMatchObject({ alg: 'RS256', kid: rsa.kid });
  });
});

describe('product token algorithm', () => {
  const PRODUCT = /* GraphQL */ `
    fragment P on Product { code tokenAlg }
    mutation($create: CreateProductInput!) {
      createProduct(input: $create) { __typename ... on CreateProductSuccess { product { ...P } } ... on Error { code } }
    }`;
  const UPDATE = /* GraphQL */ `
    mutation($update: UpdateProductInput!) {
      updateProduct(input: $update) { __typename ... on UpdateProductSuccess { product { code tokenAlg } } ... on Error { code } }
    }`;

  it('is EdDSA unless the vendor chooses RS256 on create or update; tokens renewed after the switch are RS256', async () => {
    const { tokens } = await setUpTenants(t);
    const code = `alg-${Date.now()}`;
    const created = await t.gql(PRODUCT, { create: { code, name: 'Revit Plug-in' } }, tokens.vendor);
    expect(created.data.createProduct.product).toEqual({ code, tokenAlg: 'EdDSA' });
    const rs = await t.gql(PRODUCT, { create: { code: `${code}-rs`, name: 'Revit Plug-in', tokenAlg: 'RS256' } }, tokens.vendor);
    expect(rs.data.createProduct.product.tokenAlg).toBe('RS256');

    const product = await t.app.database.prisma.product.findUniqueOrThrow({ where: { code } });
    const license = await t.seed.license({ product });
    const { data } = await t.gql(ACTIVATE, { input: machine(license, 'switch-1') });
    expect(decodeProtectedHeader(data.activateMachine.token).alg).toBe('EdDSA');

    const updated = await t.gql(UPDATE, { update: { code, tokenAlg: 'RS256' } }, tokens.vendor);
    expect(updated.data.updateProduct.product.tokenAlg).toBe('RS256');
    const renewed = await t.gql(RENEW, { token: data.activateMachine.token });
    expect(decodeProtectedHeader(renewed.data.renewToken.token).alg).toBe('RS256');
  });

  it('is refused by the GraphQL schema and the service when it is neither EdDSA nor RS256', async () => {
    const { tokens } = await setUpTenants(t);
    const bad = await t.gql(PRODUCT, { create: { code: `alg-bad-${Date.now()}`, name: 'X', tokenAlg: 'HS256' } }, tokens.vendor);
    expect(bad.errors?.[0]?.message).toMatch(/TokenAlg/);
    await expect(
      t.app.services.products.create('operator', { code: `alg-bad-${Date.now()}`, name: 'X', tokenAlg: 'HS256' as never }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('is set by the CLI with --token-alg on product create and update', async () => {
    const code = `alg-cli-${Date.now()}`;
    const created = await commands['product create']!.run(t.app, { code, name: 'CLI', 'token-alg': 'RS256' });
    expect(created).toMatchObject({ code, tokenAlg: 'RS256' });
    expect(commands['product create']!.text(created as never)).toContain('Tokens: RS256');
    const updated = await commands['product update']!.run(t.app, { code, 'token-alg': 'EdDSA' });
    expect(updated).toMatchObject({ tokenAlg: 'EdDSA' });
    await expect(commands['product update']!.run(t.app, { code, 'token-alg': 'rs256' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
