import type { Reseller } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Caller, scope } from './caller.ts';
import { type Db, type Tx, transaction } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { requireText } from './input.ts';
import { policy } from './policy.ts';

// Reseller names are unique whatever their case ("ACME", "Acme" and "acme" are one reseller): the
// migration 20261203050000_dashboard adds a unique index on lower(name), and every lookup by name
// here ignores case, so the CLI's and the dashboard's `--reseller NAME` find the existing one.

const NAME_MAX = 100;

/** The reseller whose name is `name` in any case, if any. */
export function resellerByName(tx: Tx | Db, name: string): Promise<Reseller | null> {
  return tx.reseller.findFirst({ where: { name: { equals: name.trim(), mode: 'insensitive' } } });
}

/** The reseller called `name` (any case), created when there is none; `field` names the input for errors. */
export async function findOrCreateReseller(tx: Tx, name: string, field = 'reseller'): Promise<{ reseller: Reseller; created: boolean }> {
  const clean = requireText(name, field, NAME_MAX);
  const found = await resellerByName(tx, clean);
  return found ? { reseller: found, created: false } : { reseller: await tx.reseller.create({ data: { name: clean } }), created: true };
}

const taken = (name: string) => new InvalidInputError('name', `A reseller "${name}" already exists (names are compared without case).`);

/** A unique-index violation (Prisma P2002): another transaction took the name meanwhile. */
const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === 'P2002';

export interface MergedResellers {
  reseller: Reseller;
  moved: { licenses: number; staff: number; webhookEndpoints: number; auditEvents: number };
}

export interface ResellerService {
  create(caller: Caller, name: string): Promise<Reseller>;
  /** Vendor admins rename any reseller, a reseller admin their own; another reseller's is NOT_FOUND. */
  rename(caller: Caller, resellerId: string, name: string): Promise<Reseller>;
  /**
   * Vendor admins only: `sourceId`'s licenses, staff, webhook endpoints and history move to
   * `targetId`, then the source is deleted (one transaction). For the duplicates free-text names made.
   */
  merge(caller: Caller, sourceId: string, targetId: string): Promise<MergedResellers>;
}

export function createResellerService(deps: { db: Db }): ResellerService {
  const { db } = deps;

  async function named<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw taken(name);
      throw error;
    }
  }

  return {
    create(caller, name) {
      const staff = policy.createReseller(caller);
      const clean = requireText(name, 'name', NAME_MAX);
      return named(clean, () =>
        transaction(db, async (tx) => {
          const { reseller, created } = await findOrCreateReseller(tx, clean, 'name');
          if (!created) throw taken(reseller.name);
          await audit(tx, staff, 'reseller.created', `reseller:${reseller.id}`, reseller.id, { after: { name: clean } });
          return reseller;
        }),
      );
    },

    rename(caller, resellerId, name) {
      const staff = policy.renameReseller(caller);
      const clean = requireText(name, 'name', NAME_MAX);
      return named(clean, () =>
        transaction(db, async (tx) => {
          const before = await tx.reseller.findFirst({ where: { AND: [{ id: resellerId }, scope.resellers(staff)] } });
          if (!before) throw new NotFoundError('There is no such reseller.');
          const other = await resellerByName(tx, clean);
          if (other && other.id !== resellerId) throw taken(other.name);
          const reseller = await tx.reseller.update({ where: { id: resellerId }, data: { name: clean } });
          await audit(tx, staff, 'reseller.renamed', `reseller:${resellerId}`, resellerId, { before: { name: before.name }, after: { name: clean } });
          return reseller;
        }),
      );
    },

    async merge(caller, sourceId, targetId) {
      const staff = policy.mergeResellers(caller);
      if (sourceId === targetId) throw new InvalidInputError('targetId', 'Pick another reseller to merge into.');
      return transaction(db, async (tx) => {
        // Both rows locked, in one order, so a concurrent merge of the same pair waits instead of deadlocking.
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Reseller" WHERE "id" IN (${sourceId}, ${targetId}) ORDER BY "id" FOR UPDATE`;
        const source = locked.some((r) => r.id === sourceId) ? await tx.reseller.findUnique({ where: { id: sourceId } }) : null;
        if (!source) throw new NotFoundError('There is no such reseller to merge.');
        const target = locked.some((r) => r.id === targetId) ? await tx.reseller.findUnique({ where: { id: targetId } }) : null;
        if (!target) throw new NotFoundError('There is no such reseller to merge into.');
        const move = { where: { resellerId: sourceId }, data: { resellerId: targetId } };
        const moved = {
          licenses: (await tx.license.updateMany(move)).count,
          staff: (await tx.staffUser.updateMany(move)).count,
          webhookEndpoints: (await tx.webhookEndpoint.updateMany(move)).count,
          auditEvents: (await tx.auditEvent.updateMany(move)).count,
        };
        await tx.webhookEvent.updateMany(move);
        await tx.reseller.delete({ where: { id: sourceId } });
        await audit(tx, staff, 'reseller.merged', `reseller:${targetId}`, targetId, {
          before: { name: source.name, id: sourceId },
          after: { name: target.name },
          moved,
        });
        return { reseller: target, moved };
      });
    },
  };
}
