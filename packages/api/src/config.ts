import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  publicUrl: string;
  bcryptCost: number;
  /** 32 bytes, from KEY_ENCRYPTION_KEY; null: kept in DATA_DIR/keys/kek (created on first start). */
  keyEncryptionKey: Buffer | null;
  tokenIssuer: string;
  sessionTtlHours: number;
  resetTtlMinutes: number;
  production: boolean;
  /** null: no SMTP server; mail stays in the outbox (status HELD), readable with `pnpm cli mail`. */
  smtpUrl: string | null;
  mailFrom: string;
  vendorName: string;
  mailMaxAttempts: number;
  mailRetryBaseSeconds: number;
  /** Failed password checks per login per minute. */
  rateLimitFailedLogins: number;
  /** Password reset requests per e-mail per hour. */
  rateLimitPasswordResets: number;
  /** Requests per client address per minute; 0 = off. */
  rateLimitPerAddress: number;
  /** Reverse proxies in front of the server whose X-Forwarded-For entries are trusted. */
  trustProxyHops: number;
  /** The first vendor admin, created at start when there is none. */
  admin: { email: string; password: string } | null;
}

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

function admin(env: Env): Config['admin'] {
  const email = env.ADMIN_EMAIL?.trim();
  const password = env.ADMIN_PASSWORD;
  if (!email && !password) return null;
  if (!email || !password) throw new ConfigError('Set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither.');
  return { email, password };
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
  return {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    publicUrl: (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    bcryptCost: int(env, 'BCRYPT_COST', 12, 4, 15),
    keyEncryptionKey,
    tokenIssuer: env.TOKEN_ISSUER?.trim() || 'slotkeeper',
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 90),
    resetTtlMinutes: int(env, 'RESET_TTL_MINUTES', 60, 5, 24 * 60),
    production: env.NODE_ENV === 'production',
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.MAIL_FROM?.trim() || 'Slotkeeper <no-reply@localhost>',
    vendorName: env.VENDOR_NAME?.trim() || 'Slotkeeper',
    mailMaxAttempts: int(env, 'MAIL_MAX_ATTEMPTS', 10, 1, 100),
    mailRetryBaseSeconds: int(env, 'MAIL_RETRY_BASE_SECONDS', 30, 1, 3600),
    rateLimitFailedLogins: int(env, 'RATE_LIMIT_FAILED_LOGINS', 5, 1, 10_000),
    rateLimitPasswordResets: int(env, 'RATE_LIMIT_PASSWORD_RESETS', 5, 1, 10_000),
    rateLimitPerAddress: int(env, 'RATE_LIMIT_PER_ADDRESS', 600, 0, 1_000_000),
    trustProxyHops: int(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    admin: admin(env),
  };
}
