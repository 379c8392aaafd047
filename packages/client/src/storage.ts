// The activation kept on disk between runs: the token, the root-signed key list of the last online call, the
// latest time this machine has seen, and what the license window shows. Sealed with an HMAC whose key
// is derived from the machine fingerprint, so that an edit by hand (a rolled-back last-seen time) or a copy to another machine is detected. The key is computable by anyone who has this
// code and the machine: the seal stops casual tampering, not a determined reverse engineer (see README).
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_FILE = 'slotkeeper-license.json';
const FORMAT = 1;

export interface ProductLinks {
  website: string | null;
  documentation: string | null;
  support: string | null;
  purchase: string | null;
}

export interface StoredState {
  /** The server the machine was activated on. */
  server: string;
  product: { code: string; name: string; links: ProductLinks };
  email: string;
  token: string;
  /**
   * The server's key list (`/.well-known/jwks.jws`) at the last online call whose root signature
   * verified: its keys verify tokens signed by keys newer than the shipped ones. Checked against the
   * root keys on every read, so the seal is not what makes it trusted. Absent without root keys.
   */
  keyList?: string | null;
  /** Milliseconds since 1970: the latest time seen on this machine's clock or the server's. Never goes back offline. */
  lastSeen: number;
}

export type StoredRead =
  | { kind: 'missing' }
  | { kind: 'sealed'; state: StoredState }
  /** Unreadable, or the seal does not match: edited, or made on another machine. What could be read is kept to say which. */
  | { kind: 'broken'; token: string | null; keyList: string | null };

/** The sealing key of a machine: HKDF-SHA256 of its fingerprint. */
export function stateKey(fingerprint: string): Buffer {
  return Buffer.from(hkdfSync('sha256', fingerprint, 'slotkeeper-state', 'v1', 32));
}

// The MAC covers JSON.stringify of the parsed state: a JSON round trip gives the same text, so
// re-indenting the file by hand is harmless while any change of a value is not.
function mac(key: Buffer, state: unknown): Buffer {
  return createHmac('sha256', key).update(JSON.stringify(state)).digest();
}

function stampOf(path: string): string | null {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  // File times move in coarse ticks: a change within the last second could share its times with the
  // next one, so a stamp that recent is not trusted (the text is read and compared instead).
  if (!stat || Date.now() - Number(stat.ctimeMs) < 1000) return null;
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The state file of one storage folder, as one client reads and writes it. It keeps its last verdict:
 * a plug-in checks the same unchanged file again and again, and the verdict is a function of its exact
 * text and the key. Reused while the file's stamp is the one taken before that read (device, inode,
 * size, mtime and ctime: writeState's rename gives a new inode, any write or `touch` moves ctime), else
 * the file is read again and its text compared. What is reused is only ever a verdict this client
 * reached on the file's earlier text, never a state the seal did not accept. Frozen, so no caller can
 * change what a later read returns.
 */
export class StateFile {
  readonly #dir: string;
  readonly #path: string;
  #last: { key: Buffer; text: string; stamp: string | null; read: StoredRead } | null = null;

  constructor(dir: string) {
    this.#dir = dir;
    this.#path = join(dir, STATE_FILE);
  }

  read(key: Buffer): StoredRead {
    const last = this.#last;
    // Stamped before reading: a write after this moment changes the stamp, so the next call reads again.
    const stamp = stampOf(this.#path);
    if (last && stamp !== null && stamp === last.stamp && last.key.equals(key)) return last.read;
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (error) {
      this.#last = null;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    const read = last && last.text === text && last.key.equals(key) ? last.read : deepFreeze(unseal(text, key));
    this.#last = { key: Buffer.from(key), text, stamp, read };
    return read;
  }

  write(key: Buffer, state: StoredState): void {
    writeState(this.#dir, key, state);
  }

  remove(): void {
    rmSync(this.#path, { force: true });
  }
}

function unseal(text: string, key: Buffer): StoredRead {
  let file: { format?: unknown; state?: Partial<StoredState>; mac?: unknown };
  try {
    file = JSON.parse(text);
  } catch {
    return { kind: 'broken', token: null, keyList: null };
  }
  const state = file?.state;
  const token = typeof state?.token === 'string' ? state.token : null;
  const keyList = typeof state?.keyList === 'string' ? state.keyList : null;
  const expected = typeof file.mac === 'string' ? Buffer.from(file.mac, 'base64url') : null;
  const actual = mac(key, state);
  if (file.format !== FORMAT || !expected || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { kind: 'broken', token, keyList };
  }
  return { kind: 'sealed', state: state as StoredState };
}

/** Writes atomically (a temporary file renamed over the old one): a crash never leaves half a file. */
export function writeState(dir: string, key: Buffer, state: StoredState): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, STATE_FILE);
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const sealed = { format: FORMAT, state, mac: mac(key, JSON.parse(JSON.stringify(state))).toString('base64url') };
  writeFileSync(temporary, `${JSON.stringify(sealed, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * The server address recorded at activation, unverified: the CLI talks to it when no server is
 * configured. Only an address; nothing read here is trusted for the verdict.
 */
export function storedServer(dir: string): string | null {
  try {
    const server = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'))?.state?.server;
    return typeof server === 'string' ? server : null;
  } catch {
    return null;
  }
}
