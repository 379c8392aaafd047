import type { Caller } from '@slotkeeper/schema/services/caller';
import type { Clock } from '@slotkeeper/schema/services/db';
import { type SessionEnd, endsSessionOf } from '@slotkeeper/schema/services/session-event';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';

export type SubscriptionTransport = 'sse' | 'ws';

export interface LiveSubscriptions {
  plugin: Plugin;
  /** Subscriptions running now, per transport. */
  count(transport: SubscriptionTransport): number;
  /**
   * Ends every running subscription as if its event stream had finished, so each transport completes
   * it normally (SSE `complete` event and end of response, graphql-ws `complete` message) instead of
   * a cut connection. Used at shutdown; subscriptions started afterwards run as usual.
   */
  endAll(): void;
  /**
   * Ends every running subscription the way a restart should look to its client: without a
   * completion, so the official clients reconnect (to this server once it is back, or to another
   * instance) and subscribe again. An SSE stream's connection is cut (graphql-sse retries a stream
   * that ends without `complete`); a WebSocket closes with 1012 "service restart" (graphql-ws retries it).
   */
  interruptAll(): void;
  /** Ends, the same way, the subscriptions opened with a session that `end` covers (on this instance). */
  endSessions(end: SessionEnd): void;
}

interface Live {
  transport: SubscriptionTransport;
  caller: Caller;
  end(): void;
  interrupt(): void;
}

/** WebSocket close code 1012 (RFC 6455 registry): the server restarts, come back. */
export const SERVICE_RESTART = { code: 1012, reason: 'Service restart' } as const;

/** How often subscriptions are checked for a session past its expiry: a stream ends at most this late. */
const EXPIRY_CHECK_MS = 1000;

/**
 * Counts the subscriptions of both transports (graphql-ws runs through the same envelop plugins) and can
 * end them. A subscription lives no longer than the session it was opened with: it ends when that
 * session expires (by `clock`) and when `endSessions` is told the session ended.
 */
export function createLiveSubscriptions(clock: Clock): LiveSubscriptions {
  const live = new Set<Live>();
  let expiryCheck: ReturnType<typeof setInterval> | undefined;

  function endExpired() {
    const now = clock.now();
    for (const entry of [...live]) {
      if (entry.caller.kind !== 'anonymous' && entry.caller.sessionExpiresAt <= now) entry.end();
    }
  }

  function track(entry: Live) {
    live.add(entry);
    if (!expiryCheck) {
      expiryCheck = setInterval(endExpired, EXPIRY_CHECK_MS);
      expiryCheck.unref();
    }
  }

  function untrack(entry: Live) {
    live.delete(entry);
    if (live.size === 0 && expiryCheck) {
      clearInterval(expiryCheck);
      expiryCheck = undefined;
    }
  }

  function endable<T>(source: AsyncIterable<T>, transport: SubscriptionTransport, caller: Caller, interrupt: () => void): AsyncIterableIterator<T> {
    const inner = source[Symbol.asyncIterator]();
    let finish!: (result: IteratorResult<T>) => void;
    // A plain iterator, not an async generator: a generator would queue the client's return() behind a
    // pending next() and keep an unsubscribed stream alive until its next event.
    const ended = new Promise<IteratorResult<T>>((resolve) => (finish = resolve));
    const entry: Live = {
      transport,
      caller,
      end() {
        untrack(entry);
        finish({ done: true, value: undefined });
        void inner.return?.();
      },
      interrupt,
    };
    track(entry);
    return {
      async next() {
        const result = await Promise.race([inner.next(), ended]);
        if (result.done) untrack(entry);
        return result;
      },
      async return(value?: unknown) {
        entry.end();
        return { done: true, value: value as T };
      },
      async throw(error?: unknown) {
        entry.end();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  return {
    plugin: {
      onSubscribe({ args }) {
        // graphql-ws contexts carry the WebSocket (server.ts); SSE ones the HTTP request (yoga's Node adapter).
        const { caller, socket, req } = args.contextValue as unknown as { caller: Caller; socket?: WebSocket; req?: IncomingMessage };
        const transport: SubscriptionTransport = socket ? 'ws' : 'sse';
        const interrupt = socket ? () => socket.close(SERVICE_RESTART.code, SERVICE_RESTART.reason) : () => req?.socket.destroy();
        return {
          onSubscribeResult({ result, setResult }) {
            if (isAsyncIterable(result)) setResult(endable(result, transport, caller, interrupt));
          },
        };
      },
    },
    count(transport) {
      let n = 0;
      for (const entry of live) if (entry.transport === transport) n++;
      return n;
    },
    endAll() {
      for (const entry of [...live]) entry.end();
    },
    interruptAll() {
      for (const entry of [...live]) entry.interrupt();
    },
    endSessions(end) {
      for (const entry of [...live]) if (endsSessionOf(end, entry.caller)) entry.end();
    },
  };
}
