import type { Activation, License, Product } from '../generated/prisma/client.ts';
import type { AccountService } from './account.ts';
import { audit } from './audit.ts';
import { type Caller, requireStaff, scope } from './caller.ts';
import { type Clock, type Db, type EffectLog, type Tx, type Work, lockLicenses, transaction } from './db.ts';
import {
  type DomainError,
  InvalidInputError,
  InvalidTokenError,
  LicenseExpiredError,
  LicenseRevokedError,
  LicenseSuspendedError,
  NoFreeSlotError,
  NotFoundError,
  ReleaseLimitReachedError,
  SlotReleasedError,
} from './errors.ts';
import { fingerprintHash, requireText } from './input.ts';
import type { Signer } from './signing-key.ts';
import { type SlotChange, type SlotEvents, activationSnapshot, publishAfterCommit } from './slot-event.ts';
import { type WebhookOutbox, createWebhookOutbox, licenseData, slotData } from './webhook/event.ts';

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

export interface LicenseUsage extends License {
  seatsUsed: number;
  /** Present when the service had it at hand, so the answer needs no second read. */
  product?: Product;
}

export interface ActivationService {
  activate(input: ActivateInput): Promise<SlotResult>;
  deactivateWithToken(token: string): Promise<LicenseUsage>;
  deactivateWithLogin(input: Omit<ActivateInput, 'machineName' | 'osUser'>): Promise<LicenseUsage>;
  renew(token: string): Promise<SlotResult>;
  /** Remote release from the license manager, counted against the product's yearly limit. */
  releaseByCustomer(customerId: string, activationId: string): Promise<LicenseUsage>;
  /** A staff member frees a slot (lost machine, support case); not counted against the customer's limit. */
  releaseByStaff(caller: Caller, activationId: string, note?: string | null): Promise<LicenseUsage>;
  /** Changes a license's seats; going below the seats in use needs releasing machines in the same change. */
  changeSeats(caller: Caller, licenseId: string, seats: number, releaseActivationIds?: string[]): Promise<LicenseUsage>;
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

export function createActivationService(deps: {
  db: Db;
  clock: Clock;
  signer: Signer;
  events: SlotEvents;
  accounts: AccountService;
  logger: EffectLog;
  /** Where webhook events are written; without one they are written and the worker finds them by polling. */
  webhooks?: WebhookOutbox;
}): ActivationService {
  const { db, clock, signer, events, accounts, logger } = deps;
  const webhooks = deps.webhooks ?? createWebhookOutbox();

  async function findProduct(code: string): Promise<Product> {
    const product = await db.product.findUnique({ where: { code: requireText(code, 'product', 100) } });
    if (!product) throw new NotFoundError(`There is no product "${code}".`);
    return product;
  }

  /** Token lifetime: the product's lease when it has one, never past the license's expiry. */
  function tokenExpiry(license: License, product: Product, now: Date): Date {
    if (product.leaseDays == null) return license.expiresAt;
    return new Date(Math.min(license.expiresAt.getTime(), now.getTime() + product.leaseDays * DAY_MS));
  }

  function unusable(license: License, now: Date): DomainError | null {
    if (license.status === 'REVOKED') return new LicenseRevokedError();
    if (license.status === 'SUSPENDED') return new LicenseSuspendedError();
    if (license.expiresAt <= now) return new LicenseExpiredError(license.expiresAt);
    return null;
  }

  async function seatsUsed(tx: Tx, licenseId: string) {
    return tx.activation.count({ where: { licenseId, releasedAt: null } });
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

  function publish(work: Work, change: SlotChange, license: LicenseUsage, activation: Activation) {
    publishAfterCommit(work, events, {
      licenseId: license.id,
      customerId: license.customerId,
      resellerId: license.resellerId,
      seats: license.seats,
      seatsUsed: license.seatsUsed,
      change,
      at: clock.now().toISOString(),
      activation: activationSnapshot(activation),
    });
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
      publish(work, reason === 'DEACTIVATED' ? 'DEACTIVATED' : 'RELEASED', usage, released);
      return usage;
    }, logger);
  }

