import { RateLimitedError } from '@slotkeeper/schema/services/errors';
import type { RateLimiter, RateLimits } from '@slotkeeper/schema/services/rate-limit';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config.ts';

function limiter(redis: Redis | null, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  return redis
    ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `slotkeeper:${keyPrefix}`, points, duration })
    : new RateLimiterMemory({ keyPrefix, points, duration });
}

const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

function asRateLimiter(inner: RateLimiterAbstract): RateLimiter {
  return {
    async check(key) {
      const res = await inner.get(key);
      if (res && res.consumedPoints >= inner.points) throw new RateLimitedError(retryAfter(res));
    },
    async consume(key) {
      try {
        await inner.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw new RateLimitedError(retryAfter(error));
        throw error;
      }
    },
  };
}

/** Counters in memory, or in Redis (shared by every api instance) when REDIS_URL is set. */
export function createRateLimits(config: Config, redis: Redis | null): RateLimits & { perAddress: RateLimiterAbstract | null } {
  return {
    failedLogins: asRateLimiter(limiter(redis, 'failed-login', config.rateLimitFailedLogins, 60)),
    passwordResets: asRateLimiter(limiter(redis, 'password-reset', config.rateLimitPasswordResets, 3600)),
    perAddress: config.rateLimitPerAddress > 0 ? limiter(redis, 'address', config.rateLimitPerAddress, 60) : null,
  };
}

/**
 * The client's address: the socket's peer, or — behind `hops` trusted reverse proxies — the entry of
 * X-Forwarded-For that the outermost trusted proxy saw (entries further left can be forged by clients).
 */
export function clientAddress(request: Request, peer: string | undefined, hops: number): string {
  if (hops > 0) {
    const chain = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const entry = chain[chain.length - hops];
    if (entry) return entry;
  }
  return peer ?? 'unknown';
}

/** Refuses floods per client address with HTTP 429 and Retry-After before any GraphQL work. */
export function addressLimitPlugin(perAddress: RateLimiterAbstract, hops: number): Plugin {
  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname === '/healthz' || url.pathname === '/readyz') return;
      const peer = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
      try {
        await perAddress.consume(clientAddress(request, peer, hops));
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const seconds = retryAfter(error);
        endResponse(
          Response.json(
            { errors: [{ message: `Too many requests. Try again in ${seconds} seconds.`, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } }] },
            { status: 429, headers: { 'retry-after': String(seconds) } },
          ),
        );
      }
    },
  };
}
