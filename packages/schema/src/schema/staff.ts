import type { StaffUser } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { LoginLockoutRef } from './login-lockout.ts';
import { NEW_PASSWORD_ERRORS, PASSWORD_CHECK_ERRORS } from './error.ts';
import { confirmation, recordResult } from './result.ts';
import { requireStaff, scope } from '../services/caller.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, WeakPasswordError } from '../services/errors.ts';
import { listArgs, modelPage, orderBy } from './connection.ts';

export const StaffRole = builder.enumType('StaffRole', { values: ['VENDOR_ADMIN', 'RESELLER_ADMIN'] as const });

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

builder.queryField('staffUsers', (t) =>
  t.connection({
    type: StaffUserRef,
    authScopes: { staff: true },
    args: listArgs(t, 'Staff', ['email', 'role', 'createdAt'], (f) => ({ q: f.string({ required: false, description: 'Part of the e-mail.' }), role: f.field({ type: StaffRole, required: false }) })),
    resolve: (_root, args, ctx, info) => {
      const where = {
        ...scope.staffUsers(requireStaff(ctx.caller)),
        ...(args.filter?.q ? { email: { contains: args.filter.q.toLowerCase() } } : {}),
        ...(args.filter?.role ? { role: args.filter.role } : {}),
      };
      return modelPage(args, ctx, info, ctx.db.staffUser, where, orderBy(args.orderBy, 'email'));
    },
  }),
);

builder.mutationFields((t) => ({
  staffLogIn: t.fieldWithInput({
    type: StaffLogInSuccess,
    description: 'Starts a dashboard session.',
    input: { email: t.input.string(), password: t.input.string() },
    errors: { types: [...PASSWORD_CHECK_ERRORS] },
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
  changeStaffPassword: t.fieldWithInput({
    type: confirmation('ChangeStaffPasswordSuccess'),
    description: "Changes the logged-in staff member's password; their other sessions end.",
    input: { currentPassword: t.input.string(), newPassword: t.input.string(), newPasswordRepeat: t.input.string() },
    errors: { types: [ForbiddenError, ...PASSWORD_CHECK_ERRORS, ...NEW_PASSWORD_ERRORS] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.staff.changePassword(ctx.caller, input.currentPassword, input.newPassword, input.newPasswordRepeat);
      return true as const;
    },
  }),
  createStaff: t.fieldWithInput({
    type: StaffCreated,
    description: 'Vendor admins only. A password is generated (and returned once) when none is given.',
    input: {
      email: t.input.string(),
      role: t.input.field({ type: StaffRole }),
      reseller: t.input.string({ required: false, description: 'Reseller name (created when new); required for RESELLER_ADMIN.' }),
      password: t.input.string({ required: false }),
    },
    errors: { types: [ForbiddenError, InvalidInputError, WeakPasswordError] },
    resolve: (_root, { input }, ctx) => ctx.services.staff.create(ctx.caller, input),
  }),
  disableStaff: t.fieldWithInput({
    type: recordResult('DisableStaffSuccess', 'staff', StaffUserRef),
    description: 'Vendor admins only: the staff member can no longer log in; their sessions end.',
    input: { staffId: t.input.id() },
    errors: { types: [ForbiddenError, NotFoundError] },
    resolve: (_root, { input }, ctx) => ctx.services.staff.disable(ctx.caller, String(input.staffId)),
  }),
}));
