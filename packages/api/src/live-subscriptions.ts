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
}

interface Live {
  transport: SubscriptionTransport;
  end(): void;
}

/** Counts the subscriptions of both transports (graphql-ws runs through the same envelop plugins) and can end them. */
export function createLiveSubscriptions(): LiveSubscriptions {
  const live = new Set<Live>();

  function endable<T>(source: AsyncIterable<T>, transport: SubscriptionTransport): AsyncIterableIterator<T> {
    const inner = source[Symbol.asyncIterator]();
    let finish!: (result: IteratorResult<T>) => void;
    // A plain iterator, not an async generator: a generator would queue the client's return() behind a
    // pending next() and keep an unsubscribed stream alive until its next event.
    const ended = new Promise<IteratorResult<T>>((resolve) => (finish = resolve));
    const entry: Live = {
      transport,
      end() {
        live.delete(entry);
        finish({ done: true, value: undefined });
        void inner.return?.();
      },
    };
    live.add(entry);
    return {
      async next() {
        const result = await Promise.race([inner.next(), ended]);
        if (result.done) live.delete(entry);
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
        return {
          onSubscribeResult({ result, setResult }) {
            if (isAsyncIterable(result)) setResult(endable(result, transport));
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
  };
}
