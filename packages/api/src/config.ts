import { existsSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { DomainError } from '@slotkeeper/schema/services/errors';
import { normalizeEmail } from '@slotkeeper/schema/services/input';
import { checkPasswordPolicy } from '@slotkeeper/schema/services/password';
import type { GraphQLLimits } from './graphql-limits.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  publicUrl: string;
  bcryptCost: number;
  /** Password checks (bcrypt) that may wait for a thread, and how long, before SERVICE_UNAVAILABLE. */
  /** libuv's thread pool, where bcrypt runs: the password checks that run at once. */
  passwordCheckThreads: number;
  passwordCheckQueue: number;
  passwordCheckWaitMs: number;
  /** 32 bytes, from KEY_ENCRYPTION_KEY; null: kept in DATA_DIR/keys/kek (created on first start). */
  keyEncryptionKey: Buffer | null;
  tokenIssuer: string;
  sessionTtlHours: number;
  resetTtlMinutes: number;
  production: boolean;
  /** null: no SMTP server; mail stays in the outbox (status HELD), readable with `pnpm cli mail`. */
  smtpUrl: string | null;
  mailFrom: string;
  /** Where replies to a mail go (Reply-To); null: mails say whom to contact instead of "reply". */
  mailReplyTo: string | null;
  /** The name the server gives itself to SMTP servers (EHLO/HELO): SMTP_NAME, else PUBLIC_URL's host. */
  smtpName: string;
  vendorName: string;
  mailMaxAttempts: number;
  mailRetryBaseSeconds: number;
  /** Failed password checks per login per minute. */
  rateLimitFailedLogins: number;
  /** Password reset requests per e-mail per hour. */
  rateLimitPasswordResets: number;
  /** Requests per client address per minute; 0 = off. */
  rateLimitPerAddress: number;
  /** Operations that give a password to check, per client address per minute; 0 = off. */
  rateLimitPasswordChecksPerAddress: number;
  /** `startTrial` operations per client address per hour; 0 = off. */
  rateLimitTrialsPerAddress: number;
  /** Subscriptions open at once per session and per client address, in each instance; 0 = no cap. */
  maxSubscriptionsPerSession: number;
  maxSubscriptionsPerAddress: number;
  /** Bytes an SSE subscriber may leave unread before it is dropped (its stream closes; clients reconnect). */
  maxUnreadSubscriptionBytes: number;
  /** Reverse proxies in front of the server whose X-Forwarded-For entries are trusted. */
  trustProxyHops: number;
  /** The peers (reverse proxies) whose X-Forwarded-For is read; anyone else counts as its own address. */
  trustedProxies: BlockList;
  /** Origins besides PUBLIC_URL's that browsers may call the API from with credentials (CORS). */
  corsOrigins: string[];
  /** What one GraphQL request may ask for (graphql-limits.ts). */
  graphql: GraphQLLimits;
  /** Largest request body, and WebSocket message, in bytes. */
  maxBodyBytes: number;
  /** How long the HTTP server waits for slow or idle clients before it closes their sockets. */
  http: HttpTimeouts;
  /** The first vendor admin, created at start when there is none. */
  admin: { email: string; password: string } | null;
  logLevel: LogLevel;
  /** Bearer token that /metrics requires; null: /metrics is open in development and off in production. */
  metricsToken: string | null;
  /** How long a stopping server lets in-flight requests finish before it cuts their connections. */
  shutdownTimeoutMs: number;
  webhooks: WebhookConfig;
  stripe: StripeConfig;
  /** How often each instance releases slots whose lease lapsed (LEASE_EXPIRED); 0 = no sweeper (activations still reclaim them). */
  leaseSweepSeconds: number;
}

export interface StripeConfig {
  /** STRIPE_WEBHOOK_SECRET (`whsec_…`); null: POST /webhooks/stripe answers 404. */
  webhookSecret: string | null;
  /** STRIPE_API_KEY (`sk_…` or a restricted `rk_…`): the checkout's line items are read with it. */
  apiKey: string | null;
  /** STRIPE_API_BASE: where Stripe's API is reached instead of api.stripe.com (a local stand-in in tests). */
  apiBase: URL | null;
}

export interface WebhookConfig {
  /** First retry delay; each next one doubles (with jitter). */
  retryBaseSeconds: number;
  timeoutSeconds: number;
  /** Endpoints may point at loopback, link-local and private addresses (tests, closed networks). */
  allowPrivate: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HttpTimeouts {
  /** Receiving a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Receiving a whole request, body included; a response being streamed (SSE) is not limited by it. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection between two requests. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 };

/** A request is a query and its variables, a few kB; anything far larger is abuse. */
export const DEFAULT_MAX_BODY_BYTES = 100_000;

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL.`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got ${parsed.protocol}//).`);
  }
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}").`);
  return raw as LogLevel;
}

