import type { IncomingMessage } from 'node:http';
import { type BlockList, isIP } from 'node:net';
import { RateLimitedError } from '@slotkeeper/schema/services/errors';
import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind, getArgumentValues, getOperationAST } from 'graphql';
import type { RateLimiter, RateLimits } from '@slotkeeper/schema/services/rate-limit';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config.ts';
import { httpError } from './http/error-envelope.ts';
import type { RateLimitName } from './metrics.ts';

function limiter(redis: Redis | null, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  return redis
    ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `slotkeeper:${keyPrefix}`, points, duration })
    : new RateLimiterMemory({ keyPrefix, points, duration });
}

const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

function asRateLimiter(inner: RateLimiterAbstract, onLimited: () => void): RateLimiter {
  // Checks running in this process, per key; they count as failures until they settle. (Each
  // instance keeps its own, so N instances let at most N × the limit guesses be checked at once.)
  const running = new Map<string, { count: number; ended: number; settled: Promise<void>; settle(): void }>();
  const refuse = (res: RateLimiterRes) => {
    onLimited();
    return new RateLimitedError(retryAfter(res));
  };
  /** A promise that resolves when the next check ends. */
  const nextSettle = () => {
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    return { settled, settle };
  };

  return {
    async consume(key) {
      try {
        await inner.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw refuse(error);
        throw error;
      }
    },
    async attempt(key, check) {
      for (;;) {
        const before = running.get(key);
        const endedBefore = before?.ended;
        const res = await inner.get(key);
        // A check of this key that ended while the count was read may have failed after it: read again.
        if (before && (running.get(key) !== before || before.ended !== endedBefore)) continue;
        const failed = res?.consumedPoints ?? 0;
        if (res && failed >= inner.points) throw refuse(res);
        const now = running.get(key);
        if (!now || failed + now.count < inner.points) break;
        await now.settled;
      }
      const entry = running.get(key) ?? { count: 0, ended: 0, ...nextSettle() };
      running.set(key, entry);
      entry.count++;
      try {
        const ok = await check();
        if (!ok) await this.consume(key);
        return ok;
      } finally {
        entry.ended++;
        entry.count--;
        const { settle } = entry;
        if (entry.count === 0) running.delete(key);
        else Object.assign(entry, nextSettle());
        settle();
      }
    },
    async status(key) {
      const res = await inner.get(key);
      const used = res?.consumedPoints ?? 0;
      return { used, refusedUntil: res && used >= inner.points ? new Date(Date.now() + res.msBeforeNext) : null };
    },
    async reset(key) {
      await inner.delete(key);
    },
  };
}

/** Counters in memory, or in Redis (shared by every api instance) when REDIS_URL is set; `onLimited` hears every refusal. */
export function createRateLimits(
  config: Config,
  redis: Redis | null,
  onLimited: (limit: RateLimitName) => void,
): RateLimits & {
  perAddress: RateLimiterAbstract | null;
  passwordChecksPerAddress: RateLimiterAbstract | null;
  trialsPerAddress: RateLimiterAbstract | null;
} {
  return {
    failedLogins: asRateLimiter(limiter(redis, 'failed-login', config.rateLimitFailedLogins, 60), () => onLimited('failed_logins')),
    passwordResets: asRateLimiter(limiter(redis, 'password-reset', config.rateLimitPasswordResets, 3600), () => onLimited('password_resets')),
    perAddress: config.rateLimitPerAddress > 0 ? limiter(redis, 'address', config.rateLimitPerAddress, 60) : null,
    passwordChecksPerAddress:
      config.rateLimitPasswordChecksPerAddress > 0 ? limiter(redis, 'password-check-address', config.rateLimitPasswordChecksPerAddress, 60) : null,
    trialsPerAddress: config.rateLimitTrialsPerAddress > 0 ? limiter(redis, 'trial-address', config.rateLimitTrialsPerAddress, 3600) : null,
  };
}

/** Behind how many reverse proxies the server runs, and which peers may be one. */
export interface ProxyTrust {
  hops: number;
  proxies: BlockList;
}

/** Whether the socket's peer is a trusted proxy; an IPv4 peer may come as ::ffff:a.b.c.d. */
function fromTrustedProxy(peer: string | undefined, proxies: BlockList): boolean {
  if (!peer) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer)?.[1];
  if (v4) return proxies.check(v4, 'ipv4') || proxies.check(peer, 'ipv6');
  return proxies.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the socket's peer, or — behind `hops` trusted reverse proxies — the entry of
 * X-Forwarded-For that the outermost trusted proxy saw (entries further left can be forged by clients).
 * The header counts only when the peer is a trusted proxy: a client reaching the port directly
 * could otherwise name any address it likes.
 */
export function clientAddress(request: Request, peer: string | undefined, trust: ProxyTrust): string {
  return addressOf(request.headers.get('x-forwarded-for'), peer, trust);
}

function addressOf(forwardedFor: string | string[] | null | undefined, peer: string | undefined, { hops, proxies }: ProxyTrust): string {
  if (hops > 0 && fromTrustedProxy(peer, proxies)) {
    const chain = [forwardedFor ?? ''].flat().join(',').split(',').map((s) => s.trim()).filter(Boolean);
    const entry = chain[chain.length - hops];
    if (entry) return entry;
  }
  return peer ?? 'unknown';
}

