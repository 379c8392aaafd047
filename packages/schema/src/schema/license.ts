import { batchLoader } from '../batch-loader.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { License, Product } from '../generated/prisma/client.ts';

export const ReleaseReason = builder.enumType('ReleaseReason', {
  values: ['DEACTIVATED', 'REMOTE_RELEASE', 'ADMIN_RELEASE', 'LEASE_EXPIRED'] as const,
});

export const LicenseStatus = builder.enumType('LicenseStatus', {
  values: ['ACTIVE', 'SUSPENDED', 'REVOKED'] as const,
});

interface ProductLinks {
  website: string | null;
  documentation: string | null;
  support: string | null;
  purchase: string | null;
}

const ProductLinksRef = builder.objectRef<ProductLinks>('ProductLinks').implement({
  description: "The vendor's links for the plug-in's license window (http or https URLs); null when not set.",
  fields: (t) => ({
    website: t.exposeString('website', { nullable: true }),
    documentation: t.exposeString('documentation', { nullable: true }),
    support: t.exposeString('support', { nullable: true }),
    purchase: t.exposeString('purchase', { nullable: true }),
  }),
});

const ProductRef = builder.prismaObject('Product', {
  description: 'A plug-in sold with seat licenses.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    leaseDays: t.exposeInt('leaseDays', {
      nullable: true,
      description: 'Offline token lifetime in days; null: the token lives until the license expires.',
    }),
    remoteReleasesPerYear: t.exposeInt('remoteReleasesPerYear'),
    links: t.field({
      type: ProductLinksRef,
      resolve: (product) => ({
        website: product.websiteUrl,
        documentation: product.documentationUrl,
        support: product.supportUrl,
        purchase: product.purchaseUrl,
      }),
    }),
  }),
});

export const ActivationRef = builder.prismaObject('Activation', {
  description: 'One slot held by one machine.',
  fields: (t) => ({
    id: t.exposeID('id'),
    machineName: t.exposeString('machineName'),
    osUser: t.exposeString('osUser'),
    activatedAt: t.expose('activatedAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    releasedAt: t.expose('releasedAt', { type: 'DateTime', nullable: true }),
    releaseReason: t.expose('releaseReason', { type: ReleaseReason, nullable: true }),
  }),
});

// A license the activation service returns carries its product and the seats it counted under the
// license's lock; any other row (lists, admin pages) gets them from one query per request each.
type LicenseRow = License & { product?: Product; seatsUsed?: number; _count?: { activations?: number } };

const LIVE_ACTIVATION_COUNT = { _count: { select: { activations: { where: { releasedAt: null } } } } } as const;

/** A list's query with the live activations counted in the same statement (for `seatsUsed`). */
function withSeatsUsed<Q extends { include?: object; select?: object }>(query: Q): Q {
  return query.select ? { ...query, select: { ...query.select, ...LIVE_ACTIVATION_COUNT } } : { ...query, include: { ...query.include, ...LIVE_ACTIVATION_COUNT } };
}

const productsOf = batchLoader(
  async (ctx: Context, ids: string[]) => new Map((await ctx.db.product.findMany({ where: { id: { in: ids } } })).map((p) => [p.id, p])),
  (id): Product => {
    throw new Error(`License product ${id} not found`);
  },
);

const seatsUsedOf = batchLoader(
  async (ctx: Context, ids: string[]) => {
    const rows = await ctx.db.activation.groupBy({
      by: ['licenseId'],
      where: { licenseId: { in: ids }, releasedAt: null },
      _count: { _all: true },
    });
    return new Map(rows.map((row) => [row.licenseId, row._count._all]));
  },
  () => 0,
);

export const LicenseRef = builder.prismaObject('License', {
  description: 'N seats of one product for one login, until an expiry.',
  fields: (t) => ({
    id: t.exposeID('id'),
    product: t.field({
      type: ProductRef,
      resolve: (license: LicenseRow, _args, ctx) => license.product ?? productsOf(ctx).load(license.productId),
    }),
    seats: t.exposeInt('seats'),
    seatsUsed: t.int({
      description: 'Slots held by live activations.',
      resolve: (license: LicenseRow, _args, ctx) => license.seatsUsed ?? license._count?.activations ?? seatsUsedOf(ctx).load(license.id),
    }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    status: t.expose('status', { type: LicenseStatus }),
    activations: t.relation('activations', {
      description: 'Machines holding a slot now, oldest first.',
      query: { where: { releasedAt: null }, orderBy: [{ activatedAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

builder.queryField('myLicenses', (t) =>
  t.prismaField({
    type: ['License'],
    description: 'The license manager: every license of the logged-in customer.',
    authScopes: { customer: true },
    resolve: (query, _root, _args, ctx) => ctx.services.licenses.listForCustomer(ctx.caller, withSeatsUsed(query)),
  }),
);
