import { builder } from '../builder.ts';

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

builder.prismaObject('Product', {
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

export const LicenseRef = builder.prismaObject('License', {
  description: 'N seats of one product for one login, until an expiry.',
  fields: (t) => ({
    id: t.exposeID('id'),
    product: t.relation('product'),
    seats: t.exposeInt('seats'),
    seatsUsed: t.relationCount('activations', {
      where: { releasedAt: null },
      description: 'Slots held by live activations.',
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
    resolve: (query, _root, _args, ctx) =>
      ctx.caller.kind === 'customer' ? ctx.services.licenses.listForCustomer(ctx.caller.customerId, query) : [],
  }),
);
