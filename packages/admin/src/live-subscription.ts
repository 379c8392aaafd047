import { type ExecutionResult, createClient } from 'graphql-sse';

export type LiveStatus = 'connecting' | 'live' | 'offline';

export interface KeepSubscribedOptions<T> {
  url: string;
  headers: () => Record<string, string>;
  query: string;
  variables?: Record<string, unknown>;
  onResult(result: ExecutionResult<T, unknown>): void;
  onStatus(status: LiveStatus): void;
  /**
   * Called on every connection after the first: whatever was published while the stream was down
   * never arrives, so the caller refetches what it shows.
   */
  onReconnect(): void;
  /** Wait before the next attempt (the `attempt`-th in a row, from 0). */
  backoffMs?: (attempt: number) => number;
}

/** 1 s, doubling, at most 30 s: a restarting server is back within seconds, a long outage costs little. */
export const defaultBackoffMs = (attempt: number) => Math.min(30_000, 1000 * 2 ** attempt);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One graphql-sse subscription kept open for as long as the caller wants it. A stream cut without
 * `complete` (a server restarting, a network drop) is retried by graphql-sse; one the server
 * completes or refuses (an ended session, an older server that completes at shutdown) is subscribed
 * again after the backoff. Returns the function that stops it.
 */
export function keepSubscribed<T>(options: KeepSubscribedOptions<T>): () => void {
  const backoff = options.backoffMs ?? defaultBackoffMs;
  let stopped = false;
  let connections = 0;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe = () => {};
  const client = createClient({
    url: options.url,
    headers: options.headers,
    singleConnection: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    // graphql-sse's own backoff doubles without a bound: capped, as for a resubscription.
    retry: (retries) => sleep(backoff(retries)),
    on: {
      connecting: () => options.onStatus('connecting'),
      connected: () => {
        attempt = 0;
        if (connections++ > 0) options.onReconnect();
        options.onStatus('live');
      },
    },
  });
  const ended = () => {
    if (stopped) return;
    options.onStatus('offline');
    timer = setTimeout(subscribe, backoff(attempt++));
  };
  function subscribe() {
    unsubscribe = client.subscribe<T>(
      { query: options.query, variables: options.variables },
      { next: (result) => options.onResult(result), error: ended, complete: ended },
    );
  }
  subscribe();
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
    client.dispose();
  };
}
