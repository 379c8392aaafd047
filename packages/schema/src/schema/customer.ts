import { builder } from '../builder.ts';
import { LoginLockoutRef } from './login-lockout.ts';
import { confirmation } from './result.ts';
import { scope } from '../services/caller.ts';
import { ForbiddenError, NotFoundError, RateLimitedError } from '../services/errors.ts';
import { idOrNull, offsetPage, orderBy, orderInput } from './connection.ts';

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
    loginLockout: t.field({
      type: LoginLockoutRef,
      nullable: true,
      description: 'Whether failed log-ins lock this login out; null for callers other than staff.',
      resolve: (customer, _args, ctx) => ctx.services.accounts.loginLockout(ctx.caller, customer),
    }),
  }),
});

const CustomerFilter = builder.inputType('CustomerFilter', {
  fields: (t) => ({
    q: t.string({ required: false, description: 'Part of the e-mail.' }),
    resellerId: t.id({ required: false, description: 'Customers holding a license of this reseller.' }),
  }),
});

builder.queryFields((t) => ({
  customers: t.connection({
    type: CustomerRef,
    authScopes: { staff: true },
    args: {
      filter: t.arg({ type: CustomerFilter, required: false }),
      orderBy: t.arg({ type: orderInput('Customer', ['email', 'createdAt'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const f = args.filter;
      const where = ctx.services.admin.customersWhere(ctx.caller, f && { ...f, resellerId: idOrNull(f.resellerId) });
      return offsetPage(args, ctx, info, () => ctx.db.customer.count({ where }), (query, page) =>
        ctx.db.customer.findMany({ ...query, where, orderBy: orderBy(args.orderBy, 'email'), ...page }),
      );
    },
  }),
  customer: t.prismaField({
    type: 'Customer',
    nullable: true,
    authScopes: { staff: true },
    description: "One customer; null when it doesn't exist or belongs to another reseller.",
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) =>
      ctx.db.customer.findFirst({ ...query, where: ctx.services.admin.customersWhere(ctx.caller, { id: String(args.id) }) }),
  }),
}));

const CustomerInput = (name: string) => builder.inputType(name, { fields: (f) => ({ customerId: f.id() }) });

builder.mutationFields((t) => ({
  resendCredentials: t.field({
    type: confirmation('ResendCredentialsSuccess'),
    description: 'Generates a new password for the customer and e-mails the credentials; their sessions end.',
    args: { input: t.arg({ type: CustomerInput('ResendCredentialsInput') }) },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.admin.resendCredentials(ctx.caller, String(input.customerId));
      return true as const;
    },
  }),
  sendPasswordReset: t.field({
    type: confirmation('SendPasswordResetSuccess'),
    description: 'E-mails the customer a password reset code, as if they had asked for it.',
    args: { input: t.arg({ type: CustomerInput('SendPasswordResetInput') }) },
    errors: { types: [ForbiddenError, NotFoundError, RateLimitedError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.admin.sendPasswordReset(ctx.caller, String(input.customerId));
      return true as const;
    },
  }),
}));
