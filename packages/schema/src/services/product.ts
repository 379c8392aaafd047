import type { Prisma, Product } from '../generated/prisma/client.ts';
import type { Db } from './db.ts';
import { InvalidInputError, NotFoundError } from './errors.ts';
import { requireText } from './input.ts';
import { type Actor, policy } from './policy.ts';

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

/** The products a vendor sells, and the policy each carries (lease, remote releases, links). */
export interface ProductService {
  create(actor: Actor, input: CreateProductInput): Promise<Product>;
  update(actor: Actor, input: UpdateProductInput): Promise<Product>;
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

export function createProductService(deps: { db: Db }): ProductService {
  const { db } = deps;
  return {
    async create(actor, input) {
      policy.manageProducts(actor);
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

    async update(actor, input) {
      policy.manageProducts(actor);
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
  };
}
