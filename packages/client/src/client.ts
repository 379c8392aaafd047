// The plug-in SDK: activate this machine, check the license offline, renew the lease when online,
// deactivate, and the license manager (licenses, remote release, passwords). Online calls go through
// the transport (proxy, error messages) as GraphQL over graphql-request; the activation lives in
// `storageDir` (see storage.ts); the verdict comes from check.ts.
import { ClientError, GraphQLClient } from 'graphql-request';
import { type JSONWebKeySet, type JWTPayload, decodeJwt } from 'jose';
import { type CheckResult, KeyRing, checkStored } from './check.ts';
import { type ClientErrorCode, SlotkeeperError } from './error.ts';
import { machineFingerprint, machineName as defaultMachineName, osUser as defaultOsUser } from './fingerprint.ts';
import {
  ACTIVATE,
  CHANGE_PASSWORD,
  DEACTIVATE,
  LOG_IN,
  type LicenseData,
  MY_LICENSES,
  type Outcome,
  RELEASE,
  RENEW,
  REQUEST_PASSWORD_RESET,
  RESET_PASSWORD,
  type SlotData,
} from './operation.ts';
import { type ProductLinks, type StoredRead, type StoredState, readState, removeState, stateKey, writeState } from './storage.ts';
import { type ProxySettings, createTransport } from './transport.ts';
import { fingerprintHash } from './verify.ts';

export interface Clock {
  now(): Date;
}

export interface ClientOptions {
  /** The license server, e.g. `https://licenses.example.com` (use https: see README, "Limits"). */
  serverUrl: string;
  proxy?: ProxySettings;
  /** A folder of this plug-in's own, per user; the activation is kept there. */
  storageDir: string;
  /**
   * Trust anchors, compiled into the plug-in (README, "What the offline check trusts"). `publicKeys`:
   * signing keys (the server's `/.well-known/jwks.json` at build time). `rootKeys`: the vendor's root
   * public keys (`pnpm cli keys root`); a key the server rotates in later is trusted only when the key
   * list carrying it (`/.well-known/jwks.jws`) is signed by one of them. Without root keys only the
   * shipped signing keys verify, whatever a server sends.
   */
  publicKeys?: JSONWebKeySet;
  rootKeys?: JSONWebKeySet;
  /** The plug-in's product code: `activate` defaults to it and `check` accepts only its tokens. */
  product?: string;
  /**
   * Replaces the computed machine fingerprint, for vendors who compute their own in code; must give
   * the same value on every run. Never wire it to a setting the end user can change: machines given
   * the same value share one slot.
   */
  fingerprint?: string | (() => string | Promise<string>);
  /** Shown in the license manager; default: the host name and the OS user name. */
  machineName?: string;
  osUser?: string;
  clock?: Clock;
  /** How far the clock may go back before CLOCK_TAMPERED (time synchronisation moves it a little). Default 5 min. */
  clockToleranceMs?: number;
  /** How long to wait for the server's answer. Default 30 s. */
  timeoutMs?: number;
  /** The tokens' expected `iss` (the server's TOKEN_ISSUER); unchecked when not given. */
  issuer?: string;
}

export interface Login {
  email: string;
  password: string;
}

export interface ProductInfo {
  code: string;
  name: string;
  links: ProductLinks;
}

export interface Activated {
  activationId: string;
  license: { id: string; seats: number; seatsUsed: number; expiresAt: Date };
  product: ProductInfo;
  /** The offline check of the new token: VALID, unless e.g. this machine's clock is wrong. */
  check: CheckResult;
}

export type OnlineOutcome =
  | { ok: true; renewed: boolean }
  /** The server could not be asked (network) or refused to renew: the verdict is the offline one. */
  | { ok: false; error: SlotkeeperError };

export interface LicenseSummary {
  id: string;
  product: ProductInfo;
  seats: number;
  seatsUsed: number;
  seatsFree: number;
  startsAt: Date;
  expiresAt: Date;
  status: LicenseData['status'];
  /** Who holds each slot. */
  activations: {
    id: string;
    machineName: string;
    osUser: string;
    activatedAt: Date;
    lastSeenAt: Date;
    /** The slot this machine holds. */
    thisMachine: boolean;
  }[];
}

