import type { Customer, StaffUser } from '../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { CustomerRef } from './customer.ts';
import { NEW_PASSWORD_ERRORS, PASSWORD_CHECK_ERRORS } from './error.ts';
import { confirmation } from './result.ts';
import { StaffUserRef } from './staff.ts';
import { requireStaff } from '../services/caller.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, RateLimitedError, ResetTokenInvalidError } from '../services/errors.ts';

const LogInSuccess = builder.objectRef<{ sessionToken: string; expiresAt: Date }>('LogInSuccess').implement({
  description: 'Send the session token as `Authorization: Bearer <token>`.',
  fields: (t) => ({
    sessionToken: t.exposeString('sessionToken'),
    expiresAt: t.field({ type: 'DateTime', resolve: (session) => session.expiresAt }),
  }),
});

builder.mutationField('logIn', (t) =>
  t.fieldWithInput({
    type: LogInSuccess,
    description: 'Starts a license-manager session for a customer login.',
    input: { email: t.input.string(), password: t.input.string() },
    errors: { types: [...PASSWORD_CHECK_ERRORS] },
    resolve: (_root, { input }, ctx) => ctx.services.accounts.logIn(input.email, input.password),
  }),
);

builder.mutationField('requestPasswordReset', (t) =>
  t.fieldWithInput({
    type: confirmation(
      'RequestPasswordResetSuccess',
      'Always the answer, whether or not the e-mail is a login: if it is, a reset code was e-mailed.',
    ),
    description: 'E-mails a single-use reset link and code (valid for a limited time) to a customer login.',
    input: { email: t.input.string() },
    errors: { types: [InvalidInputError, RateLimitedError] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.accounts.requestPasswordReset(input.email);
      return true as const;
    },
  }),
);

builder.mutationField('resetPassword', (t) =>
  t.fieldWithInput({
    type: confirmation('ResetPasswordSuccess', 'The password is set; log in with it. Earlier sessions have ended.'),
    description: 'Sets a new password with the code from the reset e-mail.',
    input: { token: t.input.string(), newPassword: t.input.string(), newPasswordRepeat: t.input.string() },
    errors: { types: [ResetTokenInvalidError, ...NEW_PASSWORD_ERRORS] },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.accounts.resetPassword(input.token, input.newPassword, input.newPasswordRepeat);
      return true as const;
    },
  }),
);

builder.mutationField('changePassword', (t) =>
  t.fieldWithInput({
    type: confirmation('ChangePasswordSuccess', 'The password is changed and a notification e-mail is on its way.'),
    description: 'Changes the password of a login, given the current one.',
    input: {
      email: t.input.string(),
      currentPassword: t.input.string(),
      newPassword: t.input.string(),
      newPasswordRepeat: t.input.string(),
    },
    errors: {
      types: [...PASSWORD_CHECK_ERRORS, InvalidInputError, ...NEW_PASSWORD_ERRORS],
    },
    resolve: async (_root, { input }, ctx) => {
      await ctx.services.accounts.changePassword(input);
      return true as const;
    },
  }),
);

builder.mutationField('clearLoginLockout', (t) =>
  t.fieldWithInput({
    type: builder.objectRef<{ customer?: Customer; staff?: StaffUser }>('ClearLoginLockoutSuccess').implement({
      fields: (f) => ({
        customer: f.field({ type: CustomerRef, nullable: true, resolve: (r) => r.customer ?? null }),
        staff: f.field({ type: StaffUserRef, nullable: true, resolve: (r) => r.staff ?? null }),
      }),
    }),
    description:
      "Forgets a login's failed attempts, so it can log in again at once; audited. A customer: staff who see it. A staff member: vendor admins only.",
    typeOptions: { description: 'Exactly one of the two.' },
    input: { customerId: t.input.id({ required: false }), staffId: t.input.id({ required: false }) },
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
