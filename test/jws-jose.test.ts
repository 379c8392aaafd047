// The server signs and verifies offline tokens on node:crypto (packages/schema/src/services/jws.ts)
// instead of jose, for speed: here jose judges its work. Every token the server signs, EdDSA and
// RS256, is a JWT that jose's jwtVerify accepts with the published key; a token jose signs with the
// server's key verifies on the server; and of thousands of altered tokens the server accepts none
// that jose refuses.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { decryptAtRest } from '@slotkeeper/schema/services/key-encryption';
import { type Signer, TOKEN_TYPE, type TokenAlg, createSigner } from '@slotkeeper/schema/services/signing-key';
import { type JWK, type KeyObject as JoseKey, SignJWT, compactVerify, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';

const ISSUER = 'slotkeeper-jws';
let t: TestApp;
let signer: Signer;

beforeAll(async () => {
  t = await startTestApp();
  signer = createSigner({ db: t.app.database.prisma, clock: t.clock, kek: t.app.config.keyEncryptionKey!, issuer: ISSUER });
});
afterAll(() => t?.close());

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Partial<{ ovr: true; trial: true }> = {}) => ({
  sub: `act-${randomBytes(4).toString('hex')}`,
  aud: 'jws-product',
  lic: `lic-${randomBytes(4).toString('hex')}`,
  fp: randomBytes(32).toString('base64url'),
  seats: 3,
  ent: ['ifc-export', 'batch'],
  nbf: now() - 60,
  exp: now() + 3_600,
  ...extra,
});

/** The signing key of `alg` as the database holds it: public JWK and decrypted private key. */
async function keyOf(alg: TokenAlg, kid: string) {
  const row = await t.app.database.prisma.signingKey.findUniqueOrThrow({ where: { kid } });
  expect(row.alg).toBe(alg);
  const privateKey = createPrivateKey({ key: decryptAtRest(row.encryptedPrivateKey, t.app.config.keyEncryptionKey!, kid), format: 'der', type: 'pkcs8' });
  return { jwk: row.publicJwk as JWK, privateKey, publicKey: (await importJWK(row.publicJwk as JWK, alg)) as JoseKey };
}

/** Does the server take this token as genuine? */
const serverAccepts = (token: string) => signer.verifySignature(token).then(() => true, () => false);

/** Does jose take it for a token of this key (signature, alg, typ, issuer, a JSON claims set)? */
async function joseAccepts(token: string, alg: TokenAlg, key: JoseKey) {
  try {
    await jwtVerify(token, key, { algorithms: [alg], typ: TOKEN_TYPE, issuer: ISSUER, clockTolerance: 10 ** 9 });
    return true;
  } catch {
    return false;
  }
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe.each(['EdDSA', 'RS256'] as const)('%s', (alg) => {
  it('a token the server signs is a JWT jose verifies with the published key, with the claims given', async () => {
    for (const extra of [{}, { ovr: true as const }, { trial: true as const }]) {
      const given = claims(extra);
      const { token, kid } = await signer.sign(given, alg);
      const { publicKey } = await keyOf(alg, kid);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { algorithms: [alg], typ: TOKEN_TYPE, issuer: ISSUER, audience: given.aud });
      expect(protectedHeader).toEqual({ alg, kid, typ: TOKEN_TYPE });
      expect(payload).toEqual({ ...given, iss: ISSUER, iat: expect.any(Number) });
      // The server reads back what it signed.
      expect(await signer.verifySignature(token)).toMatchObject({ sub: given.sub, lic: given.lic, fp: given.fp, seats: 3, kid, alg, ...(extra.trial ? { trial: true } : {}) });
    }
  });

  it('a token jose signs with the server key verifies on the server; one with another key or header does not', async () => {
    const given = claims();
    const { kid } = await signer.sign(given, alg);
    const { privateKey } = await keyOf(alg, kid);
    const jwt = (header: Record<string, unknown>) =>
      new SignJWT({ lic: given.lic, fp: given.fp, seats: given.seats, ent: given.ent })
        .setProtectedHeader({ alg, ...header })
        .setIssuer(ISSUER)
        .setSubject(given.sub)
        .setAudience(given.aud)
        .setIssuedAt()
        .setNotBefore(given.nbf)
        .setExpirationTime(given.exp)
        .sign(privateKey);
    expect(await signer.verifySignature(await jwt({ kid, typ: TOKEN_TYPE }))).toMatchObject({ sub: given.sub, kid, alg });
    expect(await serverAccepts(await jwt({ kid, typ: 'JWT' }))).toBe(false);
    expect(await serverAccepts(await jwt({ typ: TOKEN_TYPE }))).toBe(false);
    expect(await serverAccepts(await jwt({ kid, typ: TOKEN_TYPE, crit: ['exp'], exp: 1 }).catch(() => 'jose refused to sign'))).toBe(false);
    expect(await serverAccepts(await jwt({ kid, typ: TOKEN_TYPE, b64: true, crit: ['b64'] }))).toBe(false);
  });

  it('of altered tokens (bytes, parts, encodings, headers) the server accepts none that jose refuses', async () => {
    const { token, kid } = await signer.sign(claims(), alg);
    const { publicKey } = await keyOf(alg, kid);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherAlg = alg === 'EdDSA' ? 'RS256' : 'EdDSA';
    const altered: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', kid, typ: TOKEN_TYPE })}.${payload}.`,
      'alg of the other kind': `${b64({ alg: otherAlg, kid, typ: TOKEN_TYPE })}.${payload}.${signature}`,
      'no signature': `${header}.${payload}.`,
      'two parts': `${header}.${payload}`,
      'four parts': `${token}.${signature}`,
      'padding': `${token}=`,
      'space inside': `${header}.${payload} .${signature}`,
      'standard base64 signature': `${header}.${payload}.${Buffer.from(signature, 'base64url').toString('base64')}`,
      'payload an array': `${header}.${b64([1, 2])}.${signature}`,
      'payload not JSON': `${header}.${b64('{"sub":')}.${signature}`,
      'header not JSON': `${b64('{"alg"')}.${payload}.${signature}`,
      'empty token': '',
    };
    // Every byte of the token changed to each base64url neighbour, and random whole-character swaps.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const positions = [...Array(token.length).keys()].filter((i) => i % Math.max(1, Math.floor(token.length / 300)) === 0);
    for (const i of positions) {
      const c = token[i]!;
      const next = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length]!;
      altered[`char ${i} ${c}→${next}`] = token.slice(0, i) + next + token.slice(i + 1);
    }
    let serverOnly = 0;
    let both = 0;
    for (const [name, forged] of Object.entries(altered)) {
      const server = await serverAccepts(forged);
      const jose = await joseAccepts(forged, alg, publicKey);
      if (server && !jose) serverOnly++;
      if (server && jose) both++;
      expect({ name, server: server && !jose }).toEqual({ name, server: false });
    }
    console.log(`${alg}: ${Object.keys(altered).length} altered tokens; accepted by the server and jose: ${both} (re-encodings of the same bytes), by the server alone: ${serverOnly}`);
    // The genuine token is accepted by both, so the comparison above can tell.
    expect(await serverAccepts(token)).toBe(true);
    expect(await joseAccepts(token, alg, publicKey)).toBe(true);
    await expect(compactVerify(token, publicKey, { algorithms: [alg] })).resolves.toBeTruthy();
  });
});
