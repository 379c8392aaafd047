// Compact JWS for the server's offline tokens (sign on activation and renewal, verify on renewal and
// deactivation) on node:crypto's synchronous sign and verify, with keys imported once. jose goes
// through WebCrypto, where every call is a thread-pool job: in a profile of `renewToken` on
// PostgreSQL (bench P2) its job dispatch alone took 22 % of the server's CPU. jose still makes the
// keys' JWKs and thumbprints and signs the root key list, which are not per request;
// test/jws-jose.test.ts checks this module against jose in both directions, forgeries included.
import { type KeyObject, createPublicKey, sign, verify } from 'node:crypto';
import type { JWK } from 'jose';

export type JwsAlg = 'EdDSA' | 'RS256';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** The digest node:crypto wants for the algorithm: Ed25519 hashes by itself; RS256 is RSASSA-PKCS1-v1_5 with SHA-256. */
const digest = (alg: JwsAlg) => (alg === 'RS256' ? 'sha256' : null);

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A key's protected header, encoded once: `{ alg, kid, typ }` in jose's order. */
export function encodedHeader(alg: JwsAlg, kid: string, typ: string): string {
  return encode({ alg, kid, typ });
}

/** `header.payload.signature` with the header from encodedHeader(). */
export function signCompact(header: string, payload: object, alg: JwsAlg, privateKey: KeyObject): string {
  const input = `${header}.${encode(payload)}`;
  return `${input}.${sign(digest(alg), Buffer.from(input), privateKey).toString('base64url')}`;
}

/** A public JWK (Ed25519 or RSA) as a key node:crypto verifies with. */
export function importPublicJwk(jwk: JWK): KeyObject {
  return jwk.kty === 'RSA'
    ? createPublicKey({ key: { kty: 'RSA', n: jwk.n!, e: jwk.e! }, format: 'jwk' })
    : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x! }, format: 'jwk' });
}

/** A base64url part that decodes to a JSON object; null for anything else. */
function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A compact JWS taken apart, its signature not checked yet; null when it is not one. */
export interface ParsedJws {
  header: Record<string, unknown>;
  parts: [string, string, string];
}

/**
 * The header of a compact JWS: three non-empty base64url parts whose first is a JSON object.
 * Extension headers (`crit`, `b64`), which our tokens never carry, make it no token of ours.
 */
export function parseCompact(token: unknown): ParsedJws | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return null;
  const header = jsonObject(parts[0]!);
  if (!header || header.crit !== undefined || header.b64 !== undefined) return null;
  return { header, parts: parts as [string, string, string] };
}

/** The payload of a parsed JWS if its signature verifies with `key` for `alg`; null otherwise. */
export function verifiedPayload(jws: ParsedJws, alg: JwsAlg, key: KeyObject): Record<string, unknown> | null {
  const [header, payload, signature] = jws.parts;
  if (!verify(digest(alg), Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return null;
  return jsonObject(payload);
}
