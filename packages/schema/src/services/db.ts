import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Something to do once a transaction has committed: wake the mail worker, publish a slot event, … */
export type Effect = () => unknown;

/**
 * A transaction in progress: its client, and the effects to run once it has committed (Keygen's
 * `after_commit`). Whatever writes a row that others must hear about (the outbox, slot events)
 * registers its own effect here, so no caller has to remember it after the transaction.
 */
export interface Work {
  readonly tx: Tx;
  /** Runs `effect` after the commit, in registration order; never on rollback. The same function registered twice runs once. */
  afterCommit(effect: Effect): void;
}

/** Where a failed effect is reported; the change it followed stays committed and the caller's answer stands. */
export interface EffectLog {
  error(details: { err: unknown }, message: string): void;
}

const stderrLog: EffectLog = {
  error: (details, message) => console.error(message, details.err),
};

// Generous waits: on the embedded engine every statement queues behind one lock, so a burst of
// activations waits its turn instead of failing with Prisma's default 2 s maxWait.
const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/** Runs `fn` in one transaction, then the effects it registered on `work`, each awaited in turn. */
export async function transaction<T>(db: Db, fn: (tx: Tx, work: Work) => Promise<T>, log: EffectLog = stderrLog): Promise<T> {
  const effects: Effect[] = [];
  let open = true;
  const result = await db.$transaction((tx) => {
    const work: Work = {
      tx,
      afterCommit(effect) {
        if (!open) throw new Error('afterCommit called after its transaction ended');
        if (!effects.includes(effect)) effects.push(effect);
      },
    };
    return fn(tx, work).finally(() => {
      open = false;
    });
  }, TX_OPTIONS);
  for (const effect of effects) {
    try {
      await effect();
    } catch (err) {
      log.error({ err }, 'after-commit effect failed');
    }
  }
  return result;
}

/** Slots held now: live activations of the license (under its lock, a count that cannot go stale). */
export function seatsUsed(tx: Tx, licenseId: string): Promise<number> {
  return tx.activation.count({ where: { licenseId, releasedAt: null } });
}

/** Locks the given license rows (in id order, so concurrent lockers never deadlock). */
export async function lockLicenses(tx: Tx, where: { ids: string[] } | { customerId: string; productId: string }) {
  if ('ids' in where) {
    await tx.$queryRaw`SELECT "id" FROM "License" WHERE "id" = ANY(${where.ids}::text[]) ORDER BY "id" FOR UPDATE`;
  } else {
    await tx.$queryRaw`SELECT "id" FROM "License" WHERE "customerId" = ${where.customerId} AND "productId" = ${where.productId} ORDER BY "id" FOR UPDATE`;
  }
}

// Enum columns come back from a raw statement as text only when cast (the embedded engine's adapter
// does not know the types); every other column keeps Prisma's mapping (DateTime → Date, …).
const ENUM_COLUMNS = new Set(['status', 'tokenAlg', 'releaseReason', 'role']);

/**
 * The columns of a model's row aliased `alias`, each named `alias.field`: for one raw statement that
 * returns the rows of several models (`fields`: the model's `Prisma.XScalarFieldEnum`).
 */
export function columnsOf(alias: string, fields: Record<string, string>): Prisma.Sql {
  return Prisma.raw(
    Object.values(fields)
      .map((f) => `"${alias}"."${f}"${ENUM_COLUMNS.has(f) ? '::text' : ''} AS "${alias}.${f}"`)
      .join(', '),
  );
}

/** The row of `alias` out of a row selected with `columnsOf(alias, …)`. */
export function rowOf<T>(row: Record<string, unknown>, alias: string): T {
  const prefix = `${alias}.`;
  const out: Record<string, unknown> = {};
  for (const key in row) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = row[key];
  return out as T;
}
