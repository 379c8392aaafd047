import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

// Generous waits: on the embedded engine every statement queues behind one lock, so a burst of
// activations waits its turn instead of failing with Prisma's default 2 s maxWait.
const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

export function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(fn, TX_OPTIONS);
}

/** Locks the given license rows (in id order, so concurrent lockers never deadlock). */
export async function lockLicenses(tx: Tx, where: { ids: string[] } | { customerId: string; productId: string }) {
  if ('ids' in where) {
    await tx.$queryRaw`SELECT "id" FROM "License" WHERE "id" = ANY(${where.ids}::text[]) ORDER BY "id" FOR UPDATE`;
  } else {
    await tx.$queryRaw`SELECT "id" FROM "License" WHERE "customerId" = ${where.customerId} AND "productId" = ${where.productId} ORDER BY "id" FOR UPDATE`;
  }
}
