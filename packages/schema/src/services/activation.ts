import { type Activation, type License, Prisma, type Product } from '../generated/prisma/client.ts';
import type { AccountService } from './account.ts';
import { audit } from './audit.ts';
import { type Caller, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, type Tx, type Work, columnsOf, lockLicenses, rowOf, seatsUsed, transaction } from './db.ts';
import { InvalidTokenError, NotFoundError, TrialNotRenewableError } from './errors.ts';
import { fingerprintHash, requireText } from './input.ts';
import type { LicenseUsage } from './license.ts';
import {
  borrowRefusal,
  denialWindowStart,
  hasFreeSeat,
  isOverage,
  leaseExpired,
  noFreeSlot,
  remoteReleaseRefusal,
  remoteReleaseWindowStart,
  revivalRefusal,
  tokenEntitlements,
  tokenExpiry,
  tokenExpirySql,
  unusable,
  usableSql,
} from './license-rule.ts';
import { policy } from './policy.ts';
import type { Signer, VerifiedToken } from './signing-key.ts';
import { type SlotEvents, publishSlotChange } from './slot-event.ts';

export type { LicenseUsage } from './license.ts';
import { type WebhookOutbox, createWebhookOutbox, licenseData, slotData } from './webhook/event.ts';

export interface ActivateInput {
  email: string;
  password: string;
  product: string;
  fingerprint: string;
  machineName: string;
  osUser: string;
  /** A longer token than the lease, up to the product's maxBorrowSeconds (a user who travels). */
  borrowSeconds?: number | null;
}

export interface SlotResult {
  token: string;
  activation: Activation;
  license: LicenseUsage;
}

/** A renewed slot, before its token is signed. */
interface Renewal {
  activation: Activation;
  license: License & { product: Product };
  exp: Date;
  seatsUsed: number;
}

export interface ActivationFilter {
  licenseId?: string | null;
  /** true: slots held now; false: released ones. */
  live?: boolean | null;
  /** Part of the machine name or OS user. */
  q?: string | null;
}

/** Who released lapsed slots: an activation (or revival) that needed the seat, or the background sweeper. */
export type HealedBy = 'activation' | 'sweeper';

/** Which slot events a subscriber gets: one license's, or every license of a tenant (undefined: all). */
export type SlotStream = { licenseId: string } | { resellerId: string | undefined };

/**
 * Slots: taking, renewing and freeing them, each in one transaction under the license's row lock. What
 * a license allows (usable, a free seat, token lifetime, remote releases) is asked of license-rule.ts.
 */
export interface ActivationService {
  /** The activations a staff caller may read that match `filter` (their scope only). */
  visibleWhere(caller: Caller, filter?: ActivationFilter | null): Prisma.ActivationWhereInput;
  /** What a `slotUsageChanged` subscriber may stream: NOT_FOUND for a license it may not see. */
  slotStream(caller: Caller, licenseId: string | null): Promise<SlotStream>;
  activate(input: ActivateInput): Promise<SlotResult>;
  deactivateWithToken(token: string): Promise<LicenseUsage>;
  deactivateWithLogin(input: Omit<ActivateInput, 'machineName' | 'osUser'>): Promise<LicenseUsage>;
  /**
   * A fresh token for the slot; a slot healed by its lapsed lease (LEASE_EXPIRED) comes back into a
   * free seat as a new activation of the same machine, within the product's revival window.
   */
  renew(token: string, borrowSeconds?: number | null): Promise<SlotResult>;
  /**
   * One sweep: releases the lapsed slots (LEASE_EXPIRED) of up to `batch` licenses that no other
   * transaction holds locked now (they are skipped, not waited for), so any number of instances sweep
   * at once and each slot is released once. `licenses`: how many were swept (batch: call again).
   */
  sweepExpired(batch?: number): Promise<{ licenses: number; released: number }>;
  /**
   * Refused activations (NO_FREE_SLOT) of the last 30 days per license or per customer, among the
   * licenses `caller` may see (a customer's count at one reseller is that reseller's licenses only).
   */
  deniedLast30Days(caller: Caller, by: 'licenseId' | 'customerId', ids: string[]): Promise<Map<string, number>>;
  /** Remote release from the calling customer's license manager, counted against the product's yearly limit. */
  releaseByCustomer(caller: Caller, activationId: string): Promise<LicenseUsage>;
  /** A staff member frees a slot (lost machine, support case); not counted against the customer's limit. */
  releaseByStaff(caller: Caller, activationId: string, note?: string | null): Promise<LicenseUsage>;
}

