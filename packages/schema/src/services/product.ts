import type { Prisma, Product, TokenAlg } from '../generated/prisma/client.ts';
import { audit } from './audit.ts';
import { type Db, type Tx, transaction } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { requireText } from './input.ts';
import { MAX_SEATS, checkEntitlementCodes, checkTrialSeconds } from './license-rule.ts';
import { type Actor, policy } from './policy.ts';
import { type Signer, TOKEN_ALGS } from './signing-key.ts';

/** Vendor links shown by the plug-in's license window; each an http(s) URL. */
export interface ProductLinks {
  website?: string | null;
  documentation?: string | null;
  support?: string | null;
  purchase?: string | null;
}

/**
 * The seat policy a product carries (README "Seat policies"): each null/absent = not offered. Durations
 * are seconds; `leaseDays` is the older spelling of the lease, kept for clients that send it.
 */
export interface SeatPolicyInput {
  leaseSeconds?: number | null;
  leaseDays?: number | null;
  maxBorrowSeconds?: number | null;
  overagePercent?: number;
  revivalWindowSeconds?: number | null;
}

export interface CreateProductInput extends SeatPolicyInput {
  code: string;
  name: string;
  remoteReleasesPerYear?: number;
  links?: ProductLinks;
  /** How its offline tokens are signed; EdDSA unless given. */
  tokenAlg?: TokenAlg;
  /** Feature codes it declares (lower-kebab); licenses grant a subset. */
  entitlements?: string[];
  /** Trial length in seconds; null or left out: no trial. */
  trialSeconds?: number | null;
}

/** Only the fields given change; a policy given as null is removed (`leaseSeconds: null`: no lease), a link given as null or "" is removed. */
export interface UpdateProductInput extends SeatPolicyInput {
  code: string;
  name?: string;
  remoteReleasesPerYear?: number;
  links?: ProductLinks;
  /** Tokens issued or renewed from now on use it; tokens already out stay valid until they expire. */
  tokenAlg?: TokenAlg;
  /** How long a one-time shop purchase lasts; null: it does not end. */
  licenseDurationSeconds?: number | null;
  /** Added to a paid subscription period's end (card retries). */
  renewalGraceSeconds?: number;
  /** A shop price that sells this product: each unit bought gives `seatsPerUnit` seats (moved here if another product had it). */
  mapPrice?: { shop: string; priceId: string; seatsPerUnit?: number };
  /** A shop price that no longer sells this product. */
  unmapPrice?: { shop: string; priceId: string };
  /**
   * The whole new list. A code left out is taken from every license of the product in the same
   * transaction (their next token lacks it); a code added is granted to licenses issued from now on.
   */
  entitlements?: string[];
  /** null: no more trials (tokens already out keep their end). */
  trialSeconds?: number | null;
}

/** The products a vendor sells, and the policy each carries (seat policy, remote releases, links, entitlements, trial, shop prices). */
export interface ProductService {
  create(actor: Actor, input: CreateProductInput): Promise<Product>;
  update(actor: Actor, input: UpdateProductInput): Promise<Product>;
}

const CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Leases, borrowing and revival windows: up to 10 years. */
const MAX_POLICY_SECONDS = 3650 * 86_400;

/** The policy columns to write: only the settings given (undefined: unchanged), each checked. */
function seatPolicyColumns(input: SeatPolicyInput) {
  const { leaseDays, maxBorrowSeconds, overagePercent, revivalWindowSeconds } = input;
  if (leaseDays != null && (!Number.isInteger(leaseDays) || leaseDays < 1 || leaseDays > 3650)) {
    throw new InvalidInputError('leaseDays', 'Lease days must be a whole number from 1 to 3650.');
  }
  const fromDays = leaseDays === undefined ? undefined : leaseDays === null ? null : leaseDays * 86_400;
  if (input.leaseSeconds !== undefined && fromDays !== undefined && input.leaseSeconds !== fromDays) {
    throw new InvalidInputError('leaseDays', 'Give the lease once: leaseSeconds or leaseDays.');
  }
  const leaseSeconds = input.leaseSeconds !== undefined ? input.leaseSeconds : fromDays;
  checkSeconds(leaseSeconds, 'leaseSeconds', 1, MAX_POLICY_SECONDS);
  checkSeconds(maxBorrowSeconds, 'maxBorrowSeconds', 1, MAX_POLICY_SECONDS);
  checkSeconds(revivalWindowSeconds, 'revivalWindowSeconds', 0, MAX_POLICY_SECONDS);
  if (overagePercent !== undefined && (!Number.isInteger(overagePercent) || overagePercent < 0 || overagePercent > 1000)) {
    throw new InvalidInputError('overagePercent', 'overagePercent must be a whole number from 0 to 1000.');
  }
  const given = { leaseSeconds, maxBorrowSeconds, overagePercent, revivalWindowSeconds };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<{
    leaseSeconds: number | null;
    maxBorrowSeconds: number | null;
    overagePercent: number;
    revivalWindowSeconds: number | null;
  }>;
}

