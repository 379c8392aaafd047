import type { Customer, StaffUser } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { CustomerRef } from './customer.ts';
import { confirmation } from './result.ts';
import { StaffUserRef } from './staff.ts';
import { requireStaff } from '../services/caller.ts';
import {
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  NotFoundError,
  PasswordsDoNotMatchError,
  RateLimitedError,
  ResetTokenInvalidError,
  WeakPasswordError,
} from '../services/errors.ts';

const LogInSuccess = builder.objectRef<{ sessionToken: string; expiresAt: Date }>('LogInSuccess').implement({
  description: 'Send the session token as `Authorization: Bearer <token>`.',
  fields: (t) => ({
    sessionToken: t.exposeString('sessionToken'),
    expiresAt: t.field({ type: 'DateTime', resolve: (session) => session.expiresAt }),
  }),
});

builder.mutationField('logIn', (t) =>
  t.field({
    type: LogInSuccess,
    description: 'Starts a license-manager session for a customer login.',
    args: {
      input: t.arg({
        type: builder.inputType('LogInInput', { fields: (f) => ({ email: f.string(), password: f.string() }) }),
      }),
    },
    errors: { types: [InvalidCredentialsError, RateLimitedError] },
    resolve: (_root, { input }, ctx) => ctx.services.accounts.logIn(input.email, input.password),
  }),
);

builder.mutationField('requestPasswordReset', (t) =>
  t.field({
    type: confirmation(
      'RequestPasswordResetSuccess',
      'Always the answer, whether or not the e-mail is a login: if it is, a reset code was e-mailed.',
    ),
    description: 'E-mails a single-use reset link and code (valid for a limited time) to a customer login.',
    args: {
      input: t.arg({ type: builder.inputType('RequestPasswordResetInput', { fields: (f) => ({ email: f.string() }) }) }),
    },
    errors: { types: [InvalidInputError, RateLimitedError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.accounts.requestPasswordReset(input.email);
      return true as const;
    },
  }),
);

builder.mutationField('resetPassword', (t) =>
  t.field({
    type: confirmation('ResetPasswordSuccess', 'The password is set; log in with it. Earlier sessions have ended.'),
    description: 'Sets a new password with the code from the reset e-mail.',
    args: {
      input: t.arg({
        type: builder.inputType('ResetPasswordInput', {
          fields: (f) => ({ token: f.string(), newPassword: f.string(), newPasswordRepeat: f.string() }),
        }),
      }),
    },
    errors: { types: [ResetTokenInvalidError, PasswordsDoNotMatchError, WeakPasswordError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.accounts.resetPassword(input.token, input.newPassword, input.newPasswordRepeat);
      return true as const;
    },
  }),
);

builder.mutationField('changePassword', (t) =>
  t.field({
    type: confirmation('ChangePasswordSuccess', 'The password is changed and a notification e-mail is on its way.'),
    description: 'Changes the password of a login, given the current one.',
    args: {
      input: t.arg({
        type: builder.inputType('ChangePasswordInput', {
          fields: (f) => ({
            email: f.string(),
            currentPassword: f.string(),
            newPassword: f.string(),
            newPasswordRepeat: f.string(),
          }),
        }),
      }),
    },
    errors: {
      types: [InvalidCredentialsError, RateLimitedError, InvalidInputError, PasswordsDoNotMatchError, WeakPasswordError],
    },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.accounts.changePassword(input);
      return true as const;
    },
  }),
);

builder.mutationField('clearLoginLockout', (t) =>
  t.field({
    type: builder.objectRef<{ customer?: Customer; staff?: StaffUser }>('ClearLoginLockoutSuccess').implement({
      fields: (f) => ({
        customer: f.field({ type: CustomerRef, nullable: true, resolve: (r) => r.customer ?? null }),
        staff: f.field({ type: StaffUserRef, nullable: true, resolve: (r) => r.staff ?? null }),
      }),
    }),
    description:
      "Forgets a login's failed attempts, so it can log in again at once; audited. A customer: staff who see it. A staff member: vendor admins only.",
    args: {
      input: t.arg({
        type: builder.inputType('ClearLoginLockoutInput', {
          description: 'Exactly one of the two.',
          fields: (f) => ({ customerId: f.id({ required: false }), staffId: f.id({ required: false }) }),
        }),
      }),
    },
    errors: { types: [ForbiddenError, NotFoundError, InvalidInputError] },
    resolve: async (_root, { input }, ctx) => {
      if (input.customerId != null && input.staffId == null) {
        return { customer: await ctx.services.admin.clearLoginLockout(ctx.caller, String(input.customerId)) };
      }
      if (input.staffId != null && input.customerId == null) {
        return { staff: await ctx.services.staff.clearLoginLockout(ctx.caller, String(input.staffId)) };
      }
      requireStaff(ctx.caller);
      throw new InvalidInputError('customerId', 'Give either customerId or staffId.');
    },
  }),
);
