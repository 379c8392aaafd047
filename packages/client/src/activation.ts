// The activation this machine holds, as one client keeps it: the sealed state file (storage.ts), the
// machine's identity, which root-signed key list to keep, the last-seen time, and the offline verdict
// on what is stored (check.ts). No network here: the client hands in what the server answered.
import { type JWTPayload, decodeJwt } from 'jose';
import type { SlotData, TrialData } from './api.ts';
import type { CheckResult, KeyRing, OfflineCheck } from './check.ts';
import { StateFile, type StoredRead, type StoredState, stateKey } from './storage.ts';
import { fingerprintHash } from './verify.ts';

export interface Clock {
  now(): Date;
}

/** This machine as the client knows it: its fingerprint, the `fp` claim of its tokens, its sealing key. */
export interface Machine {
  fingerprint: string;
  fp: string;
  key: Buffer;
}

export interface ActivationState {
  read(): Promise<StoredRead>;
  /** Stores a token the server just gave; `previous` is what was stored before (for last-seen and the key list). */
  store(slot: StoredToken, email: string, keyList: string | null, previous: StoredRead): Promise<StoredState>;
  /** Records an online call that renewed nothing: a newer key list, the server's clock. */
  refreshed(state: StoredState, keyList: string | null): Promise<StoredState>;
  /** The offline verdict; moves last-seen forward. */
  check(read: StoredRead): Promise<CheckResult>;
  /**
   * The stored token when it is this machine's, even from a state whose seal broke (it still frees the
   * slot). A state copied from another machine holds that machine's token: never act on its slot from here.
   */
  ownToken(): Promise<{ token: string; activationId: string } | null>;
  remove(): void;
}

/** What the server gave this machine: a slot's token (activate, renew) or a trial's, and its product. */
export type StoredToken = { token: string; product: TrialData['product'] };

/** A slot as stored: its token and its license's product. */
export const slotToken = (slot: SlotData): StoredToken => ({ token: slot.token, product: slot.license.product });

/** How often an offline check writes the last-seen time: often enough for the tolerance, not on every call. */
const LAST_SEEN_WRITE_MS = 60_000;

/** The claims of a token, unverified: only to tell which slot or machine it names. */
function claimsOf(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

export function createActivationState(options: {
  storageDir: string;
  serverUrl: string;
  keys: KeyRing;
  offline: OfflineCheck;
  machine: () => Promise<Machine>;
  clock: Clock;
  /** The server's clock at its latest answer (ms), the time to trust for last-seen. */
  serverNow: () => number | undefined;
}): ActivationState {
  const { keys, clock, machine } = options;
  const file = new StateFile(options.storageDir);

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

  return {
    async read() {
      return file.read((await machine()).key);
    },

    async store(slot, email, keyList, previous) {
      const { key } = await machine();
      const state: StoredState = {
        server: options.serverUrl,
        product: { code: slot.product.code, name: slot.product.name, links: slot.product.links },
        email,
        token: slot.token,
        keyList: keptList(keyList, previous),
        // The server's clock is the one to trust; without it, never lower what this machine already saw.
        lastSeen: options.serverNow() ?? Math.max(clock.now().getTime(), previous.kind === 'sealed' ? previous.state.lastSeen : 0),
      };
      file.write(key, state);
      return state;
    },

    async refreshed(state, keyList) {
      const { key } = await machine();
      const next = { ...state, keyList: keptList(keyList, { kind: 'sealed', state }), lastSeen: options.serverNow() ?? state.lastSeen };
      file.write(key, next);
      return next;
    },

    async check(read) {
      const identity = await machine();
      const now = clock.now();
      const result = await options.offline.run(read, identity, now);
      // Every verdict but a set-back clock moves last-seen forward: an EXPIRED seen once stays expired
      // when the clock is then turned back.
      if (read.kind === 'sealed' && result.status !== 'CLOCK_TAMPERED' && now.getTime() - read.state.lastSeen >= LAST_SEEN_WRITE_MS) {
        file.write(identity.key, { ...read.state, lastSeen: now.getTime() });
      }
      return result;
    },

    async ownToken() {
      const read = await this.read();
      const token = read.kind === 'sealed' ? read.state.token : read.kind === 'broken' ? read.token : null;
      const claims = token ? claimsOf(token) : null;
      const { fp } = await machine();
      if (!token || !claims?.sub || claims.fp !== fp) return null;
      return { token, activationId: claims.sub };
    },

    remove: () => file.remove(),
  };
}

/** The `fp` claim and sealing key of a fingerprint. */
export function machineOf(fingerprint: string): Machine {
  return { fingerprint, fp: fingerprintHash(fingerprint), key: stateKey(fingerprint) };
}
