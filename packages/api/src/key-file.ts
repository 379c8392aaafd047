import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from './config.ts';

/** The key that encrypts signing keys and queued mails' secrets at rest: KEY_ENCRYPTION_KEY, or a file made on first start. */
export function keyEncryptionKey(config: Config): Buffer {
  if (config.keyEncryptionKey) return config.keyEncryptionKey;
  const file = join(config.dataDir, 'keys', 'kek');
  if (!existsSync(file)) {
    mkdirSync(join(config.dataDir, 'keys'), { recursive: true, mode: 0o700 });
    // Written aside and linked into place: a process starting at the same moment either links first
    // or finds the complete file, never a half-written one.
    const draft = `${file}.${process.pid}`;
    writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(draft, { force: true });
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
