// Subscriptions over real sockets: SSE (graphql-sse, "distinct connections" mode, as yoga serves it)
// and WebSocket (graphql-ws), behind one small interface the tests read results from.
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLResponse } from './app.ts';
import { ACTIVATE, DEACTIVATE, SLOT_EVENTS, machine } from './operations.ts';

export type Transport = 'sse' | 'ws';

/** The fields of `slotUsageChanged` that SLOT_EVENTS selects. */
export interface SlotEvent {
  licenseId: string;
  seats: number;
  seatsUsed: number;
  change: 'ACTIVATED' | 'DEACTIVATED' | 'RELEASED' | 'LEASE_EXPIRED';
  at: string;
  activation: { id: string; machineName: string; releasedAt: string | null; releaseReason: string | null };
}

interface RefusalError {
  message: string;
  extensions?: { code?: string };
}

/** One result as it arrives over the wire (JSON). */
interface Result {
  data?: { slotUsageChanged: SlotEvent } | null;
  errors?: RefusalError[];
}

/** How long a test waits for something that must happen before it fails (a failure guard, not a measure). */
export const WAIT_MS = 10_000;

/** Results of one subscription, in the order they arrived; `next()` waits for the following one. */
export class ResultQueue {
  private readonly buffer: Result[] = [];
  private readonly waiting: { resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private ended: { error?: unknown } | null = null;
  private readonly onEnd: (() => void)[] = [];
  /** Everything received, kept for assertions about what did (not) arrive. */
  readonly received: Result[] = [];

  readonly sink = {
    next: (value: unknown) => {
      const result = value as Result;
      this.received.push(result);
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(result);
      else this.buffer.push(result);
    },
    error: (error: unknown) => this.end({ error }),
    complete: () => this.end({}),
  };

  private end(how: { error?: unknown }) {
    if (this.ended) return;
    this.ended = how;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.endError());
    for (const notify of this.onEnd.splice(0)) notify();
  }

  private endError() {
    const cause = this.ended?.error;
    return new Error(`the subscription ended${cause ? ` with an error: ${show(cause)}` : ''}`, { cause });
  }