function metricsToken(env: Env): string | null {
  const raw = env.METRICS_TOKEN?.trim();
  if (!raw) return null;
  // It travels in an Authorization header and guards operational data: no blanks, not guessable.
  if (raw.length < 16 || /\s/.test(raw)) throw new ConfigError('METRICS_TOKEN must be at least 16 characters without spaces.');
  return raw;
}

/** TRUSTED_PROXIES: comma-separated addresses and CIDR ranges; the default is this host (loopback). */
function trustedProxies(env: Env): BlockList {
  const list = new BlockList();
  const entries = (env.TRUSTED_PROXIES?.trim() || '127.0.0.1,::1').split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!family || extra !== undefined || !/^\d+$/.test(String(prefix)) || prefix > (family === 6 ? 128 : 32)) {
      throw new ConfigError(`TRUSTED_PROXIES must list IP addresses or CIDR ranges, separated by commas (got "${entry}").`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** CORS_ORIGINS: comma-separated origins (scheme://host[:port]), e.g. a dashboard served elsewhere. */
function corsOrigins(env: Env, publicUrl: string): string[] {
  const origins = [new URL(publicUrl).origin];
  for (const entry of (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    let origin: string | undefined;
    try {
      const parsed = new URL(entry);
      if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === entry.replace(/\/+$/, '')) origin = parsed.origin;
    } catch {
      // Reported below.
    }
    if (!origin) throw new ConfigError(`CORS_ORIGINS must list origins like https://admin.example.com, separated by commas (got "${entry}").`);
    origins.push(origin);
  }
  return [...new Set(origins)];
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new ConfigError(`${name} must be a number from ${min} to ${max} (got "${raw}").`);
  return value;
}

/** A switch written 1/0 (or true/false). */
function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0 (got "${env[name]}").`);
}

/** An address as mail headers take it: `a@b.example` or `Name <a@b.example>`, on one line. */
function mailAddress(env: Env, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  if (!/^(?:[^<>\r\n@]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(raw)) {
    throw new ConfigError(`${name} must be an e-mail address, e.g. support@example.com or "Support <support@example.com>" (got "${raw}").`);
  }
  return raw;
}

/** A DNS name (or address literal's host) to greet SMTP servers with: letters, digits, dots and hyphens. */
function hostName(env: Env, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(raw)) {
    throw new ConfigError(`${name} must be a host name such as mail.example.com (got "${raw}").`);
  }
  return raw;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (/^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}").`);
}

// Defaults leave room above the largest request the dashboard, the SDK and the tests send (depth 6,
// cost 6,438, one alias, 184 tokens for GraphiQL's introspection, no directives).
function graphqlLimits(env: Env, production: boolean): GraphQLLimits {
  return {
    maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 8, 1, 100),
    maxCost: int(env, 'GRAPHQL_MAX_COST', 20_000, 1, 1_000_000_000),
    maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 5, 1, 1000),
    maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 1000, 1, 1_000_000),
    maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 10, 0, 1000),
    // Off unless asked for: no client batches, and a batch would multiply the work one request may
    // cause past the per-address rate limit, which counts requests.
    batchLimit: int(env, 'GRAPHQL_BATCH_LIMIT', 0, 0, 100),
    introspection: bool(env, 'GRAPHQL_INTROSPECTION', !production),
  };
}

function admin(env: Env): Config['admin'] {
  const email = env.ADMIN_EMAIL?.trim();
  const password = env.ADMIN_PASSWORD;
  if (!email && !password) return null;
  if (!email || !password) throw new ConfigError('Set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither.');
  // The same rules as the staff account they create, checked here so that a bad value stops the
  // server with the variable's name instead of failing later inside the first admin's creation.
  const rule = (name: string, check: () => unknown) => {
    try {
      check();
    } catch (error) {
      if (error instanceof DomainError) throw new ConfigError(`${name} is refused: ${error.message}`);
      throw error;
    }
  };
  rule('ADMIN_EMAIL', () => normalizeEmail(email));
  rule('ADMIN_PASSWORD', () => checkPasswordPolicy(password, email));
  return { email, password };
}

function httpTimeouts(env: Env): HttpTimeouts {
  const d = DEFAULT_HTTP_TIMEOUTS;
  const timeouts = {
    headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 1000, 3_600_000),
    requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, 1000, 3_600_000),
    keepAliveTimeoutMs: int(env, 'HTTP_KEEPALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs, 1000, 3_600_000),
  };
  // Node refuses a request timeout shorter than the headers timeout.
  if (timeouts.requestTimeoutMs < timeouts.headersTimeoutMs) {
    throw new ConfigError('HTTP_REQUEST_TIMEOUT_MS must not be shorter than HTTP_HEADERS_TIMEOUT_MS.');
  }
  return timeouts;
}

function prefixed(env: Env, name: string, prefixes: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  if (!prefixes.some((p) => raw.startsWith(p)) || /\s/.test(raw)) throw new ConfigError(`${name} must start with ${prefixes.join(' or ')} (as Stripe shows it).`);
  return raw;
}