export interface SeatUsage {
  licenseId: string;
  seats: number;
  seatsUsed: number;
}

export interface SlotkeeperClient {
  /** Takes a slot for this machine (or refreshes the one it holds) and stores the token. */
  activate(input: Login & { product?: string }): Promise<Activated>;
  /**
   * The license verdict. Offline by default; with `online: true` it first fetches the server's keys,
   * compares clocks and renews a lease past its half; network failures leave the offline verdict.
   */
  check(options?: { online?: boolean }): Promise<CheckResult & { online?: OnlineOutcome }>;
  /** A fresh token for the slot this machine holds (a new lease). */
  renew(): Promise<CheckResult>;
  /** Frees this machine's slot: with the stored token, or — when none is stored — with the login. */
  deactivate(login?: Login & { product?: string }): Promise<SeatUsage>;
  /** The license manager: every license of the login, seats used and who holds them. Logs in when given a login. */
  licenses(login?: Login): Promise<LicenseSummary[]>;
  /** Frees another machine's slot (lost or reinstalled), counted against the product's yearly limit. */
  release(activationId: string, login?: Login): Promise<SeatUsage>;
  /** E-mails a reset code; succeeds whether or not the e-mail is a login. */
  requestPasswordReset(email: string): Promise<void>;
  /** Sets a new password with the code from the reset e-mail. */
  resetPassword(input: { code: string; newPassword: string; newPasswordRepeat: string }): Promise<void>;
  changePassword(input: { email: string; currentPassword: string; newPassword: string; newPasswordRepeat: string }): Promise<void>;
  /** The activated product and its vendor links (for the license window's buttons), from storage: works offline. */
  product(): Promise<ProductInfo | null>;
  close(): Promise<void>;
}

/** How often an offline check writes the last-seen time: often enough for the tolerance, not on every call. */
const LAST_SEEN_WRITE_MS = 60_000;

const SERVER_CODES = new Set<string>([
  'FORBIDDEN',
  'INVALID_CREDENTIALS',
  'INVALID_INPUT',
  'INVALID_TOKEN',
  'LICENSE_EXPIRED',
  'LICENSE_REVOKED',
  'LICENSE_SUSPENDED',
  'NOT_FOUND',
  'NO_FREE_SLOT',
  'PASSWORDS_DO_NOT_MATCH',
  'RATE_LIMITED',
  'RELEASE_LIMIT_REACHED',
  'RESET_TOKEN_INVALID',
  'SLOT_RELEASED',
  'WEAK_PASSWORD',
]);

/** The success fields of a union answer, or the error type as a SlotkeeperError. */
function success<T>(result: Outcome<T>): T {
  if (result.code === undefined) return result as T;
  const { __typename: _type, code, message, ...details } = result;
  throw new SlotkeeperError(code as ClientErrorCode, message, details);
}

