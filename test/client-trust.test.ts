// What the SDK's offline check trusts (README, "What the offline check trusts"): the keys the plug-in
// shipped with, and keys in a key list signed by a root key it shipped with; never keys because a
// server sent them. A fake server on `serverUrl` answers with tokens signed by its own key.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Listening } from '@slotkeeper/api/server';
import { type ClientOptions, type SlotkeeperClient, createClient } from '@slotkeeper/client/client';
import { STATE_FILE } from '@slotkeeper/client/storage';
import { fingerprintHash } from '@slotkeeper/client/verify';
import { CompactSign, type JSONWebKeySet, type JWK, SignJWT, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp } from './support/app.ts';

let t: TestApp;
let server: Listening;
let shippedKeys: JSONWebKeySet;
let rootKeys: JSONWebKeySet;
const dirs: string[] = [];
const clients: SlotkeeperClient[] = [];
const fakes: Server[] = [];

beforeAll(async () => {
  t = await startTestApp();
  server = await t.listen();
  shippedKeys = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
  rootKeys = { keys: [await t.app.services.signer.rootKey()] };
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const fake of fakes) await new Promise((resolve) => fake.close(resolve));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

function storage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-trust-'));
  dirs.push(dir);
  return dir;
}

function client(options: Partial<ClientOptions>): SlotkeeperClient {
  const created = createClient({ serverUrl: server.url, storageDir: storage(), publicKeys: shippedKeys, rootKeys, ...options });
  clients.push(created);
  return created;
}

async function ed25519() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, kid, jwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A key list as the server publishes it, signed by `root` (header `kid` as given). */
async function signedList(keys: JWK[], root: { privateKey: import('node:crypto').KeyObject; kid: string }) {
  const payload = new TextEncoder().encode(JSON.stringify({ keys, iat: Math.floor(Date.now() / 1000) }));
  return new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', kid: root.kid, typ: 'jwks+jwt' }).sign(root.privateKey);
}

/**
 * A server posing as the license server: every mutation succeeds with 9,999 seats until 2099, in a
 * token signed by its own key, which its JWKS publishes; `keyList` is what it serves as jwks.jws.
 */
async function fakeServer(keyList: (key: Awaited<ReturnType<typeof ed25519>>) => Promise<string> | string) {
  const key = await ed25519();
  const list = await keyList(key);
  const fake = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', async () => {
      if (request.url === '/.well-known/jwks.json') return response.end(JSON.stringify({ keys: [key.jwk] }));
      if (request.url === '/.well-known/jwks.jws') return response.end(list);
      const input = JSON.parse(body).variables.input as { product?: string; fingerprint?: string; token?: string };
      const old = input.token ? JSON.parse(Buffer.from(input.token.split('.')[1]!, 'base64url').toString()) : null;
      const product = input.product ?? old.aud;
      const token = await new SignJWT({ lic: 'forged', fp: old?.fp ?? fingerprintHash(input.fingerprint!), seats: 9999 })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'slot+jwt' })
        .setIssuer('slotkeeper')
        .setSubject(old?.sub ?? 'forged-slot')
        .setAudience(product)
        .setIssuedAt()
        .setNotBefore(Math.floor(Date.now() / 1000) - 60)
        .setExpirationTime(Math.floor(Date.UTC(2099, 0, 1) / 1000))
        .sign(key.privateKey);
      const links = { website: null, documentation: null, support: null, purchase: null };
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          data: {
            result: {
              __typename: 'ActivateMachineSuccess',
              token,
              activation: { id: 'forged-slot' },
              license: { id: 'forged', seats: 9999, seatsUsed: 1, expiresAt: '2099-01-01T00:00:00.000Z', product: { code: product, name: 'Forged', links } },
            },
          },
        }),
      );
    });
  });
  fakes.push(fake);
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
}

const storedList = (dir: string): string | null | undefined => JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')).state.keyList;

describe('the server publishes its key list signed by the root key', () => {
  it('GET /.well-known/jwks.jws: EdDSA, kid = the root key thumbprint, payload = the JWKS; re-signed after a rotation', async () => {
    const own = await startTestApp();
    try {
      const root = await own.app.services.signer.rootKey();
      const get = async () => (await own.app.yoga.fetch('http://slotkeeper.test/.well-known/jwks.jws')).text();
      const jws = await get();
      expect(decodeProtectedHeader(jws)).toEqual({ alg: 'EdDSA', kid: await calculateJwkThumbprint(root), typ: 'jwks+jwt' });
      const payload = JSON.parse(new TextDecoder().decode((await compactVerify(jws, await importJWK(root, 'EdDSA'))).payload));
      expect(payload.keys).toEqual((await own.app.services.signer.jwks()).keys);
      expect(typeof payload.iat).toBe('number');

      const { kid } = await own.app.services.signer.rotate();
      const rotated = JSON.parse(new TextDecoder().decode((await compactVerify(await get(), await importJWK(root, 'EdDSA'))).payload));
      expect(rotated.keys.map((k: JWK) => k.kid)).toContain(kid);
      // The root key stays: plug-ins in the field ship it.
      expect(await own.app.services.signer.rootKey()).toEqual(root);
    } finally {
      await own.close();
    }
  });
});