/** The client address of an upgraded (WebSocket) or streaming (SSE) request, as `clientAddress` reads it. */
export function socketRequestAddress(req: IncomingMessage, trust: ProxyTrust): string {
  return addressOf(req.headers['x-forwarded-for'], req.socket.remoteAddress, trust);
}

/** The GraphQL result of an operation refused by a per-address limit (the connection stays usable). */
const rateLimitedResult = (message: string, seconds: number) => ({
  errors: [new GraphQLError(message, { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } })],
});

/**
 * Refuses floods per client address with HTTP 429 and Retry-After before any GraphQL work. Over
 * WebSocket one connection carries many operations, so there each operation counts as a request and
 * a refused one gets a RATE_LIMITED error result; the socket stays open for later ones.
 */
export function addressLimitPlugin(
  perAddress: RateLimiterAbstract,
  trust: ProxyTrust,
  onLimited: () => void,
  /** Paths never counted (the route table's `unlimited` routes). */
  unlimited: (pathname: string) => boolean,
): Plugin {
  async function perOperation(context: unknown, stop: (result: { errors: GraphQLError[] }) => void) {
    // graphql-ws contexts carry the socket and the upgrade request (server.ts); HTTP ones were counted in onRequest.
    const { socket, req } = context as { socket?: unknown; req?: IncomingMessage };
    if (!socket || !req) return;
    try {
      await perAddress.consume(socketRequestAddress(req, trust));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      onLimited();
      const seconds = retryAfter(error);
      stop(rateLimitedResult(`Too many requests. Try again in ${seconds} seconds.`, seconds));
    }
  }
  return {
    onExecute: ({ args, setResultAndStopExecution }) => perOperation(args.contextValue, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => perOperation(args.contextValue, setResultAndStopExecution),
    async onRequest({ request, url, serverContext, endResponse }) {
      if (unlimited(url.pathname)) return;
      const peer = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
      try {
        await perAddress.consume(clientAddress(request, peer, trust));
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        onLimited();
        const seconds = retryAfter(error);
        endResponse(
          httpError(429, 'RATE_LIMITED', `Too many requests. Try again in ${seconds} seconds.`, {
            headers: { 'retry-after': String(seconds) },
            extensions: { retryAfterSeconds: seconds },
          }),
        );
      }
    },
  };
}

/** Input fields that carry a password the server checks with bcrypt. */
const CHECKED_PASSWORD_FIELDS = ['password', 'currentPassword'];

type ExecuteArgs = { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null };

/** How many root fields of the operation `counts` (given the field's name and input) says to count. */
function countedFields(args: ExecuteArgs, counts: (field: string, input: Record<string, unknown> | undefined) => boolean): number {
  const operation = getOperationAST(args.document, args.operationName);
  const root = operation && args.schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  const fields = root.getFields();
  let checks = 0;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const field = fields[selection.name.value];
    if (!field) continue;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, selection, args.variableValues ?? {});
    } catch {
      continue;
    }
    if (counts(field.name, values.input as Record<string, unknown> | undefined)) checks++;
  }
  return checks;
}

/** Root fields that give a password to check (deactivateMachine only with a login). */
const givesPassword = (_field: string, input: Record<string, unknown> | undefined) =>
  input !== undefined && CHECKED_PASSWORD_FIELDS.some((name) => input[name] != null);

/**
 * Per client address, operations counted by `counts` (one point per counted root field), whatever
 * carried them (HTTP, WebSocket, REST); a refused one gets RATE_LIMITED and runs nothing.
 */
function operationLimitPlugin(
  limiter: RateLimiterAbstract,
  trust: ProxyTrust,
  onLimited: () => void,
  counts: (field: string, input: Record<string, unknown> | undefined) => boolean,
  refusal: string,
): Plugin {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const checks = countedFields(args, counts);
      if (checks === 0) return;
      const { req, request } = args.contextValue as { req?: IncomingMessage; request?: Request };
      const address = req?.socket
        ? socketRequestAddress(req, trust)
        : request
          ? clientAddress(request, undefined, trust)
          : 'unknown';
      try {
        await limiter.consume(address, checks);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        onLimited();
        const seconds = retryAfter(error);
        setResultAndStopExecution(rateLimitedResult(`${refusal} Try again in ${seconds} seconds.`, seconds));
      }
    },
  };
}

/**
 * Per client address, the operations that make the server check a password (logIn, activateMachine,
 * deactivateMachine with a login, changePassword, staffLogIn): bcrypt is the costliest thing a
 * request can ask for, so one address gets far fewer of these than of requests.
 */
export function passwordCheckLimitPlugin(limiter: RateLimiterAbstract, trust: ProxyTrust, onLimited: () => void): Plugin {
  return operationLimitPlugin(limiter, trust, onLimited, givesPassword, 'Too many password checks from this address.');
}

/** Per client address, `startTrial` operations: each new fingerprint would otherwise get a fresh trial token. */
export function trialLimitPlugin(limiter: RateLimiterAbstract, trust: ProxyTrust, onLimited: () => void): Plugin {
  return operationLimitPlugin(limiter, trust, onLimited, (field) => field === 'startTrial', 'Too many trials started from this address.');
}
