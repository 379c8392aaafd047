// The heartbeat of a floating seat: while the plug-in runs, renew the token at about half of what is
// left of its lease (with jitter, so that a room of machines started together does not renew in
// step), retry with backoff when the server cannot be reached, and stop and say so when the server
// refuses. The schedule is pure (functions of the clock and a random number); the loop gets its
// clock, timers and randomness handed in, so tests move time instead of waiting for it.
import { SlotkeeperError } from './error.ts';

/** ± this share of the delay: 0.1 renews between 45 % and 55 % of the remaining lease. */
export const RENEWAL_JITTER = 0.1;
/** setTimeout's largest delay is about 24.8 days; a token that lives for a year is renewed daily instead. */
export const MAX_RENEWAL_DELAY_MS = 24 * 3_600_000;
/** Never sooner than this after a renewal (a lease of a second would otherwise spin). */
export const MIN_RENEWAL_DELAY_MS = 500;
export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 60_000;
const MIN_RETRY_MS = 250;

/**
 * When to renew a token that expires at `expMs`: about half of what is left, `random` ∈ [0, 1) picking
 * where in the jitter band. At once for a token already expired (a lapsed lease: revive it).
 */
export function renewalDelay(nowMs: number, expMs: number, random: number): number {
  const remaining = expMs - nowMs;
  if (remaining <= 0) return 0;
  const delay = (remaining / 2) * (1 - RENEWAL_JITTER + 2 * RENEWAL_JITTER * random);
  return Math.round(Math.min(MAX_RENEWAL_DELAY_MS, Math.max(Math.min(MIN_RENEWAL_DELAY_MS, remaining / 2), delay)));
}

/**
 * The wait before retry number `attempt` (1, 2, …) after a failure to reach the server: doubling from
 * 1 s up to a minute, the upper half of that drawn at random ("equal jitter"). While the token is still
 * valid, never more than half of what is left of it, so that several tries happen before it lapses.
 */
export function retryDelay(attempt: number, nowMs: number, expMs: number, random: number): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 30));
  let delay = ceiling / 2 + (ceiling / 2) * random;
  const remaining = expMs - nowMs;
  if (remaining > 0) delay = Math.min(delay, remaining / 2);
  return Math.round(Math.max(MIN_RETRY_MS, delay));
}

/** Failures worth retrying: the network or the server's state, not a refusal of this slot. */
export function isTransient(error: SlotkeeperError): boolean {
  return error.isNetworkError || error.code === 'RATE_LIMITED';
}

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a heartbeat alone never keeps the process alive. */
export const NODE_TIMERS: Timers = {
  setTimeout(run, ms) {
    const handle = setTimeout(run, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Renewed {
  activationId: string;
  /** The new token's `exp`. */
  validUntil: Date;
  /** The lease had lapsed and the server released the old slot: this machine holds a new one. */
  revived: boolean;
}

export interface HeartbeatOptions {
  onRenewed?(renewed: Renewed): void;
  /**
   * The server cannot be reached (or asks to slow down): the heartbeat tries again in `retryInMs`.
   * `tokenValid`: the stored token still works offline meanwhile.
   */
  onRetry?(event: { error: SlotkeeperError; attempt: number; retryInMs: number; tokenValid: boolean }): void;
  /**
   * The seat is gone and the heartbeat has stopped: `SLOT_RELEASED` (freed from the license manager or
   * the dashboard), `LICENSE_EXPIRED` / `_SUSPENDED` / `_REVOKED`, `NO_FREE_SLOT` (the lease lapsed and
   * another machine took the seat meanwhile), `INVALID_TOKEN`, `NOT_ACTIVATED`.
   */
  onLost?(error: SlotkeeperError): void;
}

export interface Heartbeat {
  /** Stops renewing; resolves once a renewal under way has finished (and been stored). */
  stop(): Promise<void>;
  readonly running: boolean;
}

export interface HeartbeatDeps {
  /** Renews the stored token now and stores the new one. */
  renew(): Promise<Renewed>;
  clock: { now(): Date };
  timers?: Timers;
  random?: () => number;
}

/** A callback's exception is the plug-in's bug: thrown where it surfaces, never swallowed, never stopping the loop. */
function notify<A>(callback: ((arg: A) => void) | undefined, arg: A): void {
  if (!callback) return;
  try {
    callback(arg);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Starts the loop for a token valid until `validUntil`. */
export function runHeartbeat(validUntil: Date, deps: HeartbeatDeps, options: HeartbeatOptions): Heartbeat {
  const timers = deps.timers ?? NODE_TIMERS;
  const random = deps.random ?? Math.random;
  const now = () => deps.clock.now().getTime();
  let expMs = validUntil.getTime();
  let attempt = 0;
  let running = true;
  let timer: unknown = null;
  let inFlight: Promise<void> | null = null;

  const schedule = (ms: number) => {
    timer = timers.setTimeout(() => {
      timer = null;
      inFlight = beat().finally(() => (inFlight = null));
    }, ms);
  };

  async function beat(): Promise<void> {
    let renewed: Renewed;
    try {
      renewed = await deps.renew();
    } catch (error) {
      if (!running) return;
      const failure =
        error instanceof SlotkeeperError
          ? error
          : new SlotkeeperError('SERVER_ERROR', `The renewal failed: ${(error as Error)?.message ?? String(error)}`, {}, { cause: error });
      if (isTransient(failure)) {
        attempt += 1;
        const retryAfter = Number(failure.details.retryAfterSeconds ?? 0) * 1000;
        const retryInMs = Math.max(retryAfter, retryDelay(attempt, now(), expMs, random()));
        schedule(retryInMs);
        notify(options.onRetry, { error: failure, attempt, retryInMs, tokenValid: now() < expMs });
        return;
      }
      running = false;
      notify(options.onLost, failure);
      return;
    }
    if (!running) return;
    attempt = 0;
    expMs = renewed.validUntil.getTime();
    schedule(renewalDelay(now(), expMs, random()));
    notify(options.onRenewed, renewed);
  }

  schedule(renewalDelay(now(), expMs, random()));

  return {
    get running() {
      return running;
    },
    async stop() {
      running = false;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      await inFlight;
    },
  };
}
