import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Unix socket paths are limited to ~107 bytes: a deep DATA_DIR gets its socket in the temp folder. */
export function operatorSocketPath(dataDir: string): string {
  const inDataDir = join(dataDir, 'operator.sock');
  if (Buffer.byteLength(inDataDir) < 100) return inDataDir;
  return join(tmpdir(), `slotkeeper-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`);
}