function stripe(env: Env): StripeConfig {
  const apiBase = url(env, 'STRIPE_API_BASE', ['http:', 'https:']);
  return {
    webhookSecret: prefixed(env, 'STRIPE_WEBHOOK_SECRET', ['whsec_']),
    apiKey: prefixed(env, 'STRIPE_API_KEY', ['sk_', 'rk_']),
    apiBase: apiBase ? new URL(apiBase) : null,
  };
}

/** Reads and validates the configuration once: the environment, then `.env` for what it leaves unset. */
export function loadConfig(env: Env = process.env, envFile = '.env'): Config {
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const port = int(env, 'PORT', 4000, 0, 65_535);
  const kekRaw = env.KEY_ENCRYPTION_KEY?.trim();
  let keyEncryptionKey: Buffer | null = null;
  if (kekRaw) {
    keyEncryptionKey = Buffer.from(kekRaw, 'base64');
    if (keyEncryptionKey.length !== 32) {
      throw new ConfigError('KEY_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32).');
    }
  }
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  // Production unless asked otherwise: a server started without NODE_ENV shows no GraphiQL,
  // introspection or open /metrics to whoever reaches its port.
  const production = env.NODE_ENV?.trim() !== 'development';
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    publicUrl,
    bcryptCost: int(env, 'BCRYPT_COST', 12, 4, 15),
    passwordCheckThreads: int(env, 'UV_THREADPOOL_SIZE', 4, 1, 1024),
    passwordCheckQueue: int(env, 'PASSWORD_CHECK_QUEUE', 64, 0, 10_000),
    passwordCheckWaitMs: int(env, 'PASSWORD_CHECK_WAIT_MS', 5_000, 100, 120_000),
    keyEncryptionKey,
    tokenIssuer: env.TOKEN_ISSUER?.trim() || 'slotkeeper',
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 90),
    resetTtlMinutes: int(env, 'RESET_TTL_MINUTES', 60, 5, 24 * 60),
    production,
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM?.trim() || 'Slotkeeper <no-reply@localhost>',
    mailReplyTo: mailAddress(env, 'MAIL_REPLY_TO'),
    smtpName: hostName(env, 'SMTP_NAME') ?? new URL(publicUrl).hostname,
    vendorName: env.VENDOR_NAME?.trim() || 'Slotkeeper',
    mailMaxAttempts: int(env, 'MAIL_MAX_ATTEMPTS', 10, 1, 100),
    mailRetryBaseSeconds: int(env, 'MAIL_RETRY_BASE_SECONDS', 30, 1, 3600),
    rateLimitFailedLogins: int(env, 'RATE_LIMIT_FAILED_LOGINS', 5, 1, 10_000),
    rateLimitPasswordResets: int(env, 'RATE_LIMIT_PASSWORD_RESETS', 5, 1, 10_000),
    rateLimitPerAddress: int(env, 'RATE_LIMIT_PER_ADDRESS', 600, 0, 1_000_000),
    // Well under what bcrypt does on a small machine (≈ 7 checks/s at cost 12 on 2 cores), so one
    // address cannot fill the password-check queue that every login shares.
    rateLimitPasswordChecksPerAddress: int(env, 'RATE_LIMIT_PASSWORD_CHECKS_PER_ADDRESS', 60, 0, 1_000_000),
    // One trial per machine already; this stops one address from collecting trial tokens by making up fingerprints.
    rateLimitTrialsPerAddress: int(env, 'RATE_LIMIT_TRIALS_PER_ADDRESS', 20, 0, 1_000_000),
    // The dashboard holds a few streams per tab and a plug-in one; an office behind one address may run many.
    maxSubscriptionsPerSession: int(env, 'MAX_SUBSCRIPTIONS_PER_SESSION', 20, 0, 100_000),
    maxSubscriptionsPerAddress: int(env, 'MAX_SUBSCRIPTIONS_PER_ADDRESS', 500, 0, 1_000_000),
    // A slot event is a few hundred bytes: 1 MiB is thousands of events a reader has not taken.
    maxUnreadSubscriptionBytes: int(env, 'SUBSCRIPTION_MAX_UNREAD_KB', 1024, 16, 1_048_576) * 1024,
    trustProxyHops: int(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    trustedProxies: trustedProxies(env),
    corsOrigins: corsOrigins(env, publicUrl),
    graphql: graphqlLimits(env, production),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 100_000_000),
    http: httpTimeouts(env),
    admin: admin(env),
    logLevel: logLevel(env),
    metricsToken: metricsToken(env),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    webhooks: {
      retryBaseSeconds: decimal(env, 'WEBHOOK_RETRY_BASE_SECONDS', 30, 0.01, 3600),
      timeoutSeconds: decimal(env, 'WEBHOOK_TIMEOUT_SECONDS', 10, 0.1, 60),
      allowPrivate: flag(env, 'WEBHOOK_ALLOW_PRIVATE'),
    },
    stripe: stripe(env),
    leaseSweepSeconds: int(env, 'LEASE_SWEEP_SECONDS', 60, 0, 86_400),
  };
}
