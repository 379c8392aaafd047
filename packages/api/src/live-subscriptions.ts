import type { Caller } from '@slotkeeper/schema/services/caller';
import type { Clock } from '@slotkeeper/schema/services/db';
import { type SessionEnd, endsSessionOf } from '@slotkeeper/schema/services/session-event';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';

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
  /** Ends, the same way, the subscriptions opened with a session that `end` covers (on this instance). */
  endSessions(end: SessionEnd): void;
}

interface Live {
  transport: SubscriptionTransport;
  caller: Caller;
  end(): void;
}

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

  function endable<T>(source: AsyncIterable<T>, transport: SubscriptionTransport, caller: Caller): AsyncIterableIterator<T> {
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
        // graphql-ws contexts carry the socket (server.ts); SSE ones only the HTTP request.
        const transport: SubscriptionTransport = (args.contextValue as { socket?: unknown }).socket ? 'ws' : 'sse';
        const { caller } = args.contextValue as unknown as { caller: Caller };
        return {
          onSubscribeResult({ result, setResult }) {
            if (isAsyncIterable(result)) setResult(endable(result, transport, caller));
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
    endSessions(end) {
      for (const entry of [...live]) if (endsSessionOf(end, entry.caller)) entry.end();
    },
  };
}
