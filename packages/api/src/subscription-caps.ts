import type { Caller } from '@slotkeeper/schema/services/caller';
import { GraphQLError } from 'graphql';
import { type Plugin, isAsyncIterable } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import { type ProxyTrust, socketRequestAddress } from './rate-limit.ts';

export const SUBSCRIPTION_LIMIT_EXCEEDED = 'SUBSCRIPTION_LIMIT_EXCEEDED';

export interface SubscriptionCaps {
  /** Subscriptions one session may hold open at once, over SSE and WebSocket together; 0 = no cap. */
  perSession: number;
  /** Likewise per client address. */
  perAddress: number;
  /** Reverse proxies whose X-Forwarded-For entries are trusted (as for the per-address rate limit). */
  proxyTrust: ProxyTrust;
}

/**
 * Caps the subscriptions open at once per session and per client address, in this process (each
 * instance counts its own). A subscription takes its place when it is asked for, so a burst cannot
 * pass the cap before the first ones have started, and gives it back when its stream ends, however
 * it ends (client, server, shutdown or an ended session).
 */
export function subscriptionCapsPlugin(caps: SubscriptionCaps): Plugin {
  const open = new Map<string, number>();
  const take = (keys: string[]) => keys.forEach((key) => open.set(key, (open.get(key) ?? 0) + 1));
  const giveBack = (keys: string[]) =>
    keys.forEach((key) => {
      const n = (open.get(key) ?? 1) - 1;
      if (n > 0) open.set(key, n);
      else open.delete(key);
    });

  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const { caller, req } = args.contextValue as { caller?: Caller; req?: IncomingMessage };
      const limits: { key: string; max: number; per: 'session' | 'address' }[] = [];
      if (caps.perSession > 0 && caller && caller.kind !== 'anonymous') limits.push({ key: `session:${caller.sessionId}`, max: caps.perSession, per: 'session' });
      if (caps.perAddress > 0 && req?.socket) limits.push({ key: `address:${socketRequestAddress(req, caps.proxyTrust)}`, max: caps.perAddress, per: 'address' });
      const over = limits.find(({ key, max }) => (open.get(key) ?? 0) >= max);
      if (over) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(`Too many open subscriptions: at most ${over.max} per ${over.per}. Close one before opening another.`, {
              extensions: { code: SUBSCRIPTION_LIMIT_EXCEEDED, limit: over.per, max: over.max },
            }),
          ],
        });
        return;
      }
      const keys = limits.map((l) => l.key);
      take(keys);
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return giveBack(keys);
          setResult(released(result, () => giveBack(keys)));
        },
        onSubscribeError: () => giveBack(keys),
      };
    },
  };
}

/** The stream, calling `release` once when it finishes, fails or is returned. */
function released<T>(source: AsyncIterable<T>, release: () => void): AsyncIterableIterator<T> {
  const inner = source[Symbol.asyncIterator]();
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    release();
  };
  return {
    async next() {
      try {
        const result = await inner.next();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return (await inner.return?.(value)) ?? { done: true, value: value as T };
    },
    async throw(error?: unknown) {
      end();
      if (inner.throw) return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