  /** Resolves when the server completed the subscription or the client saw it fail; rejects after `ms`. */
  whenEnded(ms = WAIT_MS): Promise<{ error?: unknown }> {
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the subscription did not end within ${ms} ms`)), ms);
      this.onEnd.push(() => {
        clearTimeout(timer);
        resolve(this.ended!);
      });
    });
  }

  /** The next result; rejects if the subscription ends first or nothing arrives within `ms`. */
  next(ms = WAIT_MS): Promise<Result> {
    const buffered = this.buffer.shift();
    if (buffered) return Promise.resolve(buffered);
    if (this.ended) return Promise.reject(this.endError());
    return new Promise<Result>((resolve, reject) => {
      const waiter = {
        resolve: (r: Result) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`no subscription result within ${ms} ms (received so far: ${JSON.stringify(this.received)})`));
      }, ms);
      this.waiting.push(waiter);
    });
  }

  /** The next result, or undefined if none arrives within `ms` (used only to decide whether to poke again). */
  async poll(ms: number): Promise<Result | undefined> {
    try {
      return await this.next(ms);
    } catch (error) {
      if (this.ended) throw error;
      return undefined;
    }
  }

  /** The next slot event; fails on an error result. */
  async nextEvent(ms = WAIT_MS): Promise<SlotEvent> {
    const result = await this.next(ms);
    if (result.errors?.length || !result.data) throw new Error(`expected a slot event, got ${JSON.stringify(result)}`);
    return result.data.slotUsageChanged;
  }

  /**
   * The GraphQL errors a refused subscription answers with, whichever way the transport carries them:
   * a result with `errors` (then completion), or the sink's error (graphql-ws `error` message).
   */
  async refusal(ms = WAIT_MS): Promise<readonly RefusalError[]> {
    let result: Result;
    try {
      result = await this.next(ms);
    } catch (error) {
      const cause = (error as Error).cause;
      if (Array.isArray(cause)) return cause as RefusalError[];
      throw error;
    }
    if (!result.errors?.length) throw new Error(`expected the subscription to be refused, got ${JSON.stringify(result)}`);
    return result.errors;
  }
}

function show(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

export interface Subscriber {
  results: ResultQueue;
  /** Unsubscribes and closes the client's connection(s). */
  close(): Promise<void>;
}

/** The WebSocket URL of a listener's GraphQL endpoint. */
export function wsUrl(httpUrl: string) {
  return `${httpUrl.replace(/^http/, 'ws')}/graphql`;
}

/**
 * Subscribes to `slotUsageChanged(licenseId)` on a listening server through a real socket.
 * `session` travels as `Authorization: Bearer …` (SSE) or as connectionParams.authorization (WebSocket).
 */
export function subscribeSlots(
  transport: Transport,
  httpUrl: string,
  licenseId: string | null,
  session?: string,
  query = SLOT_EVENTS,
): Subscriber {
  const results = new ResultQueue();
  const payload = { query, variables: { licenseId } };
  const authorization = session ? `Bearer ${session}` : undefined;
  if (transport === 'sse') {
    const client = createSseClient({
      url: `${httpUrl}/graphql`,
      headers: authorization ? { authorization } : {},
      singleConnection: false,
      retryAttempts: 0,
    });
    const unsubscribe = client.subscribe(payload, results.sink);
    return {
      results,
      async close() {
        unsubscribe();
        client.dispose();
      },
    };
  }
  const client = createWsClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
  });
  const unsubscribe = client.subscribe(payload, results.sink);
  return {
    results,
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** A GraphQL request over HTTP to a listening server. */
export async function post<T = any>(
  httpUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  session?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${httpUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(session ? { authorization: `Bearer ${session}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return response.json() as Promise<GraphQLResponse<T>>;
}

/**
 * Waits until a subscriber is live, deterministically: a subscription only proves it is registered
 * (with Redis: SUBSCRIBE acknowledged) by delivering an event. So a warm-up machine takes and frees a
 * slot of the license (two events, seats back as they were) until the subscriber sees one, then the
 * events are read up to the warm-up's last DEACTIVATED, which must arrive: events of one license come
 * in publish order. Afterwards `results.next()` yields only events published after this returns.
 *
 * `pokeUrl` is the instance the warm-up runs on (on another instance, it also proves the Redis path).
 */
export async function untilLive(
  results: ResultQueue,
  license: { id: string; email: string; password: string; product: string },
  pokeUrl: string,
) {
  const warmUp = machine(license, `warm-up-${Math.random().toString(36).slice(2)}`);
  const deadline = Date.now() + WAIT_MS;
  let lastActivationId: string | undefined;
  let seen: Result | undefined;
  while (!seen) {
    if (Date.now() > deadline) throw new Error(`the subscription delivered no warm-up event within ${WAIT_MS} ms`);
    const activated = (await post(pokeUrl, ACTIVATE, { input: warmUp })).data?.activateMachine;
    if (activated?.__typename !== 'ActivateMachineSuccess') throw new Error(`warm-up activation failed: ${JSON.stringify(activated)}`);
    lastActivationId = activated.activation.id;
    const deactivated = (await post(pokeUrl, DEACTIVATE, { input: { token: activated.token } })).data?.deactivateMachine;
    if (deactivated?.__typename !== 'DeactivateMachineSuccess') throw new Error(`warm-up deactivation failed: ${JSON.stringify(deactivated)}`);
    // Short waits between pokes: an answer only decides whether to poke again, never a test result.
    seen = await results.poll(200);
  }
  for (let result: Result = seen; ; result = await results.next()) {
    const event = result.data?.slotUsageChanged;
    if (!event) throw new Error(`expected a warm-up event, got ${JSON.stringify(result)}`);
    if (event.licenseId !== license.id || !event.activation.machineName.startsWith('PC-warm-up-')) {
      throw new Error(`an event other than the warm-up's arrived during the warm-up: ${JSON.stringify(event)}`);
    }
    if (event.change === 'DEACTIVATED' && event.activation.id === lastActivationId) return;
  }
}
