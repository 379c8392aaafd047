import { randomInt } from 'node:crypto';
import bcrypt from 'bcrypt';
import { WeakPasswordError } from './errors.ts';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Spends the time of one verification without a real hash, so unknown logins answer as slowly as known ones. */
  verifyNothing(password: string): Promise<false>;
}

export function createPasswordHasher(cost: number): PasswordHasher {
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => bcrypt.hash(password, cost),
    verify: (password, hash) => bcrypt.compare(password, hash),
    async verifyNothing(password) {
      dummy ??= bcrypt.hash('slotkeeper-timing-equalizer', cost);
      await bcrypt.compare(password, await dummy);
      return false;
    },
  };
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

// Long passwords that lead every leaked-password list; shorter ones fail the length rule anyway.
const COMMON = new Set([
  '1234567890', '0987654321', '1234567890a', '123456789a', 'qwertyuiop', 'qwertyuiop1', 'qwerty12345',
  'password12', 'password123', 'password1234', 'passw0rd123', 'p@ssw0rd123', 'iloveyou123', 'letmein123',
  'welcome123', 'changeme123', 'administrator', 'trustno1234', 'football123', 'monkey12345', 'sunshine123',
  'princess123', 'asdfghjkl1', 'asdfghjkl123', 'zxcvbnm123', '1q2w3e4r5t', 'q1w2e3r4t5', '1qaz2wsx3edc',
  'abcdefghij', 'abcd1234567', 'computer123', 'superman123', 'baseball123', 'dragon12345',
]);

/**
 * The password policy (README "Passwords"): 10+ characters, at most 72 bytes (bcrypt ignores the rest),
 * 5+ different characters, not a well-known password, not containing the login's name part.
 */
export function checkPasswordPolicy(password: string, email: string): void {
  if ([...password].length < 10) throw new WeakPasswordError('Use at least 10 characters.');
  if (Buffer.byteLength(password) > 72) throw new WeakPasswordError('Use at most 72 bytes (about 72 Latin characters).');
  if (new Set(password.toLowerCase()).size < 5) throw new WeakPasswordError('Use at least 5 different characters.');
  if (COMMON.has(password.toLowerCase())) throw new WeakPasswordError('This password is one of the most common ones.');
  const name = email.split('@')[0]?.toLowerCase() ?? '';
  if (name.length >= 4 && password.toLowerCase().includes(name)) {
    throw new WeakPasswordError('The password must not contain your login.');
  }
}
