// Staff operations on licenses, activations and products (the plug-in side is in license.ts).
import { builder } from '../builder.ts';
import type { SeatUsageSummary } from '../services/admin.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../services/errors.ts';
import { idOrNull, offsetPage, orderBy, orderInput } from './connection.ts';
import { ActivationRef, LicenseRef, LicenseStatus } from './license.ts';

builder.prismaObjectField('Product', 'id', (t) => t.exposeID('id'));
builder.prismaObjectField('License', 'customer', (t) => t.relation('customer'));
builder.prismaObjectField('License', 'reseller', (t) =>
  t.relation('reseller', { nullable: true, description: 'The reseller who sold this license; null for a direct sale.' }),
);
builder.prismaObjectField('License', 'createdAt', (t) => t.expose('createdAt', { type: 'DateTime' }));
builder.prismaObjectField('Activation', 'license', (t) => t.relation('license'));

builder.prismaObjectField('Product', 'createdAt', (t) => t.expose('createdAt', { type: 'DateTime' }));

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

const ActivationFilter = builder.inputType('ActivationFilter', {
  fields: (t) => ({
    licenseId: t.id({ required: false }),
    live: t.boolean({ required: false, description: 'true: slots held now; false: released ones.' }),
    q: t.string({ required: false, description: 'Part of the machine name or OS user.' }),
  }),
});

const SeatUsageRow = builder.objectRef<SeatUsageSummary['byProduct'][number]>('SeatUsageRow').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.exposeString('label'),
    licenses: t.exposeInt('licenses'),
    seatsSold: t.exposeInt('seatsSold'),
    seatsUsed: t.exposeInt('seatsUsed'),
    seatsFree: t.exposeInt('seatsFree'),
  }),
});

const SeatUsage = builder.objectRef<SeatUsageSummary>('SeatUsage').implement({
  description: 'Seats of active, unexpired licenses in the caller\'s scope.',
  fields: (t) => ({
    byProduct: t.field({ type: [SeatUsageRow], resolve: (s) => s.byProduct }),
    byReseller: t.field({ type: [SeatUsageRow], resolve: (s) => s.byReseller }),
    history: t.field({
      type: [
        builder.objectRef<SeatUsageSummary['history'][number]>('SeatUsagePoint').implement({
          fields: (f) => ({ day: f.exposeString('day'), seatsUsed: f.exposeInt('seatsUsed') }),
        }),
      ],
      resolve: (s) => s.history,
    }),
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
        ctx.db.license.findMany({ ...query, where, orderBy: orderBy(args.orderBy, 'createdAt') as never, ...page }),
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
  activations: t.connection({
    type: ActivationRef,
    authScopes: { staff: true },
    args: {
      filter: t.arg({ type: ActivationFilter, required: false }),
      orderBy: t.arg({ type: orderInput('Activation', ['activatedAt', 'lastSeenAt', 'releasedAt', 'machineName'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.activations.visibleWhere(ctx.caller, f && { ...f, licenseId: idOrNull(f.licenseId) });
      return offsetPage(args, ctx, info, () => ctx.db.activation.count({ where }), (query, page) =>
        ctx.db.activation.findMany({
          ...query,
          where,
          orderBy: args.orderBy ? (orderBy(args.orderBy, 'activatedAt') as never) : [{ activatedAt: 'desc' }, { id: 'asc' }],
          ...page,
        }),
      );
    },
  }),
  products: t.prismaField({
    type: ['Product'],
    authScopes: { staff: true },
    description: 'Every product (staff of every reseller sell them all).',
    resolve: (query, _root, _args, ctx) => ctx.db.product.findMany({ ...query, orderBy: { code: 'asc' } }),
  }),
  seatUsage: t.field({
    type: SeatUsage,
    authScopes: { staff: true },
    args: { days: t.arg.int({ required: false, defaultValue: 30, description: 'History length (1-366).' }) },
    resolve: (_root, args, ctx) => ctx.services.admin.seatUsage(ctx.caller, args.days ?? 30),
  }),
}));

const LicenseResult = (name: string) =>
  builder.objectRef<{ id: string }>(name).implement({
    fields: (t) => ({
      license: t.prismaField({
        type: 'License',
        resolve: (query, parent, _args, ctx) => ctx.db.license.findUniqueOrThrow({ ...query, where: { id: parent.id } }),
      }),
    }),
  });

const ProductResult = (name: string) =>
  builder.objectRef<{ id: string }>(name).implement({
    fields: (t) => ({
      product: t.prismaField({
        type: 'Product',
        resolve: (query, parent, _args, ctx) => ctx.db.product.findUniqueOrThrow({ ...query, where: { id: parent.id } }),
      }),
    }),
  });

const IssueLicenseSuccess = builder
  .objectRef<{ license: { id: string }; customer: { newToSeller: boolean } }>('IssueLicenseSuccess')
  .implement({
    description: 'The license; the customer was e-mailed their credentials (new login) or a notice (existing login).',
    fields: (t) => ({
      license: t.prismaField({
        type: 'License',
        resolve: (query, parent, _args, ctx) => ctx.db.license.findUniqueOrThrow({ ...query, where: { id: parent.license.id } }),
      }),
      newCustomer: t.boolean({
        description:
          "A new login; for a reseller admin, new to their reseller (a login that holds other resellers' licenses is not told apart).",
        resolve: (parent) => parent.customer.newToSeller,
      }),
    }),
  });

const ProductLinksInput = builder.inputType('ProductLinksInput', {
  fields: (l) => ({
    website: l.string({ required: false }),
    documentation: l.string({ required: false }),
    support: l.string({ required: false }),
    purchase: l.string({ required: false }),
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
  adminReleaseActivation: t.field({
    type: LicenseResult('AdminReleaseActivationSuccess'),
    description: "Frees a machine's slot (reason ADMIN_RELEASE, not counted against the customer's yearly limit).",
    args: {
      input: t.arg({
        type: builder.inputType('AdminReleaseActivationInput', {
          fields: (f) => ({ activationId: f.id(), note: f.string({ required: false, description: 'Why (kept in the audit log).' }) }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.activations.releaseByStaff(ctx.caller, String(input.activationId), input.note),
  }),
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
        links: input.links ?? undefined,
      }),
  }),
}));


builder.mutationField('updateProduct', (t) =>
  t.field({
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
          }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => {
      const { name, remoteReleasesPerYear, links, ...rest } = input;
      return ctx.services.products.update(ctx.caller, {
        ...rest,
        ...(name != null ? { name } : {}),
        ...(remoteReleasesPerYear != null ? { remoteReleasesPerYear } : {}),
        ...(links ? { links } : {}),
      });
    },
  }),
);
