import { randomInt } from 'node:crypto';
import bcrypt from 'bcrypt';
import commonPasswords from 'fxa-common-password-list';
import { WeakPasswordError } from './errors.ts';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Spends the time of one verification without a real hash, so unknown logins answer as slowly as known ones. */
  verifyNothing(password: string): Promise<false>;
  /** True when the hash was made at another cost than the configured one (re-hash it after a successful login). */
  needsRehash(hash: string): boolean;
}

/** The password-check queue is full or its wait ran out: the server answers SERVICE_UNAVAILABLE (HTTP 503). */
export class PasswordQueueFullError extends Error {
  constructor() {
    super('Too many password checks at once.');
  }
}

export interface PasswordQueueLimits {
  /** bcrypt runs on libuv's thread pool (4 threads): more at once only wait there. */
  concurrency: number;
  /** Checks that may wait for a thread; one more is refused at once. */
  queue: number;
  /** How long a check may wait for a thread before it is refused. */
  waitMs: number;
}

const DEFAULT_QUEUE: PasswordQueueLimits = { concurrency: 4, queue: 64, waitMs: 5_000 };

/**
 * At ~7 checks a second (cost 12, 2 cores) an unbounded queue held logins for minutes; past the
 * queue's size or wait, a check is refused so the client retries later instead of piling up.
 */
function createQueue(limits: PasswordQueueLimits) {
  let running = 0;
  const waiting: { start: () => void; timer: NodeJS.Timeout }[] = [];
  function release() {
    running--;
    const next = waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.start();
    }
  }
  return async function run<T>(work: () => Promise<T>): Promise<T> {
    if (running >= limits.concurrency) {
      if (waiting.length >= limits.queue) throw new PasswordQueueFullError();
      await new Promise<void>((resolve, reject) => {
        const entry = {
          start: resolve,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(entry), 1);
            reject(new PasswordQueueFullError());
          }, limits.waitMs),
        };
        waiting.push(entry);
      });
    }
    running++;
    try {
      return await work();
    } finally {
      release();
    }
  };
}

export function createPasswordHasher(cost: number, limits: PasswordQueueLimits = DEFAULT_QUEUE): PasswordHasher {
  const run = createQueue(limits);
  // The decoy hashes at the cost of the last stored hash checked, so after a BCRYPT_COST change an
  // unknown login still takes as long as a known one whose hash is not yet re-hashed.
  let decoyCost = cost;
  const dummies = new Map<number, Promise<string>>();
  return {
    hash: (password) => run(() => bcrypt.hash(password, cost)),
    verify: (password, hash) => {
      const rounds = storedCost(hash);
      if (rounds) decoyCost = rounds;
      return run(() => bcrypt.compare(password, hash));
    },
    async verifyNothing(password) {
      let dummy = dummies.get(decoyCost);
      if (!dummy) {
        dummy = bcrypt.hash('slotkeeper-timing-equalizer', decoyCost);
        dummies.set(decoyCost, dummy);
      }
      const hash = await dummy;
      await run(() => bcrypt.compare(password, hash));
      return false;
    },
    needsRehash: (hash) => storedCost(hash) !== cost,
  };
}

function storedCost(hash: string): number | undefined {
  try {
    return bcrypt.getRounds(hash);
  } catch {
    return undefined;
  }
}

// No look-alike characters (0/O, 1/l/I), so a password read from an e-mail is typed right.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 4 groups of 5 characters from 55 symbols: about 115 bits of entropy. */
export function generatePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 5; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/**
 * The password policy (README "Passwords"): 12+ characters, at most 72 bytes (bcrypt silently ignores
 * the rest), 5+ different characters, not on the common-password list (fxa-common-password-list: the
 * most used passwords of the 10-million-password leak list, shipped in the package), not containing
 * the login's name part.
 */
export function checkPasswordPolicy(password: string, email: string): void {
  if ([...password].length < 12) throw new WeakPasswordError('Use at least 12 characters.');
  if (Buffer.byteLength(password) > 72) {
    throw new WeakPasswordError('Use at most 72 bytes (72 Latin letters; fewer with accents or other scripts): longer passwords are cut.');
  }
  const lower = password.toLowerCase();
  if (new Set(lower).size < 5) throw new WeakPasswordError('Use at least 5 different characters.');
  if (commonPasswords.test(password) || commonPasswords.test(lower)) {
    throw new WeakPasswordError('This password is on the list of commonly used (leaked) passwords.');
  }
  const name = email.split('@')[0]?.toLowerCase() ?? '';
  if (name.length >= 4 && lower.includes(name)) {
    throw new WeakPasswordError('The password must not contain your login.');
  }
}
