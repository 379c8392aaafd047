// The offline verdict on a stored activation: the token's signature (shipped keys plus the keys of the
// last root-signed key list fetched online), product, machine and time, and a clock that must never run backwards past
// what this machine has already seen.
import { type JSONWebKeySet, type JWK, type JWTPayload, decodeJwt } from 'jose';
import type { ProductLinks, StoredRead } from './storage.ts';
import { type KeyList, type KeySet, type SlotClaims, keySet, verifiedClaims, verifyKeyList, verifyOfflineToken } from './verify.ts';

export type CheckStatus =
  | 'VALID'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'WRONG_PRODUCT'
  | 'WRONG_MACHINE'
  | 'BAD_SIGNATURE'
  | 'CLOCK_TAMPERED'
  | 'NOT_ACTIVATED';

export interface LicenseView {
  product: { code: string; name: string; links: ProductLinks };
  /** The login that activated this machine. */
  email: string;
  server: string;
  licenseId: string;
  activationId: string;
  seats: number;
  /** When the offline token expires: the license's expiry, the end of the current lease, or of the trial. */
  validUntil: Date;
  issuedAt: Date;
  /** A trial's token (startTrial): no seat, no license; `licenseId` and `activationId` are the trial's id. */
  trial: boolean;
}

export interface CheckResult {
  status: CheckStatus;
  /** Why, in words for a log or the license window. */
  reason: string;
  /** The stored activation as read; trust it only when `status` is VALID. Null when there is none to show. */
  license: LicenseView | null;
  /** The entitlement codes the valid token grants; [] unless `status` is VALID. */
  entitlements: string[];
  /** Whether the valid token is a trial's; false unless `status` is VALID. */
  trial: boolean;
}

/** A listed key may be any public Ed25519 or RSA key; nothing else is ever used to verify. */
function usableKey(key: JWK): boolean {
  if (key.d !== undefined) return false;
  if (key.kty === 'RSA') return typeof key.n === 'string' && typeof key.e === 'string';
  return key.kty === 'OKP' && key.crv === 'Ed25519' && typeof key.x === 'string';
}

/**
 * The keys the offline check trusts: those the plug-in shipped with, plus those of a stored key list
 * that one of its shipped root keys signed. A key is never trusted because a server sent it. The last
 * combination is kept, since building one imports every key and a plug-in checks the same state again
 * and again.
 */
export class KeyRing {
  private readonly shipped: JSONWebKeySet;
  private readonly roots: KeySet | null;
  private last: { keyList: string | null; keys: KeySet } | null = null;

  constructor(trust: { publicKeys?: JSONWebKeySet; rootKeys?: JSONWebKeySet }) {
    this.shipped = { keys: [...(trust.publicKeys?.keys ?? [])] };
    this.roots = trust.rootKeys?.keys.length ? keySet(trust.rootKeys) : null;
  }

  /** Whether server-sent key lists can be trusted at all: only with a shipped root key. */
  get hasRoots(): boolean {
    return this.roots !== null;
  }

  /** The signing keys of a key list, when a shipped root key signed it; null otherwise. */
  verify(keyList: string): KeyList | null {
    return this.roots ? verifyKeyList(keyList, this.roots) : null;
  }

