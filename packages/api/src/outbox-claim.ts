import { Prisma } from '@slotkeeper/schema/generated/prisma/client';
import type { Clock, Db } from '@slotkeeper/schema/services/db';

/** A claimed row with its claim's lockedUntil: the row is this worker's while it still carries that lease. */
export type Leased<R> = R & { lease: Date };

/** An outbox table that workers claim rows of (the mail outbox, webhook deliveries). */
export interface OutboxTable {
  table: 'MailMessage' | 'WebhookDelivery';
  /** Due rows are taken in this order. */
  order: 'createdAt' | 'nextAttemptAt';
  /** The columns a claim answers with. */
  returning: readonly string[];
  /** A further condition on the due rows, which are named `t`. */
  also?: Prisma.Sql;
}

/**
 * Claims up to `limit` due rows (PENDING and due, or SENDING with a lease run out) with FOR UPDATE
 * SKIP LOCKED, so that workers running at once never take the same row; each claim counts an attempt.
 */
export async function claimDue<R>(db: Db, clock: Clock, leaseMs: number, limit: number, outbox: OutboxTable): Promise<Leased<R>[]> {
  const now = clock.now();
  const until = new Date(now.getTime() + leaseMs);
  const table = Prisma.raw(`"${outbox.table}"`);
  const rows = await db.$queryRaw<R[]>`
    UPDATE ${table} SET "status" = 'SENDING', "lockedUntil" = ${until.toISOString()}::timestamp, "attempts" = "attempts" + 1
    WHERE "id" IN (
      SELECT t."id" FROM ${table} t
      WHERE ((t."status" = 'PENDING' AND t."nextAttemptAt" <= ${now.toISOString()}::timestamp)
          OR (t."status" = 'SENDING' AND t."lockedUntil" < ${now.toISOString()}::timestamp))
        ${outbox.also ? Prisma.sql`AND ${outbox.also}` : Prisma.empty}
      ORDER BY t.${Prisma.raw(`"${outbox.order}"`)}
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING ${Prisma.raw(outbox.returning.map((column) => `"${column}"`).join(', '))}`;
  return rows.map((row) => ({ ...row, lease: until }));
}

/**
 * The update that hands claimed rows (of one claim) back untried: due at once, not after the lease,
 * and the attempt not counted. A row whose lease changed was taken over and is left to its new holder.
 */
export function unclaim(rows: Leased<{ id: string }>[]) {
  return {
    where: { id: { in: rows.map((row) => row.id) }, status: 'SENDING', lockedUntil: rows[0]!.lease },
    data: { status: 'PENDING', lockedUntil: null, attempts: { decrement: 1 } },
  };
}
