import { builder } from '../builder.ts';
import { InvalidCredentialsError } from '../services/errors.ts';

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
    errors: { types: [InvalidCredentialsError] },
    resolve: (_root, { input }, ctx) => ctx.services.accounts.logIn(input.email, input.password),
  }),
);
