/** A counter per key (a login, an e-mail) over a window; in memory or in Redis (packages/api). */
export interface RateLimiter {
  /** Uses one attempt; throws RateLimitedError when none was left. */
  consume(key: string): Promise<void>;
  /**
   * Runs one password check for `key` and returns its outcome; a failed check uses one attempt, a
   * successful one none. Throws RateLimitedError when no attempt is left. Checks still running count
   * as failures until they settle: a burst of guesses gets no more checks than the limit leaves (the
   * rest wait for those to settle, then go ahead or are refused), so the limit can't be outrun by
   * sending guesses at once.
   */
  attempt(key: string, check: () => Promise<boolean>): Promise<boolean>;
  /** The attempts `key` has used in the current window, and until when it is refused (null: it is not). */
  status(key: string): Promise<{ used: number; refusedUntil: Date | null }>;
  /** Forgets the attempts of `key` (support clearing a login lock-out). */
  reset(key: string): Promise<void>;
}

export interface RateLimits {
  /** Failed password checks per login: successful ones never count. */
  failedLogins: RateLimiter;
  /** Password reset requests per e-mail. */
  passwordResets: RateLimiter;
}
