import { type KeyObject, createPrivateKey, generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { CompactSign, type JWK, calculateJwkThumbprint } from 'jose';
import type { TokenAlg } from '../generated/prisma/client.ts';
import { type Clock, type Db, transaction } from './db.ts';
import { InvalidTokenError } from './errors.ts';
import { decryptAtRest, encryptAtRest } from './key-encryption.ts';
import { encodedHeader, importPublicJwk, parseCompact, signCompact, verifiedPayload } from './jws.ts';

export const TOKEN_TYPE = 'slot+jwt';
export const TOKEN_ALGS: readonly TokenAlg[] = ['EdDSA', 'RS256'];
export type { TokenAlg };
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
  /** Entitlement codes the token grants; always present, [] when none. */
  ent: string[];
  /** Only on a trial's token (no seat, not renewable). */
  trial?: true;
  nbf: number;
  exp: number;
  /** Only on a slot beyond the license's seats (the product's overage). */
  ovr?: true;
}

export interface VerifiedToken extends Omit<OfflineClaims, 'ent'> {
  iat: number;
  iss: string;
  kid: string;
  /** The algorithm of the key that signed it. */
  alg: TokenAlg;
}

export interface Signer {
  /**
   * The key that signs new tokens of `alg` (EdDSA unless given): created on first use, re-read from
   * the database at most every `refreshMs`.
   */
  current(alg?: TokenAlg): Promise<{ kid: string }>;
  sign(claims: OfflineClaims, alg?: TokenAlg): Promise<{ token: string; kid: string }>;
  /**
   * Checks signature, type and shape; not `exp`: a machine may hand in an expired token to renew or
   * deactivate. The header's `alg` must be the algorithm of the key its `kid` names.
   */
  verifySignature(token: string): Promise<VerifiedToken>;
  /**
   * Retires every signing key and creates a new EdDSA key, plus a new RS256 key when one was in use.
   * `kid`/`retiredKid` are the EdDSA pair; `rotated` lists every algorithm's.
   */
  rotate(): Promise<{ kid: string; retiredKid: string | null; rotated: { alg: TokenAlg; kid: string; retiredKid: string | null }[] }>;
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
  /** The protected header of the tokens it signs, encoded once. */
  header: string;
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
  const active = new Map<TokenAlg, LoadedKey>();
  const loading = new Map<TokenAlg, Promise<LoadedKey>>();
  const publicKeys = new Map<string, Promise<{ alg: TokenAlg; key: KeyObject }>>();
  let root: Promise<{ kid: string; publicJwk: JWK; privateKey: KeyObject }> | undefined;
  let signedList: { keys: string; jws: string } | undefined;

