import { randomInt } from 'node:crypto';
import bcrypt from 'bcrypt';

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