  with(keyList: string | null): KeySet {
    if (this.last?.keyList !== keyList || !this.last) {
      const listed = keyList === null ? null : this.verify(keyList);
      const shippedKids = new Set(this.shipped.keys.map((k) => k.kid));
      const extra = (listed?.keys ?? []).filter((k) => usableKey(k) && !shippedKids.has(k.kid));
      this.last = { keyList, keys: keySet({ keys: [...this.shipped.keys, ...extra] }) };
    }
    return this.last.keys;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The offline verdict of one client: its trust anchors, the product it pins and its clock tolerance.
 * It keeps the claims of the last token it showed, since a plug-in checks the same token again and again.
 */
export class OfflineCheck {
  #lastDecoded: { token: string; claims: JWTPayload | null } | null = null;

  constructor(
    private readonly options: {
      keys: KeyRing;
      /** When the plug-in pins its product, a token of another product is WRONG_PRODUCT. */
      product?: string;
      issuer?: string;
      toleranceMs: number;
    },
  ) {}

  /** The unverified claims of a token: only to show what the stored activation says. */
  #decoded(token: string): JWTPayload | null {
    if (this.#lastDecoded?.token !== token) {
      let claims: JWTPayload | null;
      try {
        claims = decodeJwt(token);
      } catch {
        claims = null;
      }
      this.#lastDecoded = { token, claims };
    }
    return this.#lastDecoded.claims;
  }

  async run(read: StoredRead, machine: { fingerprint: string; fp: string }, at: Date): Promise<CheckResult> {
    const { claims, ...verdict } = await this.#verdict(read, machine, at);
    return { ...verdict, entitlements: claims ? [...claims.ent] : [], trial: claims?.trial === true };
  }

  async #verdict(
    read: StoredRead,
    machine: { fingerprint: string; fp: string },
    at: Date,
  ): Promise<Omit<CheckResult, 'entitlements' | 'trial'> & { claims?: SlotClaims }> {
    const options = { ...this.options, fingerprint: machine.fingerprint, now: at };
    if (read.kind === 'missing') {
      return { status: 'NOT_ACTIVATED', reason: 'This machine is not activated.', license: null };
    }
    if (read.kind === 'broken') {
      // Never VALID. Which failure it is, is told by the token itself, checked against every key known.
      const claims = read.token ? await verifiedClaims(read.token, options.keys.with(read.keyList)) : null;
      if (!claims) {
        return { status: 'BAD_SIGNATURE', reason: 'The stored token is damaged or was edited; activate again.', license: null };
      }
      if (claims.fp !== machine.fp) {
        return {
          status: 'WRONG_MACHINE',
          reason: 'The stored activation was made on another machine; activate this one.',
          license: null,
        };
      }
      return { status: 'BAD_SIGNATURE', reason: 'The stored license state was edited; activate again.', license: null };
    }

    const { state } = read;
    const license = view(state, this.#decoded(state.token));
    const now = options.now.getTime();
    if (now < state.lastSeen - options.toleranceMs) {
      return {
        status: 'CLOCK_TAMPERED',
        reason: `This machine's clock (${iso(now)}) is behind a time it has already seen (${iso(state.lastSeen)}): it was set back. Set the clock right and check again.`,
        license,
      };
    }
    const verdict = await verifyOfflineToken(state.token, {
      keys: options.keys.with(state.keyList ?? null),
      product: options.product ?? state.product.code,
      fingerprint: options.fingerprint,
      issuer: options.issuer,
      now: options.now,
    });
    if (verdict.status !== 'VALID') return { status: verdict.status, reason: verdict.reason, license };
    if (now < verdict.claims.iat * 1000 - options.toleranceMs) {
      return {
        status: 'CLOCK_TAMPERED',
        reason: `This machine's clock (${iso(now)}) is behind the time the license server issued the token (${iso(verdict.claims.iat * 1000)}). Set the clock right and check again.`,
        license,
      };
    }
    const until = iso(verdict.claims.exp * 1000);
    return { status: 'VALID', reason: verdict.claims.trial ? `Trial until ${until}.` : `Licensed until ${until}.`, license, claims: verdict.claims };
  }
}

function view(state: { product: LicenseView['product']; email: string; server: string }, claims: JWTPayload | null): LicenseView | null {
  if (!claims) return null;
  const { sub, lic, seats, exp, iat } = claims;
  if (typeof sub !== 'string' || typeof lic !== 'string' || typeof seats !== 'number' || typeof exp !== 'number' || typeof iat !== 'number') {
    return null;
  }
  return {
    // A copy: the stored state is shared and frozen (storage.ts).
    product: { ...state.product, links: { ...state.product.links } },
    email: state.email,
    server: state.server,
    licenseId: lic,
    activationId: sub,
    seats,
    validUntil: new Date(exp * 1000),
    issuedAt: new Date(iat * 1000),
    trial: claims.trial === true,
  };
}
