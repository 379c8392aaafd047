// Offline verification of a Slotkeeper token, as the plug-in does it with no network: signature
// against the vendor's public keys, type, product, machine and time.
import { createHash } from 'node:crypto';
import { type JSONWebKeySet, type JWTPayload, compactVerify, createLocalJWKSet, errors, jwtVerify } from 'jose';

export const TOKEN_TYPE = 'slot+jwt';

export interface SlotClaims extends JWTPayload {
  sub: string;
  aud: string;
  lic: string;
  fp: string;
  seats: number;
  iat: number;
  nbf: number;
  exp: number;
}

export type VerifyResult =
  | { status: 'VALID'; claims: SlotClaims }
  | { status: 'BAD_SIGNATURE' | 'EXPIRED' | 'NOT_YET_VALID' | 'WRONG_PRODUCT' | 'WRONG_MACHINE'; reason: string };

/** Keys ready to verify with; building one imports every key, so callers that verify often keep it. */
export type KeySet = ReturnType<typeof createLocalJWKSet>;

export function keySet(keys: JSONWebKeySet): KeySet {
  return createLocalJWKSet(keys);
}

/** The `fp` claim of a machine: base64url(sha256(fingerprint)), the same as the server computes. */
export function fingerprintHash(fingerprint: string): string {
  return createHash('sha256').update(fingerprint.trim()).digest('base64url');
}

export async function verifyOfflineToken(
  token: string,
  options: { keys: JSONWebKeySet | KeySet; product: string; fingerprint: string; issuer?: string; now?: Date },
): Promise<VerifyResult> {
  const keys = typeof options.keys === 'function' ? options.keys : keySet(options.keys);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      algorithms: ['EdDSA'],
      typ: TOKEN_TYPE,
      issuer: options.issuer,
      audience: options.product,
      currentDate: options.now,
      requiredClaims: ['sub', 'aud', 'exp', 'nbf', 'iat'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { status: 'EXPIRED', reason: error.message };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
      return { status: 'NOT_YET_VALID', reason: error.message };
    }
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
      return { status: 'WRONG_PRODUCT', reason: error.message };
    }
    return { status: 'BAD_SIGNATURE', reason: (error as Error).message };
  }
  const { lic, fp, seats } = payload;
  if (typeof lic !== 'string' || typeof fp !== 'string' || typeof seats !== 'number') {
    return { status: 'BAD_SIGNATURE', reason: 'The token lacks Slotkeeper claims.' };
  }
  if (fp !== fingerprintHash(options.fingerprint)) {
    return { status: 'WRONG_MACHINE', reason: 'The token was issued to another machine.' };
  }
  return { status: 'VALID', claims: payload as SlotClaims };
}

/** The claims of a token whose signature verifies (time, product and machine unchecked); null otherwise. */
export async function verifiedClaims(token: string, keys: KeySet): Promise<JWTPayload | null> {
  try {
    const { payload } = await compactVerify(token, keys, { algorithms: ['EdDSA'] });
    return JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
  } catch {
    return null;
  }
}
