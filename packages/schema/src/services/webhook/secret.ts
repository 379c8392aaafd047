import type { Db } from '../db.ts';
import { decryptAtRest, encryptAtRest } from '../key-encryption.ts';

/** A secret as the receiver gets it; stored sealed, anything else in the column is sealed. */
const PLAIN_PREFIX = 'whsec_';

/**
 * Webhook endpoint secrets at rest: AES-256-GCM under the key-encryption key, bound to the endpoint
 * id (a sealed secret copied onto another endpoint's row does not open there). The worker opens them
 * to sign; the database alone (a dump, a read-only role) no longer lets anyone forge deliveries.
 */
export interface WebhookSecrets {
  seal(endpointId: string, secret: string): string;
  /** The whsec_ secret; a row from before sealing (plain whsec_…) is read as it is. */
  open(endpointId: string, stored: string): string;
}

const context = (endpointId: string) => `webhook:${endpointId}`;

export function createWebhookSecrets(kek: Buffer): WebhookSecrets {
  return {
    seal: (endpointId, secret) => encryptAtRest(Buffer.from(secret), kek, context(endpointId)),
    open(endpointId, stored) {
      if (stored.startsWith(PLAIN_PREFIX)) return stored;
      try {
        return decryptAtRest(stored, kek, context(endpointId)).toString();
      } catch {
        throw new Error(`Webhook endpoint ${endpointId}'s secret cannot be decrypted: KEY_ENCRYPTION_KEY (or DATA_DIR/keys/kek) is not the one it was sealed with.`);
      }
    },
  };
}

/**
 * Seals the secrets stored plain before sealing existed (migration 20261203040000_api_tokens leaves
 * them: SQL has no key). Run at every start; each row is changed only while it still holds the plain
 * value, so instances starting together don't overwrite each other. Returns how many rows it sealed.
 */
export async function sealPlainWebhookSecrets(db: Db, secrets: WebhookSecrets): Promise<number> {
  const rows = await db.webhookEndpoint.findMany({
    where: { OR: [{ secret: { startsWith: PLAIN_PREFIX } }, { previousSecret: { startsWith: PLAIN_PREFIX } }] },
    select: { id: true, secret: true, previousSecret: true },
  });
  let sealed = 0;
  for (const row of rows) {
    const seal = (value: string) => (value.startsWith(PLAIN_PREFIX) ? secrets.seal(row.id, value) : value);
    const changed = await db.webhookEndpoint.updateMany({
      where: { id: row.id, secret: row.secret, previousSecret: row.previousSecret },
      data: { secret: seal(row.secret), previousSecret: row.previousSecret === null ? null : seal(row.previousSecret) },
    });
    sealed += changed.count;
  }
  return sealed;
}