function checkTokenAlg(alg: string | undefined) {
  if (alg !== undefined && !TOKEN_ALGS.includes(alg as TokenAlg)) {
    throw new InvalidInputError('tokenAlg', `The token algorithm must be one of ${TOKEN_ALGS.join(', ')}.`);
  }
}

const MAX_DURATION_SECONDS = 100 * 365 * 86_400;
const MAX_GRACE_SECONDS = 90 * 86_400;

function checkSeconds(value: number | null | undefined, field: string, min: number, max: number) {
  if (value != null && (!Number.isInteger(value) || value < min || value > max)) {
    throw new InvalidInputError(field, `${field} must be a whole number of seconds from ${min} to ${max}.`);
  }
}

const PRICE_ID = /^[A-Za-z0-9_-]{1,255}$/;

function checkPriceId(priceId: string) {
  if (!PRICE_ID.test(priceId)) throw new InvalidInputError('priceId', `"${priceId}" is not a shop price id (such as price_1Pq…).`);
}

function checkSeatsPerUnit(seats: number) {
  if (!Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS) {
    throw new InvalidInputError('seatsPerUnit', `Seats per unit must be a whole number from 1 to ${MAX_SEATS}.`);
  }
}

function checkReleases(releases: number) {
  if (!Number.isInteger(releases) || releases < 0 || releases > 1000) {
    throw new InvalidInputError('remoteReleasesPerYear', 'Remote releases per year must be a whole number from 0 to 1000.');
  }
}

type LinkColumn = 'websiteUrl' | 'documentationUrl' | 'supportUrl' | 'purchaseUrl';

const LINK_COLUMNS: Record<keyof ProductLinks, LinkColumn> = {
  website: 'websiteUrl',
  documentation: 'documentationUrl',
  support: 'supportUrl',
  purchase: 'purchaseUrl',
};

function parseHttpUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? url : null;
  } catch {
    return null;
  }
}

/**
 * The link columns to write: only the links given; null or "" clears one. Plug-ins open these in the
 * user's browser, so anything but an absolute http(s) URL (javascript:, file:, a bare word) is refused.
 */
function linkColumns(links: ProductLinks = {}): Partial<Record<LinkColumn, string | null>> {
  const columns: Partial<Record<LinkColumn, string | null>> = {};
  for (const name of Object.keys(LINK_COLUMNS) as (keyof ProductLinks)[]) {
    const raw = links[name];
    if (raw === undefined) continue;
    const value = raw?.trim() ?? '';
    if (value === '') {
      columns[LINK_COLUMNS[name]] = null;
      continue;
    }
    const url = parseHttpUrl(value);
    if (!url || value.length > 2000 || /\s/.test(value)) {
      throw new InvalidInputError(name, `The ${name} link must be an http:// or https:// URL (at most 2000 characters).`);
    }
    columns[LINK_COLUMNS[name]] = url.href;
  }
  return columns;
}

/** Takes every code the product no longer declares from its licenses. */
function withdrawEntitlements(tx: Tx, productId: string, kept: string[]) {
  return tx.$executeRaw`
    UPDATE "License" SET "entitlements" = ARRAY(SELECT code FROM unnest("entitlements") AS code WHERE code = ANY(${kept}::text[]))
    WHERE "productId" = ${productId} AND NOT ("entitlements" <@ ${kept}::text[])`;
}

