import type { StaffUser } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { LoginLockoutRef } from './login-lockout.ts';
import { confirmation } from './result.ts';
import { requireStaff, scope } from '../services/caller.ts';
import {
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  NotFoundError,
  PasswordsDoNotMatchError,
  RateLimitedError,
  WeakPasswordError,
} from '../services/errors.ts';
import { offsetPage, orderBy, orderInput } from './connection.ts';

export const StaffRole = builder.enumType('StaffRole', { values: ['VENDOR_ADMIN', 'RESELLER_ADMIN'] as const });

export const ResellerRef = builder.prismaObject('Reseller', {
  description: 'A company that sells the vendor\'s plug-ins to its own customers.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const StaffUserRef = builder.prismaObject('StaffUser', {
  description: 'A dashboard user: a vendor admin (everything) or a reseller admin (their reseller only).',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.expose('role', { type: StaffRole }),
    reseller: t.relation('reseller', { nullable: true }),
    disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    loginLockout: t.field({
      type: LoginLockoutRef,
      nullable: true,
      description: 'Whether failed log-ins lock this staff member out; null for callers other than vendor admins.',
      resolve: (staff, _args, ctx) => ctx.services.staff.loginLockout(ctx.caller, staff),
    }),
  }),
});

const StaffLogInSuccess = builder.objectRef<{ token: string; expiresAt: Date; staff: StaffUser }>('StaffLogInSuccess').implement({
  description: 'Send the token as `Authorization: Bearer <token>`.',
  fields: (t) => ({
    token: t.exposeString('token'),
    expiresAt: t.field({ type: 'DateTime', resolve: (s) => s.expiresAt }),
    staff: t.field({ type: StaffUserRef, resolve: (s) => s.staff }),
  }),
});

const StaffCreated = builder.objectRef<{ staff: StaffUser; password: string | null }>('CreateStaffSuccess').implement({
  fields: (t) => ({
    staff: t.field({ type: StaffUserRef, resolve: (r) => r.staff }),
    password: t.exposeString('password', { nullable: true, description: 'The generated password, when none was given: show it once.' }),
  }),
});


builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'StaffUser',
    nullable: true,
    description: 'The logged-in staff member; null for anyone else.',
    resolve: (query, _root, _args, ctx) =>
      ctx.caller.kind === 'staff' ? ctx.db.staffUser.findUnique({ ...query, where: { id: ctx.caller.staffId } }) : null,
  }),
);

const StaffFilter = builder.inputType('StaffFilter', {
  fields: (t) => ({ q: t.string({ required: false, description: 'Part of the e-mail.' }), role: t.field({ type: StaffRole, required: false }) }),
});

builder.queryField('staffUsers', (t) =>
  t.connection({
    type: StaffUserRef,
    authScopes: { staff: true },
    args: { filter: t.arg({ type: StaffFilter, required: false }), orderBy: t.arg({ type: orderInput('Staff', ['email', 'role', 'createdAt'] as const), required: false }) },
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...scope.staffUsers(requireStaff(ctx.caller)),
        ...(args.filter?.q ? { email: { contains: args.filter.q.toLowerCase() } } : {}),
        ...(args.filter?.role ? { role: args.filter.role } : {}),
      };
      return offsetPage(args, ctx, info, () => ctx.db.staffUser.count({ where }), (query, page) =>
        ctx.db.staffUser.findMany({ ...query, where, orderBy: orderBy(args.orderBy, 'email'), ...page }),
      );
    },
  }),
);

builder.queryField('resellers', (t) =>
  t.connection({
    type: ResellerRef,
    authScopes: { staff: true },
    args: {
      filter: t.arg({ type: builder.inputType('ResellerFilter', { fields: (f) => ({ q: f.string({ required: false }) }) }), required: false }),
      orderBy: t.arg({ type: orderInput('Reseller', ['name', 'createdAt'] as const), required: false }),
    },
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...scope.resellers(requireStaff(ctx.caller)),
        ...(args.filter?.q ? { name: { contains: args.filter.q, mode: 'insensitive' as const } } : {}),
      };
      return offsetPage(args, ctx, info, () => ctx.db.reseller.count({ where }), (query, page) =>
        ctx.db.reseller.findMany({ ...query, where, orderBy: orderBy(args.orderBy, 'name'), ...page }),
      );
    },
  }),
);

builder.mutationFields((t) => ({
  staffLogIn: t.field({
    type: StaffLogInSuccess,
    description: 'Starts a dashboard session.',
    args: { input: t.arg({ type: builder.inputType('StaffLogInInput', { fields: (f) => ({ email: f.string(), password: f.string() }) }) }) },
    errors: { types: [InvalidCredentialsError, RateLimitedError] },
    resolve: (_root, { input }, ctx) => ctx.services.staff.logIn(input.email, input.password),
  }),
  staffLogOut: t.field({
    type: confirmation('StaffLogOutSuccess'),
    errors: { types: [ForbiddenError] },
    resolve: async (_root, _args, ctx) => {
      await ctx.services.staff.logOut(ctx.caller);
      return true as const;
    },
  }),
  changeStaffPassword: t.field({
    type: confirmation('ChangeStaffPasswordSuccess'),
    description: "Changes the logged-in staff member's password; their other sessions end.",
    args: {
      input: t.arg({
        type: builder.inputType('ChangeStaffPasswordInput', {
          fields: (f) => ({ currentPassword: f.string(), newPassword: f.string(), newPasswordRepeat: f.string() }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, InvalidCredentialsError, RateLimitedError, PasswordsDoNotMatchError, WeakPasswordError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.staff.changePassword(ctx.caller, input.currentPassword, input.newPassword, input.newPasswordRepeat);
      return true as const;
    },
  }),
  createStaff: t.field({
    type: StaffCreated,
    description: 'Vendor admins only. A password is generated (and returned once) when none is given.',
    args: {
      input: t.arg({
        type: builder.inputType('CreateStaffInput', {
          fields: (f) => ({
            email: f.string(),
            role: f.field({ type: StaffRole }),
            reseller: f.string({ required: false, description: 'Reseller name (created when new); required for RESELLER_ADMIN.' }),
            password: f.string({ required: false }),
          }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, WeakPasswordError] },
    resolve: (_root, { input }, ctx) => ctx.services.staff.create(ctx.caller, input),
  }),
  disableStaff: t.field({
    type: builder.objectRef<StaffUser>('DisableStaffSuccess').implement({
      fields: (f) => ({ staff: f.field({ type: StaffUserRef, resolve: (s) => s }) }),
    }),
    description: 'Vendor admins only: the staff member can no longer log in; their sessions end.',
    args: { input: t.arg({ type: builder.inputType('DisableStaffInput', { fields: (f) => ({ staffId: f.id() }) }) }) },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.staff.disable(ctx.caller, String(input.staffId)),
  }),
  createReseller: t.field({
    type: builder.objectRef<{ id: string; name: string; createdAt: Date }>('CreateResellerSuccess').implement({
      fields: (f) => ({ reseller: f.field({ type: ResellerRef, resolve: (r) => r }) }),
    }),
    description: 'Vendor admins only.',
    args: { input: t.arg({ type: builder.inputType('CreateResellerInput', { fields: (f) => ({ name: f.string() }) }) }) },
    errors: { types: [ForbiddenError, InvalidInputError] },
    resolve: (_root, { input }, ctx) => ctx.services.admin.createReseller(ctx.caller, input.name),
  }),
}));