export function createActivationService(deps: {
  db: Db;
  clock: Clock;
  signer: Signer;
  events: SlotEvents;
  accounts: AccountService;
  logger: EffectLog;
  /** Where webhook events are written; without one they are written and the worker finds them by polling. */
  webhooks?: WebhookOutbox;
  /** Told after each commit that healed slots (for /metrics): how many, and whether an activation or the sweeper did. */
  onSlotsHealed?: (count: number, by: HealedBy) => void;
}): ActivationService {
  const { db, clock, signer, events, accounts, logger } = deps;
  const webhooks = deps.webhooks ?? createWebhookOutbox();

  async function findProduct(code: string): Promise<Product> {
    const product = await db.product.findUnique({ where: { code: requireText(code, 'product', 100) } });
    if (!product) throw new NotFoundError(`There is no product "${code}".`);
    return product;
  }

  async function signFor(activation: Activation, license: License, product: Product, exp: Date) {
    const { token } = await signer.sign({
      sub: activation.id,
      aud: product.code,
      lic: license.id,
      fp: activation.fingerprintHash,
      seats: license.seats,
      ent: tokenEntitlements(license, product),
      nbf: Math.floor(license.startsAt.getTime() / 1000),
      exp: Math.floor(exp.getTime() / 1000),
      ...(activation.overage ? { ovr: true } : {}),
    }, product.tokenAlg);
    return token;
  }

  function checkBorrow(product: Product, borrowSeconds: number | null | undefined) {
    const refusal = borrowRefusal(product, borrowSeconds);
    if (refusal) throw refusal;
  }

  /**
   * Releases the lapsed slots (license-rule `leaseExpired`) of `licenses`, whose rows the caller has
   * locked: each with an audit event, an `activation.released` webhook and a LEASE_EXPIRED slot change.
   * The UPDATE is guarded by the same condition, so a slot whose renewal committed first stays.
   */
  async function healExpired(tx: Tx, work: Work, licenses: License[], now: Date, by: HealedBy): Promise<number> {
    const byId = new Map(licenses.map((l) => [l.id, l]));
    const candidates = await tx.activation.findMany({
      where: { licenseId: { in: [...byId.keys()] }, releasedAt: null, tokenExpiresAt: { lte: now } },
      orderBy: [{ tokenExpiresAt: 'asc' }, { id: 'asc' }],
    });
    const healed: { activation: Activation; license: License }[] = [];
    for (const candidate of candidates) {
      const license = byId.get(candidate.licenseId)!;
      if (!leaseExpired(candidate, license, now)) continue;
      const { count } = await tx.activation.updateMany({
        where: { id: candidate.id, releasedAt: null, tokenExpiresAt: { lte: now } },
        data: { releasedAt: now, releaseReason: 'LEASE_EXPIRED' },
      });
      if (count === 1) healed.push({ activation: { ...candidate, releasedAt: now, releaseReason: 'LEASE_EXPIRED' }, license });
    }
    const left = new Map<string, number>();
    for (const licenseId of new Set(healed.map((h) => h.license.id))) left.set(licenseId, await seatsUsed(tx, licenseId));
    // Each event carries the usage right after its own release: the later releases of its license are still to come.
    const pending = new Map<string, number>();
    for (const { license } of healed) pending.set(license.id, (pending.get(license.id) ?? 0) + 1);
    for (const { activation, license } of healed) {
      pending.set(license.id, pending.get(license.id)! - 1);
      const usage = { ...license, seatsUsed: left.get(license.id)! + pending.get(license.id)! };
      await audit(tx, 'system', 'activation.lease_expired', `activation:${activation.id}`, license.resellerId, {
        license: license.id,
        machineName: activation.machineName,
        osUser: activation.osUser,
        tokenExpiredAt: activation.tokenExpiresAt.toISOString(),
        by,
      });
      await webhooks.emit(work, now, 'activation.released', license.resellerId, slotData(activation, usage));
      publishSlotChange(work, events, 'LEASE_EXPIRED', usage, activation, now);
    }
    const { onSlotsHealed } = deps;
    if (healed.length && onSlotsHealed) work.afterCommit(() => onSlotsHealed(healed.length, by));
    return healed.length;
  }

  /**
   * A new slot for `machine` on the first of `licenses` (usable, locked by the caller, in order of
   * preference) with room: within the seats first; else, after reclaiming lapsed leases, within the
   * seats or the product's overage. No room: the refusal is recorded (SlotDenial, `slot.denied`) in
   * this transaction, which then commits, and returned for the caller to throw after it.
   */
  async function takeSeat(
    tx: Tx,
    work: Work,
    licenses: License[],
    product: Product,
    machine: { customerId: string; fingerprintHash: string; machineName: string; osUser: string },
    now: Date,
    token: { kid: string; borrowSeconds?: number | null },
  ): Promise<{ activation: Activation; license: LicenseUsage; exp: Date } | { denied: ReturnType<typeof noFreeSlot> }> {
    const count = async () => {
      const rows = await tx.activation.groupBy({
        by: ['licenseId'],
        where: { licenseId: { in: licenses.map((l) => l.id) }, releasedAt: null },
        _count: { _all: true },
      });
      return (id: string) => rows.find((u) => u.licenseId === id)?._count._all ?? 0;
    };
    let usedOf = await count();
    let license = licenses.find((l) => !isOverage(l, usedOf(l.id)));
    if (!license) {
      if (await healExpired(tx, work, licenses, now, 'activation')) usedOf = await count();
      license = licenses.find((l) => !isOverage(l, usedOf(l.id))) ?? licenses.find((l) => hasFreeSeat(l, product, usedOf(l.id)));
    }
    if (!license) {
      const denied = noFreeSlot(licenses.map((l) => ({ seats: l.seats, used: usedOf(l.id) })));
      await tx.slotDenial.create({
        data: {
          licenseId: licenses[0]!.id,
          customerId: machine.customerId,
          at: now,
          machineName: machine.machineName,
          osUser: machine.osUser,
          fingerprintHash: machine.fingerprintHash,
        },
      });
      // The denial is news to the sellers: each hears of its own licenses only.
      for (const resellerId of new Set(licenses.map((l) => l.resellerId))) {
        const mine = licenses.filter((l) => l.resellerId === resellerId);
        await webhooks.emit(work, now, 'slot.denied', resellerId, {
          customerId: machine.customerId,
          product: product.code,
          machineName: machine.machineName,
          osUser: machine.osUser,
          licenses: mine.map((l) => licenseData({ ...l, seatsUsed: usedOf(l.id) })),
        });
      }
      return { denied };
    }
    const used = usedOf(license.id);
    const exp = tokenExpiry(license, product, now, token.borrowSeconds);
    const activation = await tx.activation.create({
      data: {
        licenseId: license.id,
        fingerprintHash: machine.fingerprintHash,
        machineName: machine.machineName,
        osUser: machine.osUser,
        activatedAt: now,
        lastSeenAt: now,
        tokenKid: token.kid,
        tokenExpiresAt: exp,
        overage: isOverage(license, used),
      },
    });
    const usage = { ...license, seatsUsed: used + 1 };
    await webhooks.emit(work, now, 'activation.created', license.resellerId, slotData(activation, usage));
    publishSlotChange(work, events, 'ACTIVATED', usage, activation, now);
    return { activation, license: usage, exp };
  }

  /** Releases a live activation under its license's lock; `within` runs in that transaction first (limits, audit). */
  async function release(
    activationId: string,
    reason: 'DEACTIVATED' | 'REMOTE_RELEASE' | 'ADMIN_RELEASE',
    within?: (tx: Tx, license: License & { product: Product }) => Promise<void>,
  ) {
    const now = clock.now();
    return transaction(db, async (tx, work) => {
      const current = await tx.activation.findUnique({ where: { id: activationId }, select: { licenseId: true } });
      if (!current) throw new NotFoundError('There is no such activation.');
      await lockLicenses(tx, { ids: [current.licenseId] });
      const license = await tx.license.findUniqueOrThrow({
        where: { id: current.licenseId },
        include: { product: true },
      });
      const live = await tx.activation.findFirst({ where: { id: activationId, releasedAt: null } });
      if (!live) return { ...license, seatsUsed: await seatsUsed(tx, license.id) };
      await within?.(tx, license);
      const released = await tx.activation.update({
        where: { id: activationId },
        data: { releasedAt: now, releaseReason: reason, lastSeenAt: reason === 'DEACTIVATED' ? now : undefined },
      });
      const usage = { ...license, seatsUsed: await seatsUsed(tx, license.id) };
      await webhooks.emit(work, now, 'activation.released', license.resellerId, slotData(released, usage));
      publishSlotChange(work, events, reason === 'DEACTIVATED' ? 'DEACTIVATED' : 'RELEASED', usage, released, now);
      return usage;
    }, logger);
  }

  /**
   * The common renewal as one guarded statement, no transaction: the live slot the token names, held
   * by the machine it names, on a usable license of the product and algorithm it was signed for. It
   * changes no seat count, so it needs no license lock; a release committed meanwhile makes the guard
   * fail (PostgreSQL re-checks it on the locked row). No row: null, and the full path in `renew` says why.
   */
  async function renewLive(claims: VerifiedToken, now: Date): Promise<Renewal | null> {
    const key = await signer.current(claims.alg);
    const rows = await db.$queryRaw<Record<string, unknown>[]>`
      WITH renewed AS (
        UPDATE "Activation" AS "a"
        SET "lastSeenAt" = ${now}, "tokenKid" = ${key.kid}, "tokenExpiresAt" = ${tokenExpirySql('l', 'p', now)}
        FROM "License" AS "l" JOIN "Product" AS "p" ON "p"."id" = "l"."productId"
        WHERE "a"."id" = ${claims.sub} AND "a"."licenseId" = ${claims.lic} AND "a"."fingerprintHash" = ${claims.fp}
          AND "a"."releasedAt" IS NULL AND "l"."id" = "a"."licenseId" AND ${usableSql('l', now)}
          AND "p"."code" = ${claims.aud} AND "p"."tokenAlg"::text = ${claims.alg}
        RETURNING ${columnsOf('a', Prisma.ActivationScalarFieldEnum)}, ${columnsOf('l', Prisma.LicenseScalarFieldEnum)},
          ${columnsOf('p', Prisma.ProductScalarFieldEnum)}
      )
      SELECT "renewed".*, (
        SELECT count(*)::int FROM "Activation" AS "u" WHERE "u"."licenseId" = "renewed"."a.licenseId" AND "u"."releasedAt" IS NULL
      ) AS "seatsUsed"
      FROM "renewed"`;
    const row = rows[0];
    if (!row) return null;
    const activation = rowOf<Activation>(row, 'a');
    return {
      activation,
      license: { ...rowOf<License>(row, 'l'), product: rowOf<Product>(row, 'p') },
      exp: activation.tokenExpiresAt,
      seatsUsed: row.seatsUsed as number,
    };
  }

  return {
    visibleWhere(caller, filter) {
      const staff = policy.readTenantRecords(caller);
      return {
        AND: [
          scope.activations(staff),
          filter?.licenseId ? { licenseId: filter.licenseId } : {},
          filter?.live == null ? {} : filter.live ? { releasedAt: null } : { releasedAt: { not: null } },
          filter?.q ? { OR: [{ machineName: { contains: filter.q, mode: 'insensitive' } }, { osUser: { contains: filter.q, mode: 'insensitive' } }] } : {},
        ],
      };
    },

    async slotStream(caller, licenseId) {
      const watcher = policy.watchSlots(caller, licenseId);
      if (licenseId === null) return { resellerId: watcher.kind === 'staff' ? scope.resellerId(watcher) : undefined };
      const where = watcher.kind === 'customer' ? { id: licenseId, customerId: watcher.customerId } : { id: licenseId, ...scope.licenses(watcher) };
      if (!(await db.license.count({ where }))) throw new NotFoundError('There is no such license.');
      return { licenseId };
    },

    async activate(input) {
      const machineName = requireText(input.machineName, 'machineName');
      const osUser = requireText(input.osUser, 'osUser');
      const fp = fingerprintHash(input.fingerprint);
      const customer = await accounts.authenticate(input.email, input.password);
      const product = await findProduct(input.product);
      checkBorrow(product, input.borrowSeconds);
      const key = await signer.current(product.tokenAlg);
      const now = clock.now();

      const outcome = await transaction(db, async (tx, work) => {
        // Every license of this login for this product is locked for the rest of the transaction:
        // concurrent activations queue here, so the seat count below cannot go stale.
        await lockLicenses(tx, { customerId: customer.id, productId: product.id });
        const licenses = await tx.license.findMany({
          where: { customerId: customer.id, productId: product.id },
          orderBy: [{ expiresAt: 'desc' }, { id: 'asc' }],
        });
        if (licenses.length === 0) throw new NotFoundError(`This login has no license for "${product.code}".`);

        const held = await tx.activation.findFirst({
          where: { licenseId: { in: licenses.map((l) => l.id) }, fingerprintHash: fp, releasedAt: null },
        });
        if (held) {
          // The same machine again: same slot, fresh token, never a second seat.
          const license = licenses.find((l) => l.id === held.licenseId)!;
          const problem = unusable(license, now);
          if (problem) throw problem;
          const exp = tokenExpiry(license, product, now, input.borrowSeconds);
          const activation = await tx.activation.update({
            where: { id: held.id },
            data: { machineName, osUser, lastSeenAt: now, tokenKid: key.kid, tokenExpiresAt: exp },
          });
          return { activation, license: { ...license, seatsUsed: await seatsUsed(tx, license.id) }, exp };
        }

        const usable = licenses.filter((l) => !unusable(l, now));
        if (usable.length === 0) throw unusable(licenses[0]!, now)!;
        return takeSeat(tx, work, usable, product, { customerId: customer.id, fingerprintHash: fp, machineName, osUser }, now, {
          kid: key.kid,
          borrowSeconds: input.borrowSeconds,
        });
      }, logger);
      if ('denied' in outcome) throw outcome.denied;

      const token = await signFor(outcome.activation, outcome.license, product, outcome.exp);
      return { token, activation: outcome.activation, license: { ...outcome.license, product } };
    },

    async deactivateWithToken(token) {
      const claims = await signer.verifySignature(token);
      return release(claims.sub, 'DEACTIVATED');
    },

    async deactivateWithLogin(input) {
      const fp = fingerprintHash(input.fingerprint);
      const customer = await accounts.authenticate(input.email, input.password);
      const product = await findProduct(input.product);
      const held = await db.activation.findFirst({
        where: { fingerprintHash: fp, releasedAt: null, license: { customerId: customer.id, productId: product.id } },
        select: { id: true },
      });
      if (!held) throw new NotFoundError('This machine holds no slot of this product.');
      return release(held.id, 'DEACTIVATED');
    },

    async renew(token, borrowSeconds) {
      const claims = await signer.verifySignature(token);
      // A trial lasts what the product promised when it started; going on takes a license.
      if (claims.trial) throw new TrialNotRenewableError();
      const now = clock.now();
      // The common case, one guarded statement; a borrow asks the product's limits, so it takes the full path.
      const fast = borrowSeconds == null ? await renewLive(claims, now) : null;
      if (fast) {
        const newToken = await signFor(fast.activation, fast.license, fast.license.product, fast.exp);
        return { token: newToken, activation: fast.activation, license: { ...fast.license, seatsUsed: fast.seatsUsed } };
      }
      // Every other renewal, under the license's lock: the exact refusal, a revival of a healed slot, a
      // borrow, or a renewal the guard missed (the product moved to another algorithm).
      const product = await db.product.findUnique({ where: { code: claims.aud } });
      if (!product) throw new InvalidTokenError();
      checkBorrow(product, borrowSeconds);
      // The renewed token takes the product's algorithm as it is now: a product moved to RS256 renews its EdDSA tokens into RS256 ones.
      const key = await signer.current(product.tokenAlg);
      const outcome = await transaction(db, async (tx, work) => {
        await lockLicenses(tx, { ids: [claims.lic] });
        const activation = await tx.activation.findUnique({ where: { id: claims.sub }, include: { license: true } });
        if (
          !activation || activation.licenseId !== claims.lic || activation.fingerprintHash !== claims.fp ||
          activation.license.productId !== product.id
        ) {
          throw new InvalidTokenError();
        }
        const { license: row, ...slot } = activation;
        let live: Activation | null = slot;
        if (slot.releasedAt) {
          const refusal = revivalRefusal(slot, product, now);
          if (refusal) throw refusal;
          // The machine may hold a slot again already (activated with its login meanwhile): that slot renews.
          live = await tx.activation.findFirst({ where: { licenseId: row.id, fingerprintHash: slot.fingerprintHash, releasedAt: null } });
        }
        const problem = unusable(row, now);
        if (problem) throw problem;
        if (!live) {
          const machine = { customerId: row.customerId, fingerprintHash: slot.fingerprintHash, machineName: slot.machineName, osUser: slot.osUser };
          return takeSeat(tx, work, [row], product, machine, now, { kid: key.kid, borrowSeconds });
        }
        const exp = tokenExpiry(row, product, now, borrowSeconds);
        const updated = await tx.activation.update({
          where: { id: live.id },
          data: { lastSeenAt: now, tokenKid: key.kid, tokenExpiresAt: exp },
        });
        return { activation: updated, license: { ...row, seatsUsed: await seatsUsed(tx, row.id) }, exp };
      }, logger);
      if ('denied' in outcome) throw outcome.denied;
      const newToken = await signFor(outcome.activation, outcome.license, product, outcome.exp);
      return { token: newToken, activation: outcome.activation, license: { ...outcome.license, product } };
    },

    async deniedLast30Days(caller, by, ids) {
      const rows = await db.slotDenial.groupBy({
        by: [by],
        where: { [by]: { in: ids }, at: { gt: denialWindowStart(clock.now()) }, license: scope.licensesOf(caller) },
        _count: { _all: true },
      });
      return new Map(rows.map((row) => [row[by], row._count._all]));
    },

    async sweepExpired(batch = 100) {
      const now = clock.now();
      const at = now.toISOString();
      return transaction(db, async (tx, work) => {
        // SKIP LOCKED: a license another instance is sweeping, or an activation or renewal holds, is
        // left to a later pass; the lock taken here serialises this sweep with renewals of its slots.
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT l."id" FROM "License" l
          WHERE EXISTS (
            SELECT 1 FROM "Activation" a
            WHERE a."licenseId" = l."id" AND a."releasedAt" IS NULL
              AND a."tokenExpiresAt" <= ${at}::timestamp AND a."tokenExpiresAt" < l."expiresAt"
          )
          ORDER BY l."id" LIMIT ${batch}
          FOR UPDATE SKIP LOCKED`;
        if (locked.length === 0) return { licenses: 0, released: 0 };
        const licenses = await tx.license.findMany({ where: { id: { in: locked.map((l) => l.id) } } });
        return { licenses: locked.length, released: await healExpired(tx, work, licenses, now, 'sweeper') };
      }, logger);
    },

    async releaseByStaff(caller, activationId, note) {
      const staff = policy.releaseActivationAsStaff(caller);
      const visible = await db.activation.findFirst({ where: { id: activationId, ...scope.activations(staff) }, select: { id: true } });
      if (!visible) throw new NotFoundError('There is no such activation.');
      return release(activationId, 'ADMIN_RELEASE', async (tx, license) => {
        const before = await tx.activation.findUniqueOrThrow({ where: { id: activationId } });
        await audit(tx, staff, 'activation.released', `activation:${activationId}`, license.resellerId, {
          license: license.id,
          machineName: before.machineName,
          osUser: before.osUser,
          note: note?.slice(0, 500) ?? null,
        });
      });
    },

    async releaseByCustomer(caller, activationId) {
      const customerId = policy.releaseOwnActivation(caller);
      const owned = await db.activation.findFirst({ where: { id: activationId, license: { customerId } }, select: { id: true } });
      if (!owned) throw new NotFoundError('There is no such activation on your licenses.');
      return release(activationId, 'REMOTE_RELEASE', async (tx, license) => {
        const now = clock.now();
        const recent = await tx.activation.findMany({
          where: { licenseId: license.id, releaseReason: 'REMOTE_RELEASE', releasedAt: { gt: remoteReleaseWindowStart(now) } },
          orderBy: { releasedAt: 'asc' },
          select: { releasedAt: true },
        });
        const refusal = remoteReleaseRefusal(license.product.remoteReleasesPerYear, recent.map((r) => r.releasedAt!), now);
        if (refusal) throw refusal;
      });
    },
  };
}
