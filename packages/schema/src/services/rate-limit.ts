/** A counter per key (a login, an e-mail) over a window; in memory or in Redis (packages/api). */
export interface RateLimiter {
  /** Throws RateLimitedError when the key has no attempts left, without using one. */
  check(key: string): Promise<void>;
  /** Uses one attempt; throws RateLimitedError when none was left. */
  consume(key: string): Promise<void>;
}

export interface RateLimits {
  /** Failed password checks per login: successful ones never count. */
  failedLogins: RateLimiter;
  /** Password reset requests per e-mail. */
  passwordResets: RateLimiter;
}

export const unlimited: RateLimiter = { check: async () => {}, consume: async () => {} };
