// The plug-in SDK: activate this machine, check the license offline, renew the lease when online,
// deactivate, and the license manager (licenses, remote release, passwords). The calls to the server
// are in api.ts (through the transport: proxy, error messages); the activation this machine holds is
// in activation.ts (stored in `storageDir`, the verdict from check.ts). Every cache lives in the client
// instance, so two clients in one process never see each other's state.
import { decodeJwt, type JSONWebKeySet } from 'jose';
import { type ActivationState, type Clock, createActivationState, machineOf, type Machine, slotToken } from './activation.ts';
import { type LicenseData, type SeatCount, type SlotData, createApi } from './api.ts';
import { type CheckResult, KeyRing, OfflineCheck } from './check.ts';
import { SlotkeeperError } from './error.ts';
import { type Heartbeat, type HeartbeatOptions, type Renewed, runHeartbeat } from './heartbeat.ts';
import { machineFingerprint, machineName as defaultMachineName, osUser as defaultOsUser } from './fingerprint.ts';
import type { ProductLinks, StoredRead, StoredState } from './storage.ts';
import { type ProxySettings, createTransport } from './transport.ts';

export type { Clock } from './activation.ts';
export type { Heartbeat, HeartbeatOptions, Renewed } from './heartbeat.ts';

export interface ClientOptions {
  /** The license server, e.g. `https://licenses.example.com` (use https: see README, "Limits"). */
  serverUrl: string;
  proxy?: ProxySettings;
  /**
   * Certificate authorities (PEM) to trust for an https server besides the system's: a vendor's own
   * CA, or a test certificate.
   */
  ca?: string | string[];
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
  /** The slot lies beyond the license's seats (the product's overage allowed it). */
  overage: boolean;
  license: { id: string; seats: number; seatsUsed: number; expiresAt: Date };
  product: ProductInfo;
  /** The offline check of the new token: VALID, unless e.g. this machine's clock is wrong. */
  check: CheckResult;
}

export interface TrialStarted {
  /** When the trial ends; the token is not renewed. */
  expiresAt: Date;
  product: ProductInfo;
  /** The offline check of the trial token: VALID with `trial: true`, unless e.g. this machine's clock is wrong. */
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
  /**
   * Takes a slot for this machine (or refreshes the one it holds) and stores the token. `borrowSeconds`:
   * a token valid that long instead of the lease (travel), up to the product's maximum (else
   * BORROW_TOO_LONG with `details.maxBorrowSeconds`).
   */
  activate(input: Login & { product?: string; borrowSeconds?: number }): Promise<Activated>;
  /**
   * The license verdict. Offline by default; with `online: true` it first fetches the server's keys,
   * compares clocks and renews a lease past its half; network failures leave the offline verdict.
   */
  check(options?: { online?: boolean }): Promise<CheckResult & { online?: OnlineOutcome }>;
  /** A fresh token for the slot this machine holds (a new lease, or a borrow of `borrowSeconds`). */
  renew(options?: { borrowSeconds?: number }): Promise<CheckResult>;
  /**
   * Starts this machine's trial of the product (no login, no seat; once per machine per product, ever:
   * TRIAL_USED after that, NO_TRIAL when the product offers none) and stores its token in place of
   * what was stored. `email`, optional, lets the vendor link a later purchase to the trial.
   */
  startTrial(input?: { email?: string; product?: string }): Promise<TrialStarted>;
  /** Whether the stored token, checked offline, is VALID and grants the entitlement `code`. */
  hasEntitlement(code: string): Promise<boolean>;
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
  /**
   * Holds a floating seat while the plug-in runs: renews the stored token at about half its remaining
   * lease, retries with backoff while the server cannot be reached, revives a lapsed lease, and stops
   * with `onLost` when the seat is gone. One at a time per client; rejects NOT_ACTIVATED with nothing stored.
   */
  startHeartbeat(options?: HeartbeatOptions): Promise<Heartbeat>;
  /**
   * Opt-in clean exit: on one of `signals` (default SIGINT, SIGTERM, SIGHUP) stops the heartbeat,
   * deactivates within `timeoutMs` and closes the client, then calls `onExit`, or — without it — raises
   * the signal again so the process ends as it would have (unless the plug-in listens to it too).
   * Returns a function that removes the handlers.
   */
  deactivateOnExit(options?: ExitOptions): () => void;
  /**
   * Stops the heartbeat and closes the connections. `deactivate: true` first frees this machine's seat,
   * giving up after `timeoutMs` (default 5 s; the seat then frees itself when its lease runs out) and
   * rejecting with why after closing.
   */
  close(options?: { deactivate?: boolean; timeoutMs?: number }): Promise<void>;
}