export function createProductService(deps: { db: Db; signer: Pick<Signer, 'current'> }): ProductService {
  const { db, signer } = deps;
  /**
   * A product moved to RS256 gets its RSA key now, not at its first activation: the vendor ships the
   * JWKS in the plug-in build, and it must hold the key that will sign.
   */
  const keyFor = async (product: Product) => {
    await signer.current(product.tokenAlg);
    return product;
  };
  return {
    async create(actor, input) {
      const by = policy.manageProducts(actor);
      const code = requireText(input.code, 'code', 64);
      if (!CODE.test(code)) {
        throw new InvalidInputError('code', 'A product code is 1-64 lower-case letters, digits, ".", "_" or "-".');
      }
      const policyColumns = seatPolicyColumns(input);
      checkTokenAlg(input.tokenAlg);
      checkTrialSeconds(input.trialSeconds);
      const entitlements = checkEntitlementCodes(input.entitlements ?? []);
      const releases = input.remoteReleasesPerYear ?? 3;
      checkReleases(releases);
      const links = linkColumns(input.links);
      const existing = await db.product.findUnique({ where: { code } });
      if (existing) throw new InvalidInputError('code', `A product "${code}" already exists.`);
      const created = await transaction(db, async (tx) => {
        const product = await tx.product.create({
          data: {
            code,
            name: requireText(input.name, 'name'),
            ...policyColumns,
            remoteReleasesPerYear: releases,
            tokenAlg: input.tokenAlg ?? 'EdDSA',
            entitlements,
            trialSeconds: input.trialSeconds ?? null,
            ...links,
          },
        });
        const { id: _id, createdAt: _at, ...after } = product;
        await audit(tx, by, 'product.created', `product:${product.id}`, null, { after });
        return product;
      });
      return keyFor(created);
    },

    async update(actor, input) {
      const by = policy.manageProducts(actor);
      const policyColumns = seatPolicyColumns(input);
      if (input.remoteReleasesPerYear !== undefined) checkReleases(input.remoteReleasesPerYear);
      checkTokenAlg(input.tokenAlg);
      checkSeconds(input.licenseDurationSeconds, 'licenseDuration', 60, MAX_DURATION_SECONDS);
      checkSeconds(input.renewalGraceSeconds, 'renewalGrace', 0, MAX_GRACE_SECONDS);
      if (input.mapPrice) {
        checkPriceId(input.mapPrice.priceId);
        checkSeatsPerUnit(input.mapPrice.seatsPerUnit ?? 1);
      }
      if (input.unmapPrice) checkPriceId(input.unmapPrice.priceId);
      checkTrialSeconds(input.trialSeconds);
      const entitlements = input.entitlements === undefined ? undefined : checkEntitlementCodes(input.entitlements);
      const data: Prisma.ProductUpdateInput = {
        ...(input.licenseDurationSeconds !== undefined ? { licenseDurationSeconds: input.licenseDurationSeconds } : {}),
        ...(input.renewalGraceSeconds !== undefined ? { renewalGraceSeconds: input.renewalGraceSeconds } : {}),
        ...(input.name !== undefined ? { name: requireText(input.name, 'name') } : {}),
        ...policyColumns,
        ...(input.remoteReleasesPerYear !== undefined ? { remoteReleasesPerYear: input.remoteReleasesPerYear } : {}),
        ...(input.tokenAlg !== undefined ? { tokenAlg: input.tokenAlg } : {}),
        ...(entitlements !== undefined ? { entitlements } : {}),
        ...(input.trialSeconds !== undefined ? { trialSeconds: input.trialSeconds } : {}),
        ...linkColumns(input.links),
      };
      const { mapPrice, unmapPrice } = input;
      const updated = await transaction(db, async (tx) => {
        const existing = await tx.product.findUnique({ where: { code: input.code } });
        if (!existing) throw new NotFoundError(`There is no product "${input.code}".`);
        // The product row's lock comes first, as in a license's entitlement edit: the two never deadlock.
        const product = await tx.product.update({ where: { id: existing.id }, data });
        if (entitlements !== undefined) await withdrawEntitlements(tx, product.id, entitlements);
        if (mapPrice) {
          await tx.shopPrice.upsert({
            where: { shop_priceId: { shop: mapPrice.shop, priceId: mapPrice.priceId } },
            create: { shop: mapPrice.shop, priceId: mapPrice.priceId, productId: existing.id, seatsPerUnit: mapPrice.seatsPerUnit ?? 1 },
            update: { productId: existing.id, seatsPerUnit: mapPrice.seatsPerUnit ?? 1 },
          });
        }
        if (unmapPrice) await tx.shopPrice.deleteMany({ where: { ...unmapPrice, productId: existing.id } });
        // Before → after of the columns that changed, as for every audited change.
        const keys = (Object.keys(product) as (keyof Product)[]).filter((k) => JSON.stringify(product[k]) !== JSON.stringify(existing[k]));
        const pick = (row: Product) => Object.fromEntries(keys.map((k) => [k, row[k]]));
        if (keys.length > 0) await audit(tx, by, 'product.updated', `product:${product.id}`, null, { before: pick(existing), after: pick(product) });
        return product;
      });
      return keyFor(updated);
    },
  };
}
