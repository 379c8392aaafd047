import { createContextCache } from '@pothos/core';

export interface BatchLoader<K, V> {
  load(key: K): Promise<V>;
}

/**
 * A loader per request (per GraphQL context): the keys asked for while one result is being completed
 * — every row of a list — are fetched with one query, and each key once. `fetch` returns what it
 * found; `missing` answers for a key it didn't return.
 */
export function batchLoader<K, V, C extends object>(
  fetch: (context: C, keys: K[]) => Promise<Map<K, V>>,
  missing: (key: K) => V,
) {
  return createContextCache((context: C): BatchLoader<K, V> => {
    const loaded = new Map<K, Promise<V>>();
    let queue: { key: K; resolve(value: V): void; reject(error: unknown): void }[] = [];
    const run = () => {
      const batch = queue;
      queue = [];
      fetch(context, [...new Set(batch.map((entry) => entry.key))]).then(
        (found) => {
          for (const entry of batch) entry.resolve(found.has(entry.key) ? found.get(entry.key)! : missing(entry.key));
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      );
    };
    return {
      load(key) {
        let value = loaded.get(key);
        if (!value) {
          value = new Promise<V>((resolve, reject) => {
            // After the promise jobs queued now (the sibling rows' resolvers), like DataLoader.
            if (queue.length === 0) void Promise.resolve().then(() => process.nextTick(run));
            queue.push({ key, resolve, reject });
          });
          loaded.set(key, value);
        }
        return value;
      },
    };
  });
}
