import type { Prisma } from '../generated/prisma/client.ts';
import type { Staff } from './caller.ts';
import type { Tx } from './db.ts';

/** Records who changed what (before → after) in the transaction of the change itself. */
export function audit(
  tx: Tx,
  actor: Staff | 'operator',
  action: string,
  subject: string,
  resellerId: string | null,
  data: { before?: unknown; after?: unknown; [key: string]: unknown },
) {
  return tx.auditEvent.create({
    data: {
      actor: actor === 'operator' ? 'operator (CLI)' : actor.email,
      action,
      subject,
      resellerId,
      data: JSON.parse(JSON.stringify(data)) as Prisma.InputJsonValue,
    },
  });
}
