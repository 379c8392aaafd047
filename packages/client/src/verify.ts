// Offline verification of a Slotkeeper token, as the plug-in does it with no network: signature
// against the vendor's public keys, type, product, machine and time.
//
// The signature is checked with node:crypto's synchronous verify on keys imported once: jose goes
// through WebCrypto, whose every call is a thread-pool round trip that costs several times the
// verification itself. The rules are jose's for an EdDSA or RS256 JWT (key selection, header,
// claims), with error messages kept; the `crit` header, which our tokens never carry, is refused
// outright. A key verifies only its own algorithm: an Ed25519 key never checks an RS256 signature
// and an RSA key never an EdDSA one, whatever the token's header claims.
import { type KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import type { JSONWebKeySet, JWK, JWTPayload } from 'jose';

export const TOKEN_TYPE = 'slot+jwt';
/** `typ` of the server's root-signed key list (`/.well-known/jwks.jws`). */
export const KEY_LIST_TYPE = 'jwks+jwt';

/** The algorithms of offline tokens; the root-signed key list is always EdDSA. */
export type TokenAlg = 'EdDSA' | 'RS256';
const TOKEN_ALGS: readonly TokenAlg[] = ['EdDSA', 'RS256'];

export interface SlotClaims extends JWTPayload {
  sub: string;
  aud: string;
  lic: string;
  fp: string;
  seats: number;
  /** Entitlement codes the token grants ([] when none; a token from before entitlements has none). */
  ent: string[];
  /** Only on a trial's token. */
  trial?: true;
  iat: number;
  nbf: number;
  exp: number;
}

export type VerifyResult =
  | { status: 'VALID'; claims: SlotClaims }
  | { status: 'BAD_SIGNATURE' | 'EXPIRED' | 'NOT_YET_VALID' | 'WRONG_PRODUCT' | 'WRONG_MACHINE'; reason: string };

/** A plain JSON object (not an array, not a class instance), as jose requires of headers, claims and keys. */
function isObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.prototype.toString.call(value) !== '[object Object]') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** May this JWK verify an `alg` signature for a header naming `kid`? jose's rules for a local JWKS. */
function usableFor(jwk: JWK, kid: unknown, alg: TokenAlg): boolean {
  const { kty, key_ops: ops, ext, kid: jwkKid, alg: jwkAlg, use, crv } = jwk;
  return (
    (ext === undefined || typeof ext === 'boolean') &&
    (ops === undefined || (Array.isArray(ops) && ops.every((op, i) => typeof op === 'string' && ops.indexOf(op) === i) && ops.includes('verify'))) &&
    (alg === 'EdDSA' ? kty === 'OKP' && crv === 'Ed25519' : kty === 'RSA') &&
    (kid === undefined || (typeof kid === 'string' && kid === jwkKid)) &&
    (jwkAlg === undefined || jwkAlg === alg) &&
    (use === undefined || use === 'sig')
  );
}

/**
 * The public key of an Ed25519 or RSA JWK; null for a private JWK (as jose refuses), an RSA modulus
 * under 2048 bits (jose refuses those for RS256) or one that does not import.
 */
