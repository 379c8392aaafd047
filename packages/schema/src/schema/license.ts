import { batchLoader } from '../batch-loader.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { License, Product } from '../generated/prisma/client.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../services/errors.ts';
import { idOrNull, offsetPage, orderBy, orderInput } from './connection.ts';
import { ProductRef } from './product.ts';
import { resultById } from './result.ts';

export const LicenseStatus = builder.enumType('LicenseStatus', {
  values: ['ACTIVE', 'SUSPENDED', 'REVOKED'] as const,
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
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    customer: t.relation('customer'),
    reseller: t.relation('reseller', { nullable: true, description: 'The reseller who sold this license; null for a direct sale.' }),
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

const LicenseFilter = builder.inputType('LicenseFilter', {
  fields: (t) => ({
    product: t.string({ required: false, description: 'Product code.' }),
    status: t.field({ type: LicenseStatus, required: false }),
    expiringWithinDays: t.int({
      required: false,
      description: 'Unexpired licenses that expire within this many days; revoked ones are left out (they will not be renewed).',
    }),
    customerEmail: t.string({ required: false, description: 'Part of the customer e-mail.' }),
    customerId: t.id({ required: false }),
    resellerId: t.id({ required: false }),
  }),
});

builder.queryFields((t) => ({
  licenses: t.connection({
    type: LicenseRef,
    authScopes: { staff: true },
    args: {
      filter: t.arg({ type: LicenseFilter, required: false }),
      orderBy: t.arg({ type: orderInput('License', ['createdAt', 'expiresAt', 'seats', 'status', 'customer_email'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.licenses.visibleWhere(ctx.caller, f && { ...f, customerId: idOrNull(f.customerId), resellerId: idOrNull(f.resellerId) });
      return offsetPage(args, ctx, info, () => ctx.db.license.count({ where }), (query, page) =>
        ctx.db.license.findMany({ ...query, where, orderBy: orderBy(args.orderBy, 'createdAt'), ...page }),
      );
    },
  }),
  license: t.prismaField({
    type: 'License',
    nullable: true,
    authScopes: { staff: true },
    description: "One license; null when it doesn't exist or belongs to another reseller.",
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) =>
      ctx.db.license.findFirst({ ...query, where: ctx.services.licenses.visibleWhere(ctx.caller, { id: String(args.id) }) }),
  }),
}));

const licenseById = (ctx: Context, query: object, id: string) => ctx.db.license.findUniqueOrThrow({ ...query, where: { id } });

export const LicenseResult = resultById('License', 'license', licenseById);

const IssueLicenseSuccess = builder
  .objectRef<{ license: { id: string }; customer: { newToSeller: boolean } }>('IssueLicenseSuccess')
  .implement({
    description: 'The license; the customer was e-mailed their credentials (new login) or a notice (existing login).',
    fields: (t) => ({
      license: t.prismaField({
        type: 'License',
        resolve: (query, parent, _args, ctx) => licenseById(ctx, query, parent.license.id),
      }),
      newCustomer: t.boolean({
        description:
          "A new login; for a reseller admin, new to their reseller (a login that holds other resellers' licenses is not told apart).",
        resolve: (parent) => parent.customer.newToSeller,
      }),
    }),
  });

const LicenseAction = builder.enumType('LicenseAction', { values: ['SUSPEND', 'RESUME', 'REVOKE'] as const });

builder.mutationFields((t) => ({
  issueLicense: t.field({
    type: IssueLicenseSuccess,
    description: 'The purchase flow: creates the customer if new (generated password, credentials e-mail) and the license.',
    args: {
      input: t.arg({
        type: builder.inputType('IssueLicenseInput', {
          fields: (f) => ({
            email: f.string(),
            product: f.string({ description: 'Product code.' }),
            seats: f.int(),
            expiresAt: f.field({ type: 'DateTime' }),
            reseller: f.string({ required: false, description: 'Vendor admins: the reseller (by name) who sells this license, also to an existing customer; none: a direct sale. Reseller admins always issue for their own.' }),
          }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.licenses.issue(ctx.caller, { ...input, reseller: input.reseller ?? undefined }),
  }),
  changeLicenseSeats: t.field({
    type: LicenseResult('ChangeLicenseSeatsSuccess'),
    description: 'Sets the seats; to go below the seats in use, list machines to release in the same change.',
    args: {
      input: t.arg({
        type: builder.inputType('ChangeLicenseSeatsInput', {
          fields: (f) => ({ licenseId: f.id(), seats: f.int(), releaseActivationIds: f.idList({ required: false }) }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.licenses.update(ctx.caller, {
        licenseId: String(input.licenseId),
        seats: input.seats,
        releaseActivationIds: (input.releaseActivationIds ?? []).map(String),
      }),
  }),
  changeLicenseExpiry: t.field({
    type: LicenseResult('ChangeLicenseExpirySuccess'),
    args: {
      input: t.arg({
        type: builder.inputType('ChangeLicenseExpiryInput', { fields: (f) => ({ licenseId: f.id(), expiresAt: f.field({ type: 'DateTime' }) }) }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.licenses.update(ctx.caller, { licenseId: String(input.licenseId), expiresAt: input.expiresAt }),
  }),
  setLicenseStatus: t.field({
    type: LicenseResult('SetLicenseStatusSuccess'),
    description: 'Suspend (activations refused until resumed), resume, or revoke (final).',
    args: {
      input: t.arg({
        type: builder.inputType('SetLicenseStatusInput', { fields: (f) => ({ licenseId: f.id(), action: f.field({ type: LicenseAction }) }) }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.licenses.update(ctx.caller, { licenseId: String(input.licenseId), action: input.action }),
  }),
  updateLicense: t.field({
    type: LicenseResult('UpdateLicenseSuccess'),
    description:
      "A dashboard edit of one license, applied whole or not at all: any of seats (with the machines to release " +
      'to go below the seats in use), expiry and a status action. One audit event per aspect given.',
    args: {
      input: t.arg({
        type: builder.inputType('UpdateLicenseInput', {
          fields: (f) => ({
            licenseId: f.id(),
            seats: f.int({ required: false }),
            releaseActivationIds: f.idList({ required: false, description: 'Machines to release in the same change; only with seats.' }),
            expiresAt: f.field({ type: 'DateTime', required: false }),
            action: f.field({ type: LicenseAction, required: false }),
          }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.licenses.update(ctx.caller, {
        licenseId: String(input.licenseId),
        seats: input.seats ?? undefined,
        releaseActivationIds: input.releaseActivationIds?.map(String),
        expiresAt: input.expiresAt ?? undefined,
        action: input.action ?? undefined,
      }),
  }),
}));
