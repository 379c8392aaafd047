import type { Activation, License, Prisma, Product } from '../generated/prisma/client.ts';
import type { AccountService } from './account.ts';
import { audit } from './audit.ts';
import { type Caller, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, type Tx, lockLicenses, seatsUsed, transaction } from './db.ts';
import { InvalidTokenError, NotFoundError, SlotReleasedError } from './errors.ts';
import { fingerprintHash, requireText } from './input.ts';
import type { LicenseUsage } from './license.ts';
import { hasFreeSeat, noFreeSlot, remoteReleaseRefusal, remoteReleaseWindowStart, tokenExpiry, unusable } from './license-rule.ts';
import { policy } from './policy.ts';
import type { Signer } from './signing-key.ts';
import { type SlotEvents, publishSlotChange } from './slot-event.ts';

export type { LicenseUsage } from './license.ts';

export interface ActivateInput {
  email: string;
  password: string;
  product: string;
  fingerprint: string;
  machineName: string;
  osUser: string;
}

export interface SlotResult {
  token: string;
  activation: Activation;
  license: LicenseUsage;
}

export interface ActivationFilter {
  licenseId?: string | null;
  /** true: slots held now; false: released ones. */
  live?: boolean | null;
  /** Part of the machine name or OS user. */
  q?: string | null;
}

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
  renew(token: string): Promise<SlotResult>;
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
}): ActivationService {
  const { db, clock, signer, events, accounts, logger } = deps;

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
      nbf: Math.floor(license.startsAt.getTime() / 1000),
      exp: Math.floor(exp.getTime() / 1000),
    });
    return token;
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
      publishSlotChange(work, events, reason === 'DEACTIVATED' ? 'DEACTIVATED' : 'RELEASED', usage, released, now);
      return usage;
    }, logger);
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
      const key = await signer.current();
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
          const exp = tokenExpiry(license, product, now);
          const activation = await tx.activation.update({
            where: { id: held.id },
            data: { machineName, osUser, lastSeenAt: now, tokenKid: key.kid, tokenExpiresAt: exp },
          });
          return { activation, license: { ...license, seatsUsed: await seatsUsed(tx, license.id) }, exp };
        }

        const usable = licenses.filter((l) => !unusable(l, now));
        if (usable.length === 0) throw unusable(licenses[0]!, now)!;
        const used = await tx.activation.groupBy({
          by: ['licenseId'],
          where: { licenseId: { in: usable.map((l) => l.id) }, releasedAt: null },
          _count: { _all: true },
        });
        const usedOf = (id: string) => used.find((u) => u.licenseId === id)?._count._all ?? 0;
        const license = usable.find((l) => hasFreeSeat(l, usedOf(l.id)));
        if (!license) throw noFreeSlot(usable.map((l) => ({ seats: l.seats, used: usedOf(l.id) })));
        const exp = tokenExpiry(license, product, now);
        const activation = await tx.activation.create({
          data: {
            licenseId: license.id,
            fingerprintHash: fp,
            machineName,
            osUser,
            activatedAt: now,
            lastSeenAt: now,
            tokenKid: key.kid,
            tokenExpiresAt: exp,
          },
        });
        const usage = { ...license, seatsUsed: usedOf(license.id) + 1 };
        publishSlotChange(work, events, 'ACTIVATED', usage, activation, now);
        return { activation, license: usage, exp };
      }, logger);

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

    async renew(token) {
      const claims = await signer.verifySignature(token);
      const key = await signer.current();
      const now = clock.now();
      const outcome = await transaction(db, async (tx) => {
        await lockLicenses(tx, { ids: [claims.lic] });
        const activation = await tx.activation.findUnique({
          where: { id: claims.sub },
          include: { license: { include: { product: true } } },
        });
        if (!activation || activation.licenseId !== claims.lic || activation.fingerprintHash !== claims.fp) {
          throw new InvalidTokenError();
        }
        if (activation.releasedAt) throw new SlotReleasedError();
        const { license } = activation;
        const problem = unusable(license, now);
        if (problem) throw problem;
        const exp = tokenExpiry(license, license.product, now);
        const updated = await tx.activation.update({
          where: { id: activation.id },
          data: { lastSeenAt: now, tokenKid: key.kid, tokenExpiresAt: exp },
        });
        return { activation: updated, license, exp, seatsUsed: await seatsUsed(tx, license.id) };
      }, logger);
      const { license } = outcome;
      const newToken = await signFor(outcome.activation, license, license.product, outcome.exp);
      return { token: newToken, activation: outcome.activation, license: { ...license, seatsUsed: outcome.seatsUsed } };
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
