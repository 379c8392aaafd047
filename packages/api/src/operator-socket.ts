import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OperatorSocket {
  path: string;
  /** Removes the private folder a long DATA_DIR's socket was given; nothing for a socket in DATA_DIR. */
  remove(): void;
}

/**
 * Unix socket paths are limited to ~107 bytes: a deep DATA_DIR gets its socket in a new private
 * (0700) folder in the temp folder, never at a predictable path another local user could take
 * first. The CLI finds it in the lock file (data-dir-lock.ts), which records the socket's path.
 */
export function operatorSocket(dataDir: string): OperatorSocket {
  const inDataDir = join(dataDir, 'operator.sock');
  if (Buffer.byteLength(inDataDir) < 100) return { path: inDataDir, remove: () => {} };
  const folder = mkdtempSync(join(tmpdir(), 'slotkeeper-'));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  process.once('exit', remove);
  return { path: join(folder, 'operator.sock'), remove };
}