export interface ExitOptions {
  signals?: NodeJS.Signals[];
  timeoutMs?: number;
  /** After the deactivation (`error`: why it failed); replaces raising the signal again. */
  onExit?(outcome: { signal: NodeJS.Signals; error?: unknown }): void;
}

const CLOSE_TIMEOUT_MS = 5_000;

/** `promise`, or SERVER_UNREACHABLE after `ms`; the timer never holds the process. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new SlotkeeperError('SERVER_UNREACHABLE', `${what} got no answer within ${ms / 1000} s; the seat frees itself when its lease runs out.`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function productInfo(product: SlotData['license']['product']): ProductInfo {
  return { code: product.code, name: product.name, links: product.links };
}

export function createClient(options: ClientOptions): SlotkeeperClient {
  const clock = options.clock ?? { now: () => new Date() };
  const transport = createTransport({
    serverUrl: options.serverUrl,
    proxy: options.proxy,
    ca: options.ca,
    timeoutMs: options.timeoutMs,
    now: () => clock.now(),
  });
  const api = createApi(transport);
  const keys = new KeyRing({ publicKeys: options.publicKeys, rootKeys: options.rootKeys });

  let identity: Promise<Machine> | null = null;
  const machine = () =>
    (identity ??= (async () => {
      const given = typeof options.fingerprint === 'function' ? await options.fingerprint() : options.fingerprint;
      return machineOf(given ?? (await machineFingerprint()));
    })());

  const activation: ActivationState = createActivationState({
    storageDir: options.storageDir,
    serverUrl: transport.serverUrl.href,
    keys,
    offline: new OfflineCheck({ keys, product: options.product, issuer: options.issuer, toleranceMs: options.clockToleranceMs ?? 5 * 60_000 }),
    machine,
    clock,
    serverNow: () => transport.lastServerTime()?.server.getTime(),
  });

  let session: string | null = null;

  /**
   * The server's root-signed key list, when a shipped root key verifies it; null without root keys
   * (nothing is fetched: server-sent keys are never trusted) or for a list that does not verify
   * (forged, unsigned, another root's), so that the caller keeps the list it trusted before.
   */
  async function fetchKeyList(): Promise<string | null> {
    if (!keys.hasRoots) return null;
    const list = await api.keyList();
    return keys.verify(list) ? list : null;
  }

  /** `keyList`: fetched just before, so that it holds the key the fresh token is signed with. */
  async function renewStored(state: StoredState, keyList: string | null, borrowSeconds?: number): Promise<StoredState> {
    try {
      return await activation.store(slotToken(await api.renew(state.token, borrowSeconds)), state.email, keyList, { kind: 'sealed', state });
    } catch (error) {
      // The slot was freed elsewhere (license manager, vendor): this machine no longer holds one.
      if (error instanceof SlotkeeperError && error.code === 'SLOT_RELEASED') activation.remove();
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
    // A trial's token is never renewed: it lasts the trial.
    if (claims.trial !== true && clock.now().getTime() >= iat + (exp - iat) / 2) return { state: await renewStored(state, keyList), renewed: true };
    return { state: await activation.refreshed(state, keyList), renewed: false };
  }

  async function withSession<T>(login: Login | undefined, run: (session: string) => Promise<T>): Promise<T> {
    if (login) session = await api.logIn(login);
    if (!session) throw new SlotkeeperError('LOGIN_REQUIRED', 'Log in with the purchase e-mail and password first.');
    try {
      return await run(session);
    } catch (error) {
      if (error instanceof SlotkeeperError && error.code === 'FORBIDDEN') session = null;
      throw error;
    }
  }

  const seatUsage = (license: SeatCount): SeatUsage => ({ licenseId: license.id, seats: license.seats, seatsUsed: license.seatsUsed });

  async function deactivate(login?: Login & { product?: string }): Promise<SeatUsage> {
    // A renewal racing the deactivation would answer SLOT_RELEASED and report the seat lost.
    await heartbeat?.stop();
    const own = await activation.ownToken();
    let input: { token: string } | { email: string; password: string; product: string; fingerprint: string };
    if (own) {
      input = { token: own.token };
    } else if (login) {
      const product = login.product ?? options.product;
      if (!product) throw new TypeError('deactivate with a login needs a product code.');
      input = { email: login.email, password: login.password, product, fingerprint: (await machine()).fingerprint };
    } else {
      throw new SlotkeeperError('NOT_ACTIVATED', 'This machine is not activated; log in to free its slot.');
    }
    const license = await api.deactivate(input);
    activation.remove();
    return seatUsage(license);
  }

  let heartbeat: Heartbeat | null = null;

  /** The heartbeat's renewal: whatever is stored now (another process may have renewed it). */
  async function renewForHeartbeat(): Promise<Renewed> {
    const read = await activation.read();
    if (read.kind !== 'sealed') throw new SlotkeeperError('NOT_ACTIVATED', 'This machine holds no usable activation; activate it.');
    const before = decodeJwt(read.state.token).sub;
    const state = await renewStored(read.state, await fetchKeyList());
    const claims = decodeJwt(state.token);
    return { activationId: claims.sub!, validUntil: new Date((claims.exp ?? 0) * 1000), revived: claims.sub !== before };
  }

  let closed = false;

  async function close(closeOptions: { deactivate?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (closed) return;
    await heartbeat?.stop();
    if (closeOptions.deactivate && (await activation.ownToken())) {
      try {
        await within(deactivate(), closeOptions.timeoutMs ?? CLOSE_TIMEOUT_MS, 'Freeing the seat');
      } catch (error) {
        closed = true;
        await transport.destroy();
        throw error;
      }
    }
    closed = true;
    await transport.close();
  }

  return {
    async activate(input) {
      const product = input.product ?? options.product;
      if (!product) throw new TypeError('activate needs a product code (or give `product` to createClient).');
      const { fingerprint } = await machine();
      // Keys first: the new token is signed with the server's current key, which this list holds.
      const keyList = await fetchKeyList();
      const slot = await api.activate({
        email: input.email,
        password: input.password,
        product,
        fingerprint,
        machineName: options.machineName ?? defaultMachineName(),
        osUser: options.osUser ?? defaultOsUser(),
        borrowSeconds: input.borrowSeconds,
      });
      const state = await activation.store(slotToken(slot), input.email.trim(), keyList, await activation.read());
      return {
        activationId: slot.activation.id,
        overage: slot.overage,
        license: {
          id: slot.license.id,
          seats: slot.license.seats,
          seatsUsed: slot.license.seatsUsed,
          expiresAt: new Date(slot.license.expiresAt),
        },
        product: state.product,
        check: await activation.check({ kind: 'sealed', state }),
      };
    },

    async check(checkOptions) {
      let read: StoredRead = await activation.read();
      if (!checkOptions?.online || read.kind !== 'sealed') return activation.check(read);
      let online: OnlineOutcome;
      try {
        const refreshed = await refresh(read.state);
        read = { kind: 'sealed', state: refreshed.state };
        online = { ok: true, renewed: refreshed.renewed };
      } catch (error) {
        if (!(error instanceof SlotkeeperError)) throw error;
        online = { ok: false, error };
        if (error.code === 'SLOT_RELEASED') {
          return { status: 'NOT_ACTIVATED', reason: error.message, license: null, entitlements: [], trial: false, online };
        }
      }
      return { ...(await activation.check(read)), online };
    },

    async renew(renewOptions) {
      const read = await activation.read();
      if (read.kind !== 'sealed') throw new SlotkeeperError('NOT_ACTIVATED', 'This machine holds no usable activation; activate it.');
      const state = await renewStored(read.state, await fetchKeyList(), renewOptions?.borrowSeconds);
      return activation.check({ kind: 'sealed', state });
    },

    async startTrial(input = {}) {
      const product = input.product ?? options.product;
      if (!product) throw new TypeError('startTrial needs a product code (or give `product` to createClient).');
      const { fingerprint } = await machine();
      const keyList = await fetchKeyList();
      const trial = await api.startTrial({
        product,
        fingerprint,
        machineName: options.machineName ?? defaultMachineName(),
        osUser: options.osUser ?? defaultOsUser(),
        email: input.email,
      });
      const state = await activation.store(trial, input.email?.trim() ?? '', keyList, await activation.read());
      return { expiresAt: new Date(trial.expiresAt), product: state.product, check: await activation.check({ kind: 'sealed', state }) };
    },

    async hasEntitlement(code) {
      return (await activation.check(await activation.read())).entitlements.includes(code);
    },

    deactivate,

    async licenses(login) {
      const licenses = await withSession(login, (token) => api.myLicenses(token));
      const mine = (await activation.ownToken())?.activationId;
      return licenses.map((license) => ({
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
      const license = await withSession(login, (token) => api.release(activationId, token));
      // Releasing this machine's own slot leaves nothing to keep here.
      if ((await activation.ownToken())?.activationId === activationId) activation.remove();
      return seatUsage(license);
    },

    requestPasswordReset: (email) => api.requestPasswordReset(email),

    resetPassword: (input) =>
      api.resetPassword({ token: input.code, newPassword: input.newPassword, newPasswordRepeat: input.newPasswordRepeat }),

    changePassword: (input) =>
      api.changePassword({
        email: input.email,
        currentPassword: input.currentPassword,
        newPassword: input.newPassword,
        newPasswordRepeat: input.newPasswordRepeat,
      }),

    async product() {
      const read = await activation.read();
      // A copy: the stored state is shared and frozen (storage.ts).
      return read.kind === 'sealed' ? structuredClone(read.state.product) : null;
    },

    async startHeartbeat(heartbeatOptions = {}) {
      if (heartbeat?.running) throw new TypeError('A heartbeat is already running on this client; stop it first.');
      const read = await activation.read();
      if (read.kind !== 'sealed') throw new SlotkeeperError('NOT_ACTIVATED', 'This machine holds no usable activation; activate it.');
      const exp = decodeJwt(read.state.token).exp ?? 0;
      heartbeat = runHeartbeat(new Date(exp * 1000), { renew: renewForHeartbeat, clock }, heartbeatOptions);
      return heartbeat;
    },

    deactivateOnExit(exitOptions = {}) {
      const signals = exitOptions.signals ?? ['SIGINT', 'SIGTERM', 'SIGHUP'];
      const remove = () => {
        for (const signal of signals) process.off(signal, onSignal);
      };
      function onSignal(signal: NodeJS.Signals) {
        // A second signal meets no handler of ours: it ends the process the default way, whatever is pending.
        remove();
        void close({ deactivate: true, timeoutMs: exitOptions.timeoutMs }).then(
          () => finish(signal),
          (error: unknown) => finish(signal, error),
        );
      }
      function finish(signal: NodeJS.Signals, error?: unknown) {
        if (exitOptions.onExit) exitOptions.onExit(error === undefined ? { signal } : { signal, error });
        else if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      }
      for (const signal of signals) process.on(signal, onSignal);
      return remove;
    },

    close,
  };
}
