import type { Prisma } from '../generated/prisma/client.ts';
import type { Staff } from './caller.ts';
import type { ShopActor } from './policy.ts';
import type { Tx } from './db.ts';

/** Records who changed what (before → after) in the transaction of the change itself. */
export function audit(
  tx: Tx,
  actor: Staff | 'operator' | 'system' | ShopActor,
  action: string,
  subject: string,
  resellerId: string | null,
  data: { before?: unknown; after?: unknown; [key: string]: unknown },
) {
  return tx.auditEvent.create({
    data: {
      actor: actor === 'operator' ? 'operator (CLI)' : typeof actor === 'string' ? actor : actor.email,
      action,
      subject,
      resellerId,
      data: JSON.parse(JSON.stringify(data)) as Prisma.InputJsonValue,
    },
  });
}