function importKey(jwk: JWK): KeyObject | null {
  if (jwk.d !== undefined) return null;
  try {
    if (jwk.kty === 'RSA') {
      if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return null;
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
      return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 ? key : null;
    }
    if (typeof jwk.x !== 'string') return null;
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** Keys ready to verify with; building one imports every key, so callers that verify often keep it. */
export class KeySet {
  readonly #keys: { jwk: JWK; key: KeyObject | null }[];

  constructor(jwks: JSONWebKeySet) {
    if (!isObject(jwks) || !Array.isArray(jwks.keys) || !jwks.keys.every(isObject)) throw new TypeError('JSON Web Key Set malformed');
    this.#keys = jwks.keys.map((jwk) => ({ jwk: structuredClone(jwk), key: importKey(jwk) }));
  }

  /** The keys that may have signed an `alg` token with this `kid`; a matching key that does not import verifies nothing. */
  candidates(kid: unknown, alg: TokenAlg = 'EdDSA'): (KeyObject | null)[] {
    return this.#keys.filter((k) => usableFor(k.jwk, kid, alg)).map((k) => k.key);
  }
}

export function keySet(keys: JSONWebKeySet): KeySet {
  return new KeySet(keys);
}

class Refused extends Error {
  constructor(
    message: string,
    readonly claim?: string,
    readonly expired = false,
  ) {
    super(message);
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
  } catch {
    throw new Refused(`${what} is not valid JSON`);
  }
  if (!isObject(value)) throw new Refused(`${what} must be a top-level JSON object`);
  return value;
}

/** Checks a compact JWS's form, header and signature (one of `algs`) against `keys`; returns its header and claims. */
function verifyCompact(
  token: string,
  keys: KeySet,
  algs: readonly TokenAlg[] = TOKEN_ALGS,
): { header: Record<string, unknown>; payload: JWTPayload } {
  if (typeof token !== 'string') throw new Refused('Compact JWS must be a string');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw new Refused('Invalid Compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeJson(encodedHeader, 'JWS Protected Header');
  if (header.crit !== undefined) throw new Refused('Extension Header Parameters ("crit") are not accepted');
  if (typeof header.alg !== 'string' || !header.alg) throw new Refused('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  const alg = header.alg as TokenAlg;
  if (!algs.includes(alg)) throw new Refused('"alg" (Algorithm) Header Parameter value not allowed');
  const candidates = keys.candidates(header.kid, alg);
  if (candidates.length === 0) throw new Refused('no applicable key found in the JSON Web Key Set');
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
  const signature = Buffer.from(encodedSignature, 'base64url');
  const digest = alg === 'RS256' ? 'sha256' : null;
  if (!candidates.some((key) => key !== null && verify(digest, signingInput, key, signature))) throw new Refused('signature verification failed');
  return { header, payload: decodeJson(encodedPayload, 'JWT Claims Set') as JWTPayload };
}

const normalizeTyp = (value: string) => (value.includes('/') ? value.toLowerCase() : `application/${value.toLowerCase()}`);

/** jose's claim checks for our options: typ, required claims, issuer, audience, iat/nbf/exp against `now` (no tolerance). */
function checkClaims(header: Record<string, unknown>, claims: JWTPayload, options: { product: string; issuer?: string; now?: Date }) {
  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(TOKEN_TYPE)) {
    throw new Refused('unexpected "typ" JWT header value', 'typ');
  }
  // jose's order: the options' claims first, then the required ones from last to first.
  const required = [...(options.issuer !== undefined ? ['iss'] : []), 'aud', 'iat', 'nbf', 'exp', 'sub'];
  for (const claim of required) {
    if (!Object.hasOwn(claims, claim)) throw new Refused(`missing required "${claim}" claim`, claim);
  }
  if (options.issuer !== undefined && claims.iss !== options.issuer) throw new Refused('unexpected "iss" claim value', 'iss');
  const { aud } = claims;
  if (!(typeof aud === 'string' ? aud === options.product : Array.isArray(aud) && aud.includes(options.product))) {
    throw new Refused('unexpected "aud" claim value', 'aud');
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (!Number.isFinite(now)) throw new TypeError('Invalid currentDate option input');
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    if (typeof claims[claim] !== 'number') throw new Refused(`"${claim}" claim must be a number`, claim);
    if (claim === 'nbf' && claims.nbf! > now) throw new Refused('"nbf" claim timestamp check failed', 'nbf');
    if (claim === 'exp' && claims.exp! <= now) throw new Refused('"exp" claim timestamp check failed', 'exp', true);
  }
}

/** The `fp` claim of a machine: base64url(sha256(fingerprint)), the same as the server computes. */
export function fingerprintHash(fingerprint: string): string {
  return createHash('sha256').update(fingerprint.trim()).digest('base64url');
}

export async function verifyOfflineToken(
  token: string,
  options: { keys: JSONWebKeySet | KeySet; product: string; fingerprint: string; issuer?: string; now?: Date },
): Promise<VerifyResult> {
  const keys = options.keys instanceof KeySet ? options.keys : keySet(options.keys);
  let payload: JWTPayload;
  try {
    const verified = verifyCompact(token, keys);
    checkClaims(verified.header, verified.payload, options);
    payload = verified.payload;
  } catch (error) {
    if (!(error instanceof Refused)) return { status: 'BAD_SIGNATURE', reason: (error as Error).message };
    if (error.expired) return { status: 'EXPIRED', reason: error.message };
    if (error.claim === 'nbf') return { status: 'NOT_YET_VALID', reason: error.message };
    if (error.claim === 'aud') return { status: 'WRONG_PRODUCT', reason: error.message };
    return { status: 'BAD_SIGNATURE', reason: error.message };
  }
  const { lic, fp, seats, ent = [], trial } = payload;
  if (
    typeof lic !== 'string' || typeof fp !== 'string' || typeof seats !== 'number' ||
    !Array.isArray(ent) || !ent.every((code) => typeof code === 'string') || (trial !== undefined && trial !== true)
  ) {
    return { status: 'BAD_SIGNATURE', reason: 'The token lacks Slotkeeper claims.' };
  }
  if (fp !== fingerprintHash(options.fingerprint)) {
    return { status: 'WRONG_MACHINE', reason: 'The token was issued to another machine.' };
  }
  return { status: 'VALID', claims: { ...payload, ent } as SlotClaims };
}

/** The claims of a token whose signature verifies (time, product and machine unchecked); null otherwise. */
export async function verifiedClaims(token: string, keys: KeySet): Promise<JWTPayload | null> {
  try {
    return verifyCompact(token, keys).payload;
  } catch {
    return null;
  }
}

/** A root-signed key list: its signing keys and when the server signed it. */
export interface KeyList extends JSONWebKeySet {
  /** Seconds since 1970, from the list's `iat`; orders lists so that an older one cannot replace a newer one. */
  iat: number;
}

/**
 * The signing keys in a key list (`/.well-known/jwks.jws`) whose signature verifies with one of the
 * vendor's root keys; null for anything else (unsigned, signed by another key, not a key list, no `iat`).
 */
export function verifyKeyList(jws: string, roots: KeySet): KeyList | null {
  try {
    const { header, payload } = verifyCompact(jws, roots, ['EdDSA']);
    if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(KEY_LIST_TYPE)) return null;
    const { keys, iat } = payload as { keys?: unknown; iat?: unknown };
    if (!Array.isArray(keys) || !keys.every(isObject) || typeof iat !== 'number' || !Number.isFinite(iat)) return null;
    return { keys: keys as JWK[], iat };
  } catch {
    return null;
  }
}
