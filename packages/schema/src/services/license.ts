import type { License, Prisma, Product, Reseller } from '../generated/prisma/client.ts';
import { type Clock, type Db, type EffectLog, transaction } from './db.ts';
import { audit } from './audit.ts';
import { type Staff, scope } from './caller.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from './errors.ts';
import { normalizeEmail, requireText } from './input.ts';
import type { Outbox } from './mail.ts';
import { type PasswordHasher, generatePassword } from './password.ts';
import { type WebhookOutbox, createWebhookOutbox, licenseData } from './webhook/event.ts';

export interface IssueLicenseInput {
  email: string;
  product: string;
  seats: number;
  expiresAt: Date;
  startsAt?: Date;
  /** The license's reseller by name (created when new); ignored for a reseller admin, who issues for their own. */
  reseller?: string;
}

export interface IssuedLicense {
  license: License & { product: Product; reseller: Reseller | null };
  /**
   * created: this call made the login. newToSeller: the login held no license of this seller before
   * (for a reseller admin, whether it holds another reseller's is theirs to keep).
   */
  customer: { id: string; email: string; created: boolean; newToSeller: boolean };
  /** Only for a customer created by this call: the generated password, to be e-mailed. */
  password: string | null;
}

/** Vendor links shown by the plug-in's license window; each an http(s) URL. */
export interface ProductLinks {
  website?: string | null;
  documentation?: string | null;
  support?: string | null;
  purchase?: string | null;
}

export interface CreateProductInput {
  code: string;
  name: string;
  leaseDays?: number | null;
  remoteReleasesPerYear?: number;
  links?: ProductLinks;
}

/** Only the fields given change; `leaseDays: null` removes the lease, a link given as null or "" is removed. */
export interface UpdateProductInput {
  code: string;
  name?: string;
  leaseDays?: number | null;
  remoteReleasesPerYear?: number;
  links?: ProductLinks;
}

export interface LicenseService {
  createProduct(input: CreateProductInput): Promise<Product>;
  updateProduct(input: UpdateProductInput): Promise<Product>;
  /** The purchase flow; `actor` is a staff member (tenant rules apply) or the operator's CLI. */
  issue(input: IssueLicenseInput, actor?: Staff | 'operator'): Promise<IssuedLicense>;
  /** The license manager: every license of a login, newest expiry first. */
  listForCustomer<T extends Prisma.LicenseFindManyArgs>(customerId: string, query?: T): Promise<License[]>;
}

const CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function checkLeaseDays(leaseDays: number | null | undefined) {
  if (leaseDays != null && (!Number.isInteger(leaseDays) || leaseDays < 1 || leaseDays > 3650)) {
    throw new InvalidInputError('leaseDays', 'Lease days must be a whole number from 1 to 3650.');
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

export function createLicenseService(deps: {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  outbox: Outbox;
  logger: EffectLog;
  webhooks?: WebhookOutbox;
}): LicenseService {
  const { db, clock, hasher, outbox, logger } = deps;
  const webhooks = deps.webhooks ?? createWebhookOutbox();

  return {
    async createProduct(input) {
      const code = requireText(input.code, 'code', 64);
      if (!CODE.test(code)) {
        throw new InvalidInputError('code', 'A product code is 1-64 lower-case letters, digits, ".", "_" or "-".');
      }
      checkLeaseDays(input.leaseDays);
      const releases = input.remoteReleasesPerYear ?? 3;
      checkReleases(releases);
      const links = linkColumns(input.links);
      const existing = await db.product.findUnique({ where: { code } });
      if (existing) throw new InvalidInputError('code', `A product "${code}" already exists.`);
      return db.product.create({
        data: {
          code,
          name: requireText(input.name, 'name'),
          leaseDays: input.leaseDays ?? null,
          remoteReleasesPerYear: releases,
          ...links,
        },
      });
    },

    async updateProduct(input) {
      checkLeaseDays(input.leaseDays);
      if (input.remoteReleasesPerYear !== undefined) checkReleases(input.remoteReleasesPerYear);
      const data: Prisma.ProductUpdateInput = {
        ...(input.name !== undefined ? { name: requireText(input.name, 'name') } : {}),
        ...(input.leaseDays !== undefined ? { leaseDays: input.leaseDays } : {}),
        ...(input.remoteReleasesPerYear !== undefined ? { remoteReleasesPerYear: input.remoteReleasesPerYear } : {}),
        ...linkColumns(input.links),
      };
      const existing = await db.product.findUnique({ where: { code: input.code } });
      if (!existing) throw new NotFoundError(`There is no product "${input.code}".`);
      return db.product.update({ where: { id: existing.id }, data });
    },

    async issue(input, actor = 'operator') {
      const email = normalizeEmail(input.email);
      if (!Number.isInteger(input.seats) || input.seats < 1 || input.seats > 100_000) {
        throw new InvalidInputError('seats', 'Seats must be a whole number from 1 to 100000.');
      }
      const startsAt = input.startsAt ?? clock.now();
      if (Number.isNaN(input.expiresAt.getTime()) || input.expiresAt <= startsAt) {
        throw new InvalidInputError('expiresAt', 'The expiry must be a valid date after the start.');
      }
      const product = await db.product.findUnique({ where: { code: input.product } });
      if (!product) throw new NotFoundError(`There is no product "${input.product}".`);
      const password = generatePassword();
      const passwordHash = await hasher.hash(password);

      const tenant = actor === 'operator' ? undefined : scope.resellerId(actor);
      return transaction(db, async (tx, work) => {
        // The reseller belongs to the license: an existing login of another reseller (or of none)
        // gets this license under this seller, and nothing here tells a seller whether the e-mail existed.
        const reseller =
          tenant !== undefined
            ? await tx.reseller.findUnique({ where: { id: tenant } })
            : input.reseller
              ? await tx.reseller.upsert({
                  where: { name: requireText(input.reseller, 'reseller') },
                  create: { name: input.reseller.trim() },
                  update: {},
                })
              : null;
        if (tenant !== undefined && !reseller) throw new ForbiddenError('Your staff account belongs to no reseller.');
        const customer = await tx.customer.upsert({ where: { email }, create: { email, passwordHash }, update: {} });
        const created = customer.passwordHash === passwordHash;
        const newToSeller =
          created || (tenant !== undefined && (await tx.license.count({ where: { customerId: customer.id, resellerId: tenant } })) === 0);
        const license = await tx.license.create({
          data: { customerId: customer.id, resellerId: reseller?.id ?? null, productId: product.id, seats: input.seats, startsAt, expiresAt: input.expiresAt },
          include: { product: true, reseller: true },
        });
        if (created) await webhooks.emit(work, clock.now(), 'customer.created', license.resellerId, { customer: { id: customer.id, email, createdAt: customer.createdAt.toISOString() } });
        await webhooks.emit(work, clock.now(), 'license.created', license.resellerId, { license: { ...licenseData(license), product: product.code, customerEmail: email } });
        // The purchase e-mail: credentials for a new login, a notice for an existing one.
        const about = {
          email,
          productName: product.name,
          productCode: product.code,
          seats: license.seats,
          expiresAt: license.expiresAt.toISOString(),
        };
        if (created) await outbox.enqueue(work, email, 'credentials', { ...about, password });
        else await outbox.enqueue(work, email, 'license-issued', about);
        await audit(tx, actor, 'license.issued', `license:${license.id}`, license.resellerId, {
          after: { email, reseller: reseller?.name ?? null, product: product.code, seats: license.seats, expiresAt: license.expiresAt, newCustomer: created },
        });
        return {
          license,
          customer: { id: customer.id, email: customer.email, created, newToSeller },
          password: created ? password : null,
        };
      }, logger);
    },

    listForCustomer(customerId, query) {
      return db.license.findMany({
        ...query,
        where: { customerId },
        orderBy: [{ expiresAt: 'desc' }, { id: 'asc' }],
      } as Prisma.LicenseFindManyArgs);
    },
  };
}
