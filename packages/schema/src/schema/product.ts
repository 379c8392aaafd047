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
    leaseDays: t.exposeInt('leaseDays', {
      nullable: true,
      description: 'Offline token lifetime in days; null: the token lives until the license expires.',
    }),
    remoteReleasesPerYear: t.exposeInt('remoteReleasesPerYear'),
    tokenAlg: t.expose('tokenAlg', { type: TokenAlg, description: "The `alg` of this product's offline tokens." }),
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

const ProductLinksInput = builder.inputType('ProductLinksInput', {
  fields: (l) => ({
    website: l.string({ required: false }),
    documentation: l.string({ required: false }),
    support: l.string({ required: false }),
    purchase: l.string({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  createProduct: t.field({
    type: ProductResult('CreateProductSuccess'),
    description: 'Vendor admins only.',
    args: {
      input: t.arg({
        type: builder.inputType('CreateProductInput', {
          fields: (f) => ({
            code: f.string(),
            name: f.string(),
            leaseDays: f.int({ required: false }),
            remoteReleasesPerYear: f.int({ required: false }),
            tokenAlg: f.field({ type: TokenAlg, required: false, description: 'EdDSA when left out.' }),
            links: f.field({
              required: false,
              description: "The plug-in license window's link buttons; http(s) URLs.",
              type: ProductLinksInput,
            }),
          }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, InvalidInputError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.products.create(ctx.caller, {
        ...input,
        remoteReleasesPerYear: input.remoteReleasesPerYear ?? undefined,
        tokenAlg: input.tokenAlg ?? undefined,
        links: input.links ?? undefined,
      }),
  }),
  updateProduct: t.field({
    type: ProductResult('UpdateProductSuccess'),
    description: 'Vendor admins only. Fields left out stay; leaseDays null removes the lease; a link set to null or "" is removed.',
    args: {
      input: t.arg({
        type: builder.inputType('UpdateProductInput', {
          fields: (f) => ({
            code: f.string({ description: 'The product to change.' }),
            name: f.string({ required: false }),
            leaseDays: f.int({ required: false }),
            remoteReleasesPerYear: f.int({ required: false }),
            links: f.field({ type: ProductLinksInput, required: false }),
            tokenAlg: f.field({ type: TokenAlg, required: false, description: 'Applies to tokens issued or renewed from now on.' }),
          }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => {
      const { name, remoteReleasesPerYear, links, tokenAlg, ...rest } = input;
      return ctx.services.products.update(ctx.caller, {
        ...rest,
        ...(name != null ? { name } : {}),
        ...(remoteReleasesPerYear != null ? { remoteReleasesPerYear } : {}),
        ...(links ? { links } : {}),
        ...(tokenAlg ? { tokenAlg } : {}),
      });
    },
  }),
}));