describe('a fake server', () => {
  it('signing with its own key and publishing its own keys is refused: BAD_SIGNATURE, with or without a shipped root', async () => {
    const fake = await fakeServer(async (key) => signedList([key.jwk], key));
    for (const anchors of [{ rootKeys }, { rootKeys: undefined }]) {
      const plugin = client({ serverUrl: fake, fingerprint: `pc-${randomBytes(3).toString('hex')}`, ...anchors });
      const activated = await plugin.activate({ email: 'anyone@example.com', password: 'anything', product: 'revit-demo' });
      expect(activated.check.status).toBe('BAD_SIGNATURE');
      expect((await plugin.check()).status).toBe('BAD_SIGNATURE');
      expect((await plugin.check({ online: true })).status).toBe('BAD_SIGNATURE');
    }
  });

  it('an unsigned, foreign-root-signed or plain key list is refused and the trusted keys are kept', async () => {
    const license = await t.seed.license({ seats: 1 });
    const dir = storage();
    const fingerprint = 'pc-trust-kept';
    const genuine = client({ storageDir: dir, fingerprint });
    expect((await genuine.activate({ email: license.email, password: license.password, product: license.product })).check.status).toBe('VALID');
    const trusted = storedList(dir);
    expect(typeof trusted).toBe('string');

    const rootKid = rootKeys.keys[0]!.kid!;
    const lists = {
      unsigned: async (key: Awaited<ReturnType<typeof ed25519>>) => {
        const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return `${part({ alg: 'none', typ: 'jwks+jwt' })}.${part({ keys: [key.jwk], iat: 1 })}.`;
      },
      // Another key posing as the vendor's root: its kid, not its signature.
      foreignRoot: async (key: Awaited<ReturnType<typeof ed25519>>) => signedList([key.jwk], { ...(await ed25519()), kid: rootKid }),
      plain: (key: Awaited<ReturnType<typeof ed25519>>) => JSON.stringify({ keys: [key.jwk] }),
    };
    for (const [name, list] of Object.entries(lists)) {
      const fake = await fakeServer(list);
      const renewed = await client({ serverUrl: fake, storageDir: dir, fingerprint }).renew();
      expect(renewed.status, name).toBe('BAD_SIGNATURE');
      expect(storedList(dir), name).toBe(trusted);
    }
  });
});

describe('a replayed older key list', () => {
  it('is refused: the newer root-signed list stays trusted, and tokens of its keys stay VALID', async () => {
    const own = await startTestApp();
    try {
      const listening = await own.listen();
      const shipped = await (await fetch(`${listening.url}/.well-known/jwks.json`)).json();
      const root = { keys: [await own.app.services.signer.rootKey()] };
      // A genuine list signed an hour ago, before the key now in use was rotated in.
      own.clock.advance(-3_600_000);
      const older = await own.app.services.signer.signedJwks();
      own.clock.advance(3_600_000);
      await own.app.services.signer.rotate();
      const license = await own.seed.license({ seats: 1 });

      const dir = storage();
      const fingerprint = 'pc-rollback';
      const genuine = client({ serverUrl: listening.url, storageDir: dir, fingerprint, publicKeys: shipped, rootKeys: root });
      expect((await genuine.activate({ email: license.email, password: license.password, product: license.product })).check.status).toBe('VALID');
      const newer = storedList(dir);
      expect(newer).not.toBe(older);

      const replaying = client({ serverUrl: await fakeServer(() => older), storageDir: dir, fingerprint, publicKeys: shipped, rootKeys: root });
      const checked = await replaying.check({ online: true });
      expect(checked.online).toEqual({ ok: true, renewed: false });
      expect(checked.status).toBe('VALID');
      expect(storedList(dir)).toBe(newer);
      // The same list again is no rollback: it is kept as it is.
      expect((await genuine.check({ online: true })).status).toBe('VALID');
      expect(storedList(dir)).toBe(newer);
    } finally {
      await own.close();
    }
  });
});
