import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under the key-encryption key (KEY_ENCRYPTION_KEY or DATA_DIR/keys/kek), as stored at
 * rest: `iv.tag.ciphertext` in base64url. `context` (a key id, a mail id) is authenticated with it, so
 * a value copied onto another row does not decrypt there.
 */
export function encryptAtRest(plain: Buffer, kek: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

/** The plain bytes of `encryptAtRest`; throws when the key, the context or the value is not the one stored. */
export function decryptAtRest(stored: string, kek: Buffer, context: string): Buffer {
  const [iv, tag, body] = stored.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', kek, iv!);
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]);
}