  async function loadRoot() {
    const row = await transaction(db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK})`;
      const existing = await tx.rootKey.findFirst({ orderBy: { createdAt: 'asc' } });
      return existing ?? tx.rootKey.create({ data: await newKeyRow(kek, 'EdDSA') });
    });
    return { kid: row.kid, publicJwk: row.publicJwk as JWK, privateKey: decryptPrivateKey(row.encryptedPrivateKey, kek, row.kid) };
  }

  function rootKey() {
    root ??= loadRoot();
    root.catch(() => (root = undefined));
    return root;
  }

  async function loadActive(alg: TokenAlg): Promise<LoadedKey> {
    // An RSA key takes a moment to generate: made before taking the lock, kept only if none exists.
    const existing = await db.signingKey.findFirst({ where: { retiredAt: null, alg } });
    const fresh = existing ? undefined : await newKeyRow(kek, alg);
    const row = await transaction(db, async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK})`;
      const found = await tx.signingKey.findFirst({ where: { retiredAt: null, alg }, orderBy: { createdAt: 'desc' } });
      return found ?? tx.signingKey.create({ data: { ...(fresh ?? (await newKeyRow(kek, alg))), alg } });
    });
    return {
      kid: row.kid,
      privateKey: decryptPrivateKey(row.encryptedPrivateKey, kek, row.kid),
      header: encodedHeader(alg, row.kid, TOKEN_TYPE),
      loadedAt: Date.now(),
    };
  }

  async function current(alg: TokenAlg = 'EdDSA'): Promise<LoadedKey> {
    const cached = active.get(alg);
    if (cached && Date.now() - cached.loadedAt < refreshMs) return cached;
    let pending = loading.get(alg);
    if (!pending) {
      pending = loadActive(alg).finally(() => loading.delete(alg));
      loading.set(alg, pending);
    }
    const loaded = await pending;
    active.set(alg, loaded);
    return loaded;
  }

  async function publicKey(kid: string) {
    let key = publicKeys.get(kid);
    if (!key) {
      key = db.signingKey.findUnique({ where: { kid } }).then(async (row) => {
        if (!row) throw new InvalidTokenError();
        return { alg: row.alg, key: importPublicJwk(row.publicJwk as JWK) };
      });
      key.catch(() => publicKeys.delete(kid));
      publicKeys.set(kid, key);
    }
    return key;
  }

  return {
    current,
    async sign(claims, alg = 'EdDSA') {
      const key = await current(alg);
      // jose's SignJWT order: the private claims, then iss, sub, aud, iat, nbf, exp.
      const payload = {
        lic: claims.lic,
        fp: claims.fp,
        seats: claims.seats,
        ent: claims.ent,
        ...(claims.ovr ? { ovr: true } : {}),
        ...(claims.trial ? { trial: true } : {}),
        iss: issuer,
        sub: claims.sub,
        aud: claims.aud,
        iat: Math.floor(clock.now().getTime() / 1000),
        nbf: claims.nbf,
        exp: claims.exp,
      };
      return { token: signCompact(key.header, payload, alg, key.privateKey), kid: key.kid };
    },

    async verifySignature(token) {
      const jws = parseCompact(token);
      const { alg, kid, typ } = jws?.header ?? {};
      if (!jws || !TOKEN_ALGS.includes(alg as TokenAlg) || typ !== TOKEN_TYPE || typeof kid !== 'string') throw new InvalidTokenError();
      const key = await publicKey(kid);
      // A kid names one key of one algorithm: a token claiming another is forged, whatever it carries.
      if (key.alg !== alg) throw new InvalidTokenError();
      const claims = verifiedPayload(jws, key.alg, key.key);
      if (!claims) throw new InvalidTokenError();
      const { sub, aud, lic, fp, seats, nbf, exp, iat, iss, trial } = claims;
      if (
        typeof sub !== 'string' || typeof aud !== 'string' || typeof lic !== 'string' || typeof fp !== 'string' ||
        typeof seats !== 'number' || typeof nbf !== 'number' || typeof exp !== 'number' || typeof iat !== 'number' ||
        iss !== issuer
      ) {
        throw new InvalidTokenError();
      }
      return { sub, aud, lic, fp, seats, nbf, exp, iat, iss, kid, alg: key.alg, ...(trial === true ? { trial } : {}) };
    },

    async rotate() {
      const inUse = await db.signingKey.findMany({ where: { retiredAt: null, alg: { not: 'EdDSA' } }, select: { alg: true } });
      const algs = ['EdDSA' as const, ...TOKEN_ALGS.filter((alg) => inUse.some((row) => row.alg === alg))];
      const rows = await Promise.all(algs.map((alg) => newKeyRow(kek, alg)));
      const rotated = await transaction(db, async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_LOCK})`;
        const old = await tx.signingKey.findMany({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
        await tx.signingKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: clock.now() } });
        const created = [];
        for (const [i, alg] of algs.entries()) {
          const row = await tx.signingKey.create({ data: { ...rows[i]!, alg } });
          created.push({ alg, kid: row.kid, retiredKid: old.find((o) => o.alg === alg)?.kid ?? null });
        }
        return created;
      });
      active.clear();
      return { kid: rotated[0]!.kid, retiredKid: rotated[0]!.retiredKid, rotated };
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

const generateRsa = promisify(generateKeyPair);

/** RSA 3072 is NIST's size for security through 2030 and beyond; generated off the event loop (≈1 s). */
async function newKeyPair(alg: TokenAlg): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return alg === 'RS256' ? generateRsa('rsa', { modulusLength: 3072 }) : generateKeyPairSync('ed25519');
}

async function newKeyRow(kek: Buffer, alg: TokenAlg) {
  const { publicKey, privateKey } = await newKeyPair(alg);
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk = { ...jwk, kid, alg, use: 'sig' };
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
