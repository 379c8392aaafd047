import { batchLoader } from '../batch-loader.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import type { License, Product } from '../generated/prisma/client.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, OrderConflictError } from '../services/errors.ts';
import { errorType } from './error.ts';
import { idOrNull, listArgs, offsetPage, orderBy, recordById } from './connection.ts';
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

const deniedOf = batchLoader(
  (ctx: Context, ids: string[]) => ctx.services.activations.deniedLast30Days(ctx.caller, 'licenseId', ids),
  () => 0,
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
    pendingSeats: t.exposeInt('pendingSeats', {
      nullable: true,
      description: "The seats a shop subscription goes down to at its next renewal (its quantity fell below the seats in use); null: none pending.",
    }),
    // Not staff-only: the REST bridge selects every field for plug-ins too; the URL opens only in the vendor's own Stripe login.
    purchase: t.relation('shopLink', { nullable: true, description: 'The shop purchase this license came from; null when issued by hand.' }),
    seatsUsed: t.int({
      description: 'Slots held by live activations.',
      resolve: (license: LicenseRow, _args, ctx) => license.seatsUsed ?? license._count?.activations ?? seatsUsedOf(ctx).load(license.id),
    }),
    overSeats: t.int({
      description: "Machines held beyond the seats (the product's overage allows them); 0 when within the seats.",
      resolve: async (license: LicenseRow, _args, ctx) => {
        const used = license.seatsUsed ?? license._count?.activations ?? (await seatsUsedOf(ctx).load(license.id));
        return Math.max(0, used - license.seats);
      },
    }),
    deniedLast30Days: t.int({
      description: 'Activations refused with NO_FREE_SLOT in the last 30 days (machines that wanted a seat: the upsell signal).',
      resolve: (license, _args, ctx) => deniedOf(ctx).load(license.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    customer: t.relation('customer'),
    reseller: t.relation('reseller', { nullable: true, description: 'The reseller who sold this license; null for a direct sale.' }),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    status: t.expose('status', { type: LicenseStatus }),
    entitlements: t.exposeStringList('entitlements', { description: "The product's feature codes this license grants (the `ent` claim of its tokens)." }),
    orderId: t.exposeString('orderId', { nullable: true, description: "The seller's order number it was issued for (issueLicense orderId)." }),
    activations: t.relation('activations', {
      description: 'Machines holding a slot now, oldest first.',
      query: { where: { releasedAt: null }, orderBy: [{ activatedAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

/**
 * A page sorted by seats in use (live activations), which Prisma can't order by (its relation count
 * counts released ones too): the filtered licenses' live counts are read in one grouped query,
 * sorted here (ties by id), and the page's rows then read with the client's selection.
 */
async function pageBySeatsUsed(ctx: Context, where: object, descending: boolean, query: object, page: { take: number; skip: number }) {
  const licenses = await ctx.db.license.findMany({ where, select: { id: true, ...LIVE_ACTIVATION_COUNT } });
  const sign = descending ? -1 : 1;
  const ids = licenses
    .toSorted((a, b) => sign * (a._count.activations - b._count.activations) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(page.skip, page.skip + page.take)
    .map((l) => l.id);
  const rows = await ctx.db.license.findMany({ ...query, where: { id: { in: ids } } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

builder.queryField('myLicenses', (t) =>
  t.prismaField({
    type: ['License'],
    description: 'The license manager: every license of the logged-in customer.',
    authScopes: { customer: true },
    resolve: (query, _root, _args, ctx) => ctx.services.licenses.listForCustomer(ctx.caller, withSeatsUsed(query)),
  }),
);

builder.queryFields((t) => ({
  licenses: t.connection({
    type: LicenseRef,
    authScopes: { staff: true },
    args: listArgs(t, 'License', ['createdAt', 'expiresAt', 'seats', 'seatsUsed', 'status', 'customer_email', 'product_name', 'reseller_name'], (f) => ({
      product: f.string({ required: false, description: 'Product code.' }),
      status: f.field({ type: LicenseStatus, required: false }),
      expiringWithinDays: f.int({
        required: false,
        description: 'Unexpired licenses that expire within this many days; revoked ones are left out (they will not be renewed).',
      }),
      customerEmail: f.string({ required: false, description: 'Part of the customer e-mail.' }),
      customerId: f.id({ required: false }),
      resellerId: f.id({ required: false }),
    })),
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.licenses.visibleWhere(ctx.caller, f && { ...f, customerId: idOrNull(f.customerId), resellerId: idOrNull(f.resellerId) });
      const order = args.orderBy;
      return offsetPage(args, ctx, info, () => ctx.db.license.count({ where }), (query, page) =>
        order?.field === 'seatsUsed'
          ? pageBySeatsUsed(ctx, where, order.direction === 'DESC', query, page)
          : ctx.db.license.findMany({ ...query, where, orderBy: orderBy(order as { field: Exclude<NonNullable<typeof order>['field'], 'seatsUsed'> } | null, 'createdAt'), ...page }),
      );
    },
  }),
  license: recordById(t, 'License', { description: "One license; null when it doesn't exist or belongs to another reseller." }, (ctx, query, id) =>
    ctx.db.license.findFirst({ ...query, where: ctx.services.licenses.visibleWhere(ctx.caller, { id }) }),
  ),
}));

const licenseById = (ctx: Context, query: object, id: string) => ctx.db.license.findUniqueOrThrow({ ...query, where: { id } });

export const LicenseResult = resultById('License', 'license', licenseById);

const IssueLicenseSuccess = builder
  .objectRef<{ license: { id: string }; customer: { newToSeller: boolean }; repeated: boolean }>('IssueLicenseSuccess')
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
      repeated: t.exposeBoolean('repeated', {
        description: 'The orderId was issued before: this is the license it made, and nothing was changed or e-mailed now.',
      }),
    }),
  });

errorType(OrderConflictError, 'OrderConflictError', 'The orderId was already issued with another e-mail, product or number of seats; nothing was changed.', (t) => ({
  orderId: t.exposeString('orderId'),
  licenseId: t.exposeID('licenseId', { description: 'The license the order made.' }),
}));

const LicenseAction = builder.enumType('LicenseAction', { values: ['SUSPEND', 'RESUME', 'REVOKE'] as const });

builder.mutationFields((t) => ({
  issueLicense: t.fieldWithInput({
    type: IssueLicenseSuccess,
    description: 'The purchase flow: creates the customer if new (generated password, credentials e-mail) and the license.',
    input: {
      email: t.input.string(),
      product: t.input.string({ description: 'Product code.' }),
      seats: t.input.int(),
      expiresAt: t.input.field({ type: 'DateTime' }),
      reseller: t.input.string({ required: false, description: 'Vendor admins: the reseller (by name) who sells this license, also to an existing customer; none: a direct sale. Reseller admins always issue for their own.' }),
      entitlements: t.input.stringList({ required: false, description: "The product's entitlement codes it grants; left out: all of them." }),
      orderId: t.input.string({
        required: false,
        description:
          "The seller's order number (unique per reseller, and for the vendor): a repeated call with it returns the same license and sends no second e-mail.",
      }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, NotFoundError, OrderConflictError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.licenses.issue(ctx.caller, { ...input, reseller: input.reseller ?? undefined, entitlements: input.entitlements ?? undefined }),
  }),
  changeLicenseSeats: t.fieldWithInput({
    type: LicenseResult('ChangeLicenseSeatsSuccess'),
    description: 'Sets the seats; to go below the seats in use, list machines to release in the same change.',
    input: { licenseId: t.input.id(), seats: t.input.int(), releaseActivationIds: t.input.idList({ required: false }) },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.licenses.update(ctx.caller, {
        licenseId: String(input.licenseId),
        seats: input.seats,
        releaseActivationIds: (input.releaseActivationIds ?? []).map(String),
      }),
  }),
  changeLicenseExpiry: t.fieldWithInput({
    type: LicenseResult('ChangeLicenseExpirySuccess'),
    input: { licenseId: t.input.id(), expiresAt: t.input.field({ type: 'DateTime' }) },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.licenses.update(ctx.caller, { licenseId: String(input.licenseId), expiresAt: input.expiresAt }),
  }),
  setLicenseStatus: t.fieldWithInput({
    type: LicenseResult('SetLicenseStatusSuccess'),
    description: 'Suspend (activations refused until resumed), resume, or revoke (final).',
    input: { licenseId: t.input.id(), action: t.input.field({ type: LicenseAction }) },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.licenses.update(ctx.caller, { licenseId: String(input.licenseId), action: input.action }),
  }),
  updateLicense: t.fieldWithInput({
    type: LicenseResult('UpdateLicenseSuccess'),
    description:
      "A dashboard edit of one license, applied whole or not at all: any of seats (with the machines to release " +
      'to go below the seats in use), expiry, a status action and entitlements. One audit event per aspect given.',
    input: {
      licenseId: t.input.id(),
      seats: t.input.int({ required: false }),
      releaseActivationIds: t.input.idList({ required: false, description: 'Machines to release in the same change; only with seats.' }),
      expiresAt: t.input.field({ type: 'DateTime', required: false }),
      action: t.input.field({ type: LicenseAction, required: false }),
      entitlements: t.input.stringList({ required: false, description: "The whole new set, each one of the product's codes; machines get it at their next renewal." }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.licenses.update(ctx.caller, {
        licenseId: String(input.licenseId),
        seats: input.seats ?? undefined,
        releaseActivationIds: input.releaseActivationIds?.map(String),
        expiresAt: input.expiresAt ?? undefined,
        action: input.action ?? undefined,
        entitlements: input.entitlements ?? undefined,
      }),
  }),
}));
