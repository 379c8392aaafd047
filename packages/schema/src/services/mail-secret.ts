import type { Prisma } from '../generated/prisma/client.ts';
import { decryptAtRest, encryptAtRest } from './key-encryption.ts';
import type { MailData, MailTemplate } from './mail.ts';

/** The fields of a mail that let whoever reads them into an account (issue #11). */
const SECRET_FIELDS: { [T in MailTemplate]: (keyof MailData[T] & string)[] } = {
  credentials: ['password'],
  'license-issued': [],
  'password-reset': ['token'],
  'password-changed': [],
  'email-changed': [],
  'webhook-disabled': [],
};

/** What a sent mail shows where its secret was: the row keeps no way back to it. */
export const REMOVED_SECRET = '(removed once sent)';

type Data = Record<string, unknown>;

export interface MailRow {
  id: string;
  template: string;
  data: unknown;
  secret: string | null;
}

/**
 * A queued mail's secrets (a generated password, a reset code) are stored apart from the rest of its
 * data, encrypted under the key-encryption key, and dropped once it is sent; `data` keeps only what
 * the outbox may show.
 */
export interface MailSecrets {
  /** The row's `data` without its secrets, and `secret`: those secrets encrypted (null when it has none). */
  seal(id: string, template: string, data: object): { data: Prisma.InputJsonObject; secret: string | null };
  /** The whole data, to render the mail; the secrets of a sent one read REMOVED_SECRET. */
  open(row: MailRow): Data;
  /** `data` without its secrets: what a sent row keeps. */
  scrub(template: string, data: unknown): Prisma.InputJsonObject;
}

const secretFields = (template: string): string[] => SECRET_FIELDS[template as MailTemplate] ?? [];
const context = (id: string) => `mail:${id}`;

export function createMailSecrets(kek: Buffer): MailSecrets {
  function decrypt(id: string, secret: string): Buffer {
    try {
      return decryptAtRest(secret, kek, context(id));
    } catch {
      throw new Error(`Mail ${id} cannot be decrypted: KEY_ENCRYPTION_KEY (or DATA_DIR/keys/kek) is not the one it was queued with.`);
    }
  }
  function split(template: string, data: object) {
    const rest = { ...(data as Prisma.InputJsonObject) } as Record<string, Prisma.InputJsonValue>;
    const secrets: Data = {};
    for (const field of secretFields(template)) {
      if (field in rest) secrets[field] = rest[field];
      delete rest[field];
    }
    return { rest, secrets };
  }
  return {
    seal(id, template, data) {
      const { rest, secrets } = split(template, data);
      const secret = Object.keys(secrets).length
        ? encryptAtRest(Buffer.from(JSON.stringify(secrets)), kek, context(id))
        : null;
      return { data: rest, secret };
    },
    open(row) {
      const removed = Object.fromEntries(secretFields(row.template).map((field) => [field, REMOVED_SECRET]));
      const kept = row.secret ? (JSON.parse(decrypt(row.id, row.secret).toString()) as Data) : {};
      // A row written before secrets were sealed still carries them in `data`.
      return { ...removed, ...(row.data as Data), ...kept };
    },
    scrub: (template, data) => split(template, data as object).rest,
  };
}