/** The claims of a token, unverified: only to tell which slot or machine it names. */
function claimsOf(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

function productInfo(product: SlotData['license']['product']): ProductInfo {
  return { code: product.code, name: product.name, links: product.links };
}

export function createClient(options: ClientOptions): SlotkeeperClient {
  const clock = options.clock ?? { now: () => new Date() };
  const toleranceMs = options.clockToleranceMs ?? 5 * 60_000;
  const transport = createTransport({
    serverUrl: options.serverUrl,
    proxy: options.proxy,
    timeoutMs: options.timeoutMs,
    now: () => clock.now(),
  });
  // The server may live under a path (https://host/licensing/): its routes are relative to it.
  const base = new URL(transport.serverUrl.href.endsWith('/') ? transport.serverUrl.href : `${transport.serverUrl.href}/`);
  const graphql = new GraphQLClient(new URL('graphql', base).href, { fetch: transport.fetch });
  const keyListUrl = new URL('.well-known/jwks.jws', base).href;
  const keys = new KeyRing({ publicKeys: options.publicKeys, rootKeys: options.rootKeys });
  const dir = options.storageDir;

  let identity: Promise<{ fingerprint: string; key: Buffer }> | null = null;
  const machine = () =>
    (identity ??= (async () => {
      const given = typeof options.fingerprint === 'function' ? await options.fingerprint() : options.fingerprint;
      const fingerprint = given ?? (await machineFingerprint());
      return { fingerprint, key: stateKey(fingerprint) };
    })());

  let session: string | null = null;

  async function request<T>(document: string, variables: object, authorization?: string): Promise<T> {
    try {
      return await graphql.request<T>(document, variables, authorization ? { authorization: `Bearer ${authorization}` } : {});
    } catch (error) {
      if (!(error instanceof ClientError)) throw transport.describe(error);
      const first = error.response.errors?.[0];
      const code = first?.extensions?.code;
      if (typeof code === 'string' && SERVER_CODES.has(code)) {
        const { code: _code, ...details } = first!.extensions as Record<string, unknown>;
        throw new SlotkeeperError(code as ClientErrorCode, first!.message, details);
      }
      throw new SlotkeeperError(
        'SERVER_ERROR',
        `The license server ${transport.serverUrl.host} answered HTTP ${error.response.status}${first ? ` (${first.message})` : ''}, not a license answer. Check the server address; if it is right, try again later.`,
        { status: error.response.status },
        { cause: error },
      );
    }
  }

  /**
   * The server's root-signed key list, when a shipped root key verifies it; null without root keys
   * (nothing is fetched: server-sent keys are never trusted) or for a list that does not verify
   * (forged, unsigned, another root's), so that the caller keeps the list it trusted before.
   */
  async function fetchKeyList(): Promise<string | null> {
    if (!keys.hasRoots) return null;
    let status: number;
    let text: string;
    try {
      const response = await transport.fetch(keyListUrl);
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw transport.describe(error);
    }
    if (status !== 200) {
      throw new SlotkeeperError(
        'SERVER_ERROR',
        `The license server ${transport.serverUrl.host} did not publish its keys (HTTP ${status} from ${keyListUrl}). Check the server address.`,
        { status },
      );
    }
    const list = text.trim();
    return keys.verify(list) ? list : null;
  }

  /**
   * A freshly fetched list when it verified and is not older than the one this machine trusted
   * before, else that one: a genuine but older list (replayed by a server posing as the real one)
   * would bring back keys the vendor has since retired.
   */
  function keptList(fetched: string | null, previous: StoredRead): string | null {
    const trusted = previous.kind === 'sealed' ? (previous.state.keyList ?? null) : null;
    if (fetched === null) return trusted;
    const trustedIat = trusted === null ? undefined : keys.verify(trusted)?.iat;
    return trustedIat !== undefined && keys.verify(fetched)!.iat < trustedIat ? trusted : fetched;
  }

  /** The server's clock at its latest answer: the time to trust for last-seen. */
  function serverNow(): number | undefined {
    return transport.lastServerTime()?.server.getTime();
  }

  async function store(slot: SlotData, email: string, keyList: string | null, previous: StoredRead): Promise<StoredState> {
    const { key } = await machine();
    const server = serverNow();
    const state: StoredState = {
      server: transport.serverUrl.href,
      product: productInfo(slot.license.product),
      email,
      token: slot.token,
      keyList: keptList(keyList, previous),
      // The server's clock is the one to trust; without it, never lower what this machine already saw.
      lastSeen: server ?? Math.max(clock.now().getTime(), previous.kind === 'sealed' ? previous.state.lastSeen : 0),
    };
    writeState(dir, key, state);
    return state;
  }

  async function offlineCheck(read: StoredRead): Promise<CheckResult> {
    const { fingerprint, key } = await machine();
    const now = clock.now();
    const result = await checkStored(read, {
      keys,
      fingerprint,
      product: options.product,
      issuer: options.issuer,
      now,
      toleranceMs,
    });
    // Every verdict but a set-back clock moves last-seen forward: an EXPIRED seen once stays expired
    // when the clock is then turned back.
    if (read.kind === 'sealed' && result.status !== 'CLOCK_TAMPERED' && now.getTime() - read.state.lastSeen >= LAST_SEEN_WRITE_MS) {
      writeState(dir, key, { ...read.state, lastSeen: now.getTime() });
    }
    return result;
  }

  /** `keyList`: fetched just before, so that it holds the key the fresh token is signed with. */
  async function renewStored(state: StoredState, keyList: string | null): Promise<StoredState> {
    try {
      const data = await request<{ result: Outcome<SlotData> }>(RENEW, { input: { token: state.token } });
      return await store(success(data.result), state.email, keyList, { kind: 'sealed', state });
    } catch (error) {
      // The slot was freed elsewhere (license manager, vendor): this machine no longer holds one.
      if (error instanceof SlotkeeperError && error.code === 'SLOT_RELEASED') removeState(dir);
      throw error;
    }
  }

  /** The online part of check({ online: true }): fresh keys, the server's clock, a renewed lease past its half. */
  async function refresh(state: StoredState): Promise<{ state: StoredState; renewed: boolean }> {
    const claims = decodeJwt(state.token);
    const iat = (claims.iat ?? 0) * 1000;
    const exp = (claims.exp ?? 0) * 1000;
    const keyList = await fetchKeyList();
    // This machine's clock decides: were it set back to delay the renewal, the clock check refuses it anyway.
    if (clock.now().getTime() >= iat + (exp - iat) / 2) return { state: await renewStored(state, keyList), renewed: true };
    const { key } = await machine();
    const next = { ...state, keyList: keptList(keyList, { kind: 'sealed', state }), lastSeen: serverNow() ?? state.lastSeen };
    writeState(dir, key, next);
    return { state: next, renewed: false };
  }

  async function stored(): Promise<StoredRead> {
    return readState(dir, (await machine()).key);
  }

  async function logIn(login: Login) {
    const data = await request<{ result: Outcome<{ sessionToken: string }> }>(LOG_IN, {
      input: { email: login.email, password: login.password },
    });
    session = success(data.result).sessionToken;
  }

  async function withSession<T>(login: Login | undefined, run: (session: string) => Promise<T>): Promise<T> {
    if (login) await logIn(login);
    if (!session) throw new SlotkeeperError('LOGIN_REQUIRED', 'Log in with the purchase e-mail and password first.');
    try {
      return await run(session);
    } catch (error) {
      if (error instanceof SlotkeeperError && error.code === 'FORBIDDEN') session = null;
      throw error;
    }
  }

  /**
   * The stored token when it is this machine's, even from a state whose seal broke (it still frees the
   * slot). A state copied from another machine holds that machine's token: never act on its slot from here.
   */
  async function ownToken(): Promise<{ token: string; activationId: string } | null> {
    const read = await stored();
    const token = read.kind === 'sealed' ? read.state.token : read.kind === 'broken' ? read.token : null;
    const claims = token ? claimsOf(token) : null;
    const { fingerprint } = await machine();
    if (!token || !claims?.sub || claims.fp !== fingerprintHash(fingerprint)) return null;
    return { token, activationId: claims.sub };
  }

  return {
    async activate(input) {
      const product = input.product ?? options.product;
      if (!product) throw new TypeError('activate needs a product code (or give `product` to createClient).');
      const { fingerprint } = await machine();
      // Keys first: the new token is signed with the server's current key, which this list holds.
      const keyList = await fetchKeyList();
      const data = await request<{ result: Outcome<SlotData> }>(ACTIVATE, {
        input: {
          email: input.email,
          password: input.password,
          product,
          fingerprint,
          machineName: options.machineName ?? defaultMachineName(),
          osUser: options.osUser ?? defaultOsUser(),
        },
      });
      const slot = success(data.result);
      const state = await store(slot, input.email.trim(), keyList, await stored());
      return {
        activationId: slot.activation.id,
        license: {
          id: slot.license.id,
          seats: slot.license.seats,
          seatsUsed: slot.license.seatsUsed,
          expiresAt: new Date(slot.license.expiresAt),
        },
        product: state.product,
        check: await offlineCheck({ kind: 'sealed', state }),
      };
    },

    async check(checkOptions) {
      let read = await stored();
      if (!checkOptions?.online || read.kind !== 'sealed') return offlineCheck(read);
      let online: OnlineOutcome;
      try {
        const refreshed = await refresh(read.state);
        read = { kind: 'sealed', state: refreshed.state };
        online = { ok: true, renewed: refreshed.renewed };
      } catch (error) {
        if (!(error instanceof SlotkeeperError)) throw error;
        online = { ok: false, error };
        if (error.code === 'SLOT_RELEASED') {
          return { status: 'NOT_ACTIVATED', reason: error.message, license: null, online };
        }
      }
      return { ...(await offlineCheck(read)), online };
    },

    async renew() {
      const read = await stored();
      if (read.kind !== 'sealed') throw new SlotkeeperError('NOT_ACTIVATED', 'This machine holds no usable activation; activate it.');
      return offlineCheck({ kind: 'sealed', state: await renewStored(read.state, await fetchKeyList()) });
    },

    async deactivate(login) {
      const own = await ownToken();
      let input: Record<string, string>;
      if (own) {
        input = { token: own.token };
      } else if (login) {
        const product = login.product ?? options.product;
        if (!product) throw new TypeError('deactivate with a login needs a product code.');
        input = { email: login.email, password: login.password, product, fingerprint: (await machine()).fingerprint };
      } else {
        throw new SlotkeeperError('NOT_ACTIVATED', 'This machine is not activated; log in to free its slot.');
      }
      const data = await request<{ result: Outcome<{ license: { id: string; seats: number; seatsUsed: number } }> }>(DEACTIVATE, {
        input,
      });
      const { license } = success(data.result);
      removeState(dir);
      return { licenseId: license.id, seats: license.seats, seatsUsed: license.seatsUsed };
    },

    async licenses(login) {
      const data = await withSession(login, (token) => request<{ myLicenses: LicenseData[] }>(MY_LICENSES, {}, token));
      const mine = (await ownToken())?.activationId;
      return data.myLicenses.map((license) => ({
        id: license.id,
        product: productInfo(license.product),
        seats: license.seats,
        seatsUsed: license.seatsUsed,
        seatsFree: Math.max(0, license.seats - license.seatsUsed),
        startsAt: new Date(license.startsAt),
        expiresAt: new Date(license.expiresAt),
        status: license.status,
        activations: license.activations.map((a) => ({
          id: a.id,
          machineName: a.machineName,
          osUser: a.osUser,
          activatedAt: new Date(a.activatedAt),
          lastSeenAt: new Date(a.lastSeenAt),
          thisMachine: a.id === mine,
        })),
      }));
    },

    async release(activationId, login) {
      const data = await withSession(login, (token) =>
        request<{ result: Outcome<{ license: { id: string; seats: number; seatsUsed: number } }> }>(
          RELEASE,
          { input: { activationId } },
          token,
        ),
      );
      const { license } = success(data.result);
      // Releasing this machine's own slot leaves nothing to keep here.
      if ((await ownToken())?.activationId === activationId) removeState(dir);
      return { licenseId: license.id, seats: license.seats, seatsUsed: license.seatsUsed };
    },

    async requestPasswordReset(email) {
      const data = await request<{ result: Outcome<object> }>(REQUEST_PASSWORD_RESET, { input: { email } });
      success(data.result);
    },

    async resetPassword(input) {
      const data = await request<{ result: Outcome<object> }>(RESET_PASSWORD, {
        input: { token: input.code, newPassword: input.newPassword, newPasswordRepeat: input.newPasswordRepeat },
      });
      success(data.result);
    },

    async changePassword(input) {
      const data = await request<{ result: Outcome<object> }>(CHANGE_PASSWORD, { input });
      success(data.result);
    },

    async product() {
      const read = await stored();
      // A copy: the stored state is shared and frozen (storage.ts).
      return read.kind === 'sealed' ? structuredClone(read.state.product) : null;
    },

    close: () => transport.close(),
  };
}
