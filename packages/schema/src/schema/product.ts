import { builder } from '../builder.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../services/errors.ts';
import { resultById } from './result.ts';

interface ProductLinks {
  website: string | null;
  documentation: string | null;
  support: string | null;
  purchase: string | null;
}

export const TokenAlg = builder.enumType('TokenAlg', {
  description: 'How offline tokens are signed: EdDSA (Ed25519), or RS256 (RSA 3072) for platforms without Ed25519 such as .NET.',
  values: ['EdDSA', 'RS256'] as const,
});

const ProductLinksRef = builder.objectRef<ProductLinks>('ProductLinks').implement({
  description: "The vendor's links for the plug-in's license window (http or https URLs); null when not set.",
  fields: (t) => ({
    website: t.exposeString('website', { nullable: true }),
    documentation: t.exposeString('documentation', { nullable: true }),
    support: t.exposeString('support', { nullable: true }),
    purchase: t.exposeString('purchase', { nullable: true }),
  }),
});

export const ProductRef = builder.prismaObject('Product', {
  description: 'A plug-in sold with seat licenses.',
  fields: (t) => ({
    id: t.exposeID('id'),
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    leaseSeconds: t.exposeInt('leaseSeconds', {
      nullable: true,
      description:
        'The lease: offline token lifetime in seconds; a slot whose newest token expires unrenewed is released (LEASE_EXPIRED). ' +
        'null: the token lives until the license expires.',
    }),
    leaseDays: t.int({
      nullable: true,
      deprecationReason: 'Use leaseSeconds.',
      description: 'The lease in days, rounded up (a 30-minute lease shows as 1).',
      resolve: (product) => (product.leaseSeconds == null ? null : Math.ceil(product.leaseSeconds / 86_400)),
    }),
    maxBorrowSeconds: t.exposeInt('maxBorrowSeconds', {
      nullable: true,
      description: 'The longest token a machine may borrow (activateMachine borrowSeconds); null: no borrowing.',
    }),
    overagePercent: t.exposeInt('overagePercent', {
      description: "A license may hold ceil(seats × (1 + overagePercent/100)) machines; the slots beyond its seats are marked (`ovr`).",
    }),
    revivalWindowSeconds: t.exposeInt('revivalWindowSeconds', {
      nullable: true,
      description: "How long after its token expired a slot healed by its lease may come back through renewToken; null: while the license lives.",
    }),
    remoteReleasesPerYear: t.exposeInt('remoteReleasesPerYear'),
    tokenAlg: t.expose('tokenAlg', { type: TokenAlg, description: "The `alg` of this product's offline tokens." }),
    entitlements: t.exposeStringList('entitlements', { description: 'Feature codes the product declares; each license grants a subset, its tokens carry them as `ent`.' }),
    trialSeconds: t.exposeInt('trialSeconds', { nullable: true, description: 'Trial length in seconds (`startTrial`); null: no trial.' }),
    links: t.field({
      type: ProductLinksRef,
      resolve: (product) => ({
        website: product.websiteUrl,
        documentation: product.documentationUrl,
        support: product.supportUrl,
        purchase: product.purchaseUrl,
      }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('products', (t) =>
  t.prismaField({
    type: ['Product'],
    authScopes: { staff: true },
    description: 'Every product (staff of every reseller sell them all).',
    resolve: (query, _root, _args, ctx) => ctx.db.product.findMany({ ...query, orderBy: { code: 'asc' } }),
  }),
);

const ProductResult = resultById('Product', 'product', (ctx, query, id) => ctx.db.product.findUniqueOrThrow({ ...query, where: { id } }));

type InputFields = Parameters<NonNullable<Parameters<typeof builder.inputType>[1]['fields']>>[0];

/** The seat policy fields of both product inputs (README "Seat policies"); durations in seconds. */
const seatPolicyFields = (f: InputFields) => ({
  leaseSeconds: f.int({ required: false, description: 'Offline token lifetime in seconds; null: until the license expires.' }),
  leaseDays: f.int({ required: false, description: 'The lease in days (the older spelling of leaseSeconds; give one of the two).' }),
  maxBorrowSeconds: f.int({ required: false, description: 'The longest borrow; null: no borrowing.' }),
  overagePercent: f.int({ required: false, description: '0-1000; 0: no overage.' }),
  revivalWindowSeconds: f.int({ required: false, description: 'null: a healed slot may come back while the license lives.' }),
});

const ProductLinksInput = builder.inputType('ProductLinksInput', {
  fields: (l) => ({
    website: l.string({ required: false }),
    documentation: l.string({ required: false }),
    support: l.string({ required: false }),
    purchase: l.string({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  createProduct: t.fieldWithInput({
    type: ProductResult('CreateProductSuccess'),
    description: 'Vendor admins only.',
    input: {
      code: t.input.string(),
      name: t.input.string(),
      ...seatPolicyFields(t.input),
      remoteReleasesPerYear: t.input.int({ required: false }),
      tokenAlg: t.input.field({ type: TokenAlg, required: false, description: 'EdDSA when left out.' }),
      entitlements: t.input.stringList({ required: false, description: 'Feature codes (lower-kebab, at most 40 characters, at most 50).' }),
      trialSeconds: t.input.int({ required: false, description: 'Trial length in seconds; left out or null: no trial.' }),
      links: t.input.field({
        required: false,
        description: "The plug-in license window's link buttons; http(s) URLs.",
        type: ProductLinksInput,
      }),
    },
    errors: { types: [ForbiddenError, InvalidInputError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.products.create(ctx.caller, {
        ...input,
        remoteReleasesPerYear: input.remoteReleasesPerYear ?? undefined,
        overagePercent: input.overagePercent ?? undefined,
        tokenAlg: input.tokenAlg ?? undefined,
        links: input.links ?? undefined,
        entitlements: input.entitlements ?? undefined,
      }),
  }),
  updateProduct: t.fieldWithInput({
    type: ProductResult('UpdateProductSuccess'),
    description:
      'Vendor admins only. Fields left out stay; a seat policy set to null is removed (leaseSeconds null: no lease; trialSeconds null: no trial); a link set to null or "" is removed.',
    input: {
      code: t.input.string({ description: 'The product to change.' }),
      name: t.input.string({ required: false }),
      ...seatPolicyFields(t.input),
      remoteReleasesPerYear: t.input.int({ required: false }),
      links: t.input.field({ type: ProductLinksInput, required: false }),
      tokenAlg: t.input.field({ type: TokenAlg, required: false, description: 'Applies to tokens issued or renewed from now on.' }),
      entitlements: t.input.stringList({
        required: false,
        description: 'The whole new list. A code left out is taken from every license of the product too (machines lose it at their next renewal).',
      }),
      trialSeconds: t.input.int({ required: false, description: 'null: no more trials.' }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => {
      const { name, remoteReleasesPerYear, links, tokenAlg, overagePercent, entitlements, ...rest } = input;
      return ctx.services.products.update(ctx.caller, {
        ...rest,
        ...(overagePercent != null ? { overagePercent } : {}),
        ...(name != null ? { name } : {}),
        ...(remoteReleasesPerYear != null ? { remoteReleasesPerYear } : {}),
        ...(links ? { links } : {}),
        ...(tokenAlg ? { tokenAlg } : {}),
        ...(entitlements ? { entitlements } : {}),
      });
    },
  }),
}));
