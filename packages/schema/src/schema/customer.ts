import { batchLoader } from '../batch-loader.ts';
import { builder } from '../builder.ts';
import type { Context } from '../context.ts';
import { LoginLockoutRef } from './login-lockout.ts';
import { confirmation, resultById } from './result.ts';
import { scope } from '../services/caller.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError } from '../services/errors.ts';
import { idOrNull, listArgs, modelPage, orderBy, recordById } from './connection.ts';

const deniedOf = batchLoader(
  (ctx: Context, ids: string[]) => ctx.services.activations.deniedLast30Days(ctx.caller, 'customerId', ids),
  () => 0,
);

export const CustomerRef = builder.prismaObject('Customer', {
  description:
    "A login (the purchase e-mail) and its licenses. The reseller belongs to each license: staff see a customer holding one of their tenant's licenses, and only those licenses.",
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    passwordChangedAt: t.expose('passwordChangedAt', { type: 'DateTime' }),
    licenses: t.relation('licenses', {
      query: (_args, ctx) => ({ where: scope.licensesOf(ctx.caller), orderBy: [{ expiresAt: 'desc' }, { id: 'asc' }] }),
    }),
    licenseCount: t.relationCount('licenses', { where: (_args, ctx) => scope.licensesOf(ctx.caller) }),
    deniedLast30Days: t.int({
      description: "Activations refused with NO_FREE_SLOT in the last 30 days, on this customer's licenses the caller may see.",
      resolve: (customer, _args, ctx) => deniedOf(ctx).load(customer.id),
    }),
    loginLockout: t.field({
      type: LoginLockoutRef,
      nullable: true,
      description: 'Whether failed log-ins lock this login out; null for callers other than staff.',
      resolve: (customer, _args, ctx) => ctx.services.accounts.loginLockout(ctx.caller, customer),
    }),
  }),
});

builder.queryFields((t) => ({
  customers: t.connection({
    type: CustomerRef,
    authScopes: { staff: true },
    args: listArgs(t, 'Customer', ['email', 'createdAt'], (f) => ({
      q: f.string({ required: false, description: 'Part of the e-mail.' }),
      resellerId: f.id({ required: false, description: 'Customers holding a license of this reseller.' }),
    })),
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.admin.customersWhere(ctx.caller, f && { ...f, resellerId: idOrNull(f.resellerId) });
      return modelPage(args, ctx, info, ctx.db.customer, where, orderBy(args.orderBy, 'email'));
    },
  }),
  customer: recordById(t, 'Customer', { description: "One customer; null when it doesn't exist or belongs to another reseller." }, (ctx, query, id) =>
    ctx.db.customer.findFirst({ ...query, where: ctx.services.admin.customersWhere(ctx.caller, { id }) }),
  ),
}));

builder.mutationFields((t) => ({
  updateCustomer: t.fieldWithInput({
    type: resultById('Customer', 'customer', (ctx, query, id) => ctx.db.customer.findUniqueOrThrow({ ...query, where: { id } }))('UpdateCustomerSuccess'),
    description:
      "Vendor admins only (a login spans every reseller that sold it a license): a new login e-mail. The old address is told by mail; the password, sessions and machines stay.",
    input: { customerId: t.input.id(), email: t.input.string({ description: 'The new login e-mail.' }) },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.admin.changeCustomerEmail(ctx.caller, String(input.customerId), input.email),
  }),
  resendCredentials: t.fieldWithInput({
    type: confirmation('ResendCredentialsSuccess'),
    description: 'Generates a new password for the customer and e-mails the credentials; their sessions end.',
    input: { customerId: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.admin.resendCredentials(ctx.caller, String(input.customerId));
      return true as const;
    },
  }),
  sendPasswordReset: t.fieldWithInput({
    type: confirmation('SendPasswordResetSuccess'),
    description: 'E-mails the customer a password reset code, as if they had asked for it.',
    input: { customerId: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError, RateLimitedError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.admin.sendPasswordReset(ctx.caller, String(input.customerId));
      return true as const;
    },
  }),
}));