  return {
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
        const license = usable.find((l) => usedOf(l.id) < l.seats);
        if (!license) {
          const denied = new NoFreeSlotError(
            usable.reduce((sum, l) => sum + l.seats, 0),
            usable.reduce((sum, l) => sum + usedOf(l.id), 0),
          );
          // The denial changes nothing, but it is news to the sellers: each hears of its own licenses only.
          for (const resellerId of new Set(usable.map((l) => l.resellerId))) {
            const mine = usable.filter((l) => l.resellerId === resellerId);
            await webhooks.emit(work, now, 'slot.denied', resellerId, {
              customerId: customer.id,
              product: product.code,
              machineName,
              osUser,
              licenses: mine.map((l) => licenseData({ ...l, seatsUsed: usedOf(l.id) })),
            });
          }
          return { denied };
        }
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
        await webhooks.emit(work, now, 'activation.created', license.resellerId, slotData(activation, usage));
        publish(work, 'ACTIVATED', usage, activation);
        return { activation, license: usage, exp };
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
      const staff = requireStaff(caller);
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

    async changeSeats(caller, licenseId, seats, releaseActivationIds = []) {
      const staff = requireStaff(caller);
      if (!Number.isInteger(seats) || seats < 1 || seats > 100_000) {
        throw new InvalidInputError('seats', 'Seats must be a whole number from 1 to 100000.');
      }
      const now = clock.now();
      return transaction(db, async (tx, work) => {
        const visible = await tx.license.findFirst({ where: { id: licenseId, ...scope.licenses(staff) }, select: { id: true } });
        if (!visible) throw new NotFoundError('There is no such license.');
        await lockLicenses(tx, { ids: [licenseId] });
        const license = await tx.license.findUniqueOrThrow({ where: { id: licenseId } });
        const released: Activation[] = [];
        for (const id of new Set(releaseActivationIds)) {
          const freed = await tx.activation.updateMany({
            where: { id, licenseId, releasedAt: null },
            data: { releasedAt: now, releaseReason: 'ADMIN_RELEASE' },
          });
          if (freed.count !== 1) throw new InvalidInputError('releaseActivationIds', `${id} is not a live activation of this license.`);
          released.push(await tx.activation.findUniqueOrThrow({ where: { id } }));
        }
        const used = await seatsUsed(tx, licenseId);
        if (seats < used) {
          throw new InvalidInputError('seats', `${used} seats are in use: release ${used - seats} machine(s) in the same change to go down to ${seats}.`);
        }
        const updated = await tx.license.update({ where: { id: licenseId }, data: { seats } });
        for (const activation of released) await webhooks.emit(work, now, 'activation.released', license.resellerId, slotData(activation, { ...updated, seatsUsed: used }));
        await webhooks.emit(work, now, 'license.updated', license.resellerId, { license: licenseData({ ...updated, seatsUsed: used }), changed: ['seats'] });
        await audit(tx, staff, 'license.seats_changed', `license:${licenseId}`, license.resellerId, {
          before: { seats: license.seats },
          after: { seats },
          released: [...new Set(releaseActivationIds)],
        });
        const usage = { ...updated, seatsUsed: used };
        for (const activation of released) publish(work, 'RELEASED', usage, activation);
        return usage;
      }, logger);
    },

    async releaseByCustomer(customerId, activationId) {
      const owned = await db.activation.findFirst({ where: { id: activationId, license: { customerId } }, select: { id: true } });
      if (!owned) throw new NotFoundError('There is no such activation on your licenses.');
      return release(activationId, 'REMOTE_RELEASE', async (tx, license) => {
        const limit = license.product.remoteReleasesPerYear;
        const since = new Date(clock.now().getTime() - YEAR_MS);
        const recent = await tx.activation.findMany({
          where: { licenseId: license.id, releaseReason: 'REMOTE_RELEASE', releasedAt: { gt: since } },
          orderBy: { releasedAt: 'asc' },
          select: { releasedAt: true },
        });
        if (recent.length >= limit) {
          const oldest = recent[recent.length - limit]?.releasedAt ?? clock.now();
          throw new ReleaseLimitReachedError(limit, new Date(oldest.getTime() + YEAR_MS));
        }
      });
    },
  };
}
