import { type KeyObject, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { CompactSign, type JWK, SignJWT, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { type Clock, type Db, transaction } from './db.ts';
import { InvalidTokenError } from './errors.ts';
import { decryptAtRest, encryptAtRest } from './key-encryption.ts';

export const TOKEN_TYPE = 'slot+jwt';
/** `typ` of the root-signed key list (`/.well-known/jwks.jws`), so that no other JWS passes for one. */
export const KEY_LIST_TYPE = 'jwks+jwt';

/** The stored signing keys can't be read with this key-encryption key: an operator's setup error. */
export class KeyDecryptionError extends Error {}

export interface OfflineClaims {
  sub: string;
  aud: string;
  lic: string;
  fp: string;
  seats: number;
  nbf: number;
  exp: number;
}

export interface VerifiedToken extends OfflineClaims {
  iat: number;
  iss: string;
  kid: string;
}

export interface Signer {
  /** The key that signs new tokens: created on first use, re-read from the database at most every `refreshMs`. */
  current(): Promise<{ kid: string }>;
  sign(claims: OfflineClaims): Promise<{ token: string; kid: string }>;
  /** Checks signature, type and shape; not `exp`: a machine may hand in an expired token to renew or deactivate. */
  verifySignature(token: string): Promise<VerifiedToken>;
  rotate(): Promise<{ kid: string; retiredKid: string | null }>;
  /** Public keys that sign now, plus retired ones while a token they signed can still be valid. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** The vendor's root public key (created on first use): plug-ins ship it and trust what it signs. */
  rootKey(): Promise<JWK>;
  /** `jwks()` as a compact JWS signed by the root key (payload: the JWKS and `iat`); re-signed when the keys change. */
  signedJwks(): Promise<string>;
}

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  loadedAt: number;
}

const KEY_LOCK = 72_707_370; // pg advisory lock id: one key creator at a time, across instances

export function createSigner(deps: {
  db: Db;
  clock: Clock;
  /** 32-byte key-encryption key: private keys are stored AES-256-GCM encrypted under it. */
  kek: Buffer;
  issuer: string;
  refreshMs?: number;
}): Signer {
  const { db, clock, kek, issuer } = deps;
  const refreshMs = deps.refreshMs ?? 60_000;
  let active: LoadedKey | undefined;
  let loading: Promise<LoadedKey> | undefined;
  const publicKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  let root: Promise<{ kid: string; publicJwk: JWK; privateKey: KeyObject }> | undefined;
  let signedList: { keys: string; jws: string } | undefined;

  async function loadRoot() {
    const row = await transaction(db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK})`;
      const existing = await tx.rootKey.findFirst({ orderBy: { createdAt: 'asc' } });
      return existing ?? tx.rootKey.create({ data: await newKeyRow(kek) });
    });
    return { kid: row.kid, publicJwk: row.publicJwk as JWK, privateKey: decryptPrivateKey(row.encryptedPrivateKey, kek, row.kid) };
  }

  function rootKey() {
    root ??= loadRoot();
    root.catch(() => (root = undefined));
    return root;
  }

  async function loadActive(): Promise<LoadedKey> {
    const row = await transaction(db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK})`;
      const existing = await tx.signingKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
      return existing ?? tx.signingKey.create({ data: await newKeyRow(kek) });
    });
    return { kid: row.kid, privateKey: decryptPrivateKey(row.encryptedPrivateKey, kek, row.kid), loadedAt: Date.now() };
  }

  async function current(): Promise<LoadedKey> {
    if (active && Date.now() - active.loadedAt < refreshMs) return active;
    loading ??= loadActive().finally(() => (loading = undefined));
    active = await loading;
    return active;
  }

  async function publicKey(kid: string) {
    let key = publicKeys.get(kid);
    if (!key) {
      key = db.signingKey.findUnique({ where: { kid } }).then((row) => {
        if (!row) throw new InvalidTokenError();
        return importJWK(row.publicJwk as JWK, 'EdDSA');
      });
      key.catch(() => publicKeys.delete(kid));
      publicKeys.set(kid, key);
    }
    return key;
  }

  return {
    current,
    async sign(claims) {
      const key = await current();
      const token = await new SignJWT({ lic: claims.lic, fp: claims.fp, seats: claims.seats })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: TOKEN_TYPE })
        .setIssuer(issuer)
        .setSubject(claims.sub)
        .setAudience(claims.aud)
        .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
        .setNotBefore(claims.nbf)
        .setExpirationTime(claims.exp)
        .sign(key.privateKey);
      return { token, kid: key.kid };
    },

    async verifySignature(token) {
      let kid: string | undefined;
      try {
        const header = decodeProtectedHeader(token);
        if (header.alg !== 'EdDSA' || header.typ !== TOKEN_TYPE || typeof header.kid !== 'string') throw new Error();
        kid = header.kid;
      } catch {
        throw new InvalidTokenError();
      }
      const key = await publicKey(kid);
      try {
        const { payload } = await compactVerify(token, key, { algorithms: ['EdDSA'] });
        const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
        const { sub, aud, lic, fp, seats, nbf, exp, iat, iss } = claims;
        if (
          typeof sub !== 'string' || typeof aud !== 'string' || typeof lic !== 'string' || typeof fp !== 'string' ||
          typeof seats !== 'number' || typeof nbf !== 'number' || typeof exp !== 'number' || typeof iat !== 'number' ||
          iss !== issuer
        ) {
          throw new Error('claims');
        }
        return { sub, aud, lic, fp, seats, nbf, exp, iat, iss, kid };
      } catch {
        throw new InvalidTokenError();
      }
    },

    async rotate() {
      const result = await transaction(db, async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK})`;
        const old = await tx.signingKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
        await tx.signingKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: clock.now() } });
        const created = await tx.signingKey.create({ data: await newKeyRow(kek) });
        return { created, retiredKid: old?.kid ?? null };
      });
      active = undefined;
      return { kid: result.created.kid, retiredKid: result.retiredKid };
    },

    async jwks() {
      const now = clock.now();
      const rows = await db.signingKey.findMany({
        where: { OR: [{ retiredAt: null }, { kid: { in: await kidsWithLiveTokens(db, now) } }] },
        orderBy: { createdAt: 'desc' },
      });
      return { keys: rows.map((row) => row.publicJwk as JWK) };
    },

    async rootKey() {
      return (await rootKey()).publicJwk;
    },

    async signedJwks() {
      const { keys } = await this.jwks();
      const text = JSON.stringify(keys);
      if (signedList?.keys !== text) {
        const key = await rootKey();
        const payload = JSON.stringify({ keys, iat: Math.floor(clock.now().getTime() / 1000) });
        const jws = await new CompactSign(new TextEncoder().encode(payload))
          .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: KEY_LIST_TYPE })
          .sign(key.privateKey);
        signedList = { keys: text, jws };
      }
      return signedList.jws;
    },
  };
}

async function kidsWithLiveTokens(db: Db, now: Date): Promise<string[]> {
  const rows = await db.activation.findMany({
    where: { tokenExpiresAt: { gt: now } },
    distinct: ['tokenKid'],
    select: { tokenKid: true },
  });
  return rows.map((row) => row.tokenKid);
}

async function newKeyRow(kek: Buffer) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk = { ...jwk, kid, alg: 'EdDSA', use: 'sig' };
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return { kid, publicJwk, encryptedPrivateKey: encryptAtRest(pkcs8, kek, kid) };
}

function decryptPrivateKey(stored: string, kek: Buffer, kid: string): KeyObject {
  try {
    return createPrivateKey({ key: decryptAtRest(stored, kek, kid), format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeyDecryptionError(
      `Signing key ${kid} cannot be decrypted: KEY_ENCRYPTION_KEY (or DATA_DIR/keys/kek) is not the one it was stored with.`,
    );
  }
}
