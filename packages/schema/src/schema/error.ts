import type { ObjectFieldsShape } from '@pothos/core';
import { type BuilderTypes, builder } from '../builder.ts';
import {
  BorrowTooLongError,
  type DomainError,
  ERROR_CODES,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidInputError,
  InvalidTokenError,
  LicenseExpiredError,
  LicenseRevokedError,
  LicenseSuspendedError,
  NoFreeSlotError,
  NoTrialError,
  NotFoundError,
  PasswordsDoNotMatchError,
  RateLimitedError,
  ReleaseLimitReachedError,
  ResetTokenInvalidError,
  SlotReleasedError,
  TrialNotRenewableError,
  TrialUsedError,
  WeakPasswordError,
} from '../services/errors.ts';

export const ErrorCode = builder.enumType('ErrorCode', {
  description: 'Stable codes of expected failures; plug-ins switch on these.',
  values: ERROR_CODES,
});

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'Every expected failure of a mutation implements this.',
  fields: (t) => ({
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
    message: t.exposeString('message'),
  }),
});

/** An error result type: `code` and `message` from the interface, and the fields its class carries. */
export function errorType<E extends DomainError>(
  cls: new (...args: any[]) => E,
  name: string,
  description: string,
  fields?: ObjectFieldsShape<BuilderTypes, E>,
) {
  // The fields read E's own properties; for a generic E TypeScript can't check Pothos' interface
  // constraint, so the type is declared on the DomainError base and the one assertion is here.
  const base: new (...args: any[]) => DomainError = cls;
  const own = fields as ObjectFieldsShape<BuilderTypes, DomainError> | undefined;
  return builder.objectType(base, { name, description, interfaces: [ErrorInterface], ...(own ? { fields: own } : {}) });
}

errorType(InvalidCredentialsError, 'InvalidCredentialsError', 'Unknown e-mail or wrong password (the answer is the same for both).');
errorType(InvalidTokenError, 'InvalidTokenError', 'The token is malformed, forged, or signed by an unknown key.');
errorType(LicenseRevokedError, 'LicenseRevokedError', 'The license was revoked.');
errorType(LicenseSuspendedError, 'LicenseSuspendedError', 'The license is suspended.');
errorType(NotFoundError, 'NotFoundError', 'The product, license or activation does not exist (for this caller).');
errorType(ForbiddenError, 'ForbiddenError', 'The caller may not do this (missing or expired session).');
errorType(SlotReleasedError, 'SlotReleasedError', "The machine's slot was released; activate again.");
errorType(WeakPasswordError, 'WeakPasswordError', 'The new password breaks the password policy; the message says which rule.');
errorType(PasswordsDoNotMatchError, 'PasswordsDoNotMatchError', 'The new password and its repetition differ.');
errorType(NoTrialError, 'NoTrialError', 'The product offers no trial.');
errorType(TrialNotRenewableError, 'TrialNotRenewableError', 'A trial token is never renewed: it lasts the trial; activating a license goes on.');
errorType(ResetTokenInvalidError, 'ResetTokenInvalidError', 'The reset code is unknown, used or expired.');

errorType(RateLimitedError, 'RateLimitedError', 'Too many attempts; nothing was checked or changed.', (t) => ({
  retryAfterSeconds: t.exposeInt('retryAfterSeconds'),
}));

errorType(InvalidInputError, 'InvalidInputError', 'A field of the input is malformed.', (t) => ({ field: t.exposeString('field') }));

errorType(NoFreeSlotError, 'NoFreeSlotError', 'Every seat is taken by another machine.', (t) => ({
  seats: t.exposeInt('seats'),
  used: t.exposeInt('used'),
}));

errorType(BorrowTooLongError, 'BorrowTooLongError', "The borrow asked for is longer than the product's maximum (0: the product lends no tokens).", (t) => ({
  maxBorrowSeconds: t.exposeInt('maxBorrowSeconds'),
}));

errorType(LicenseExpiredError, 'LicenseExpiredError', 'The license has expired.', (t) => ({
  expiredAt: t.field({ type: 'DateTime', resolve: (error) => error.expiredAt }),
}));

errorType(ReleaseLimitReachedError, 'ReleaseLimitReachedError', "The product's remote releases per license per year are used up.", (t) => ({
  limit: t.exposeInt('limit'),
  nextReleaseAt: t.field({ type: 'DateTime', resolve: (error) => error.nextReleaseAt }),
}));

errorType(TrialUsedError, 'TrialUsedError', 'This machine already had its trial of this product (one per machine per product, ever).', (t) => ({
  startedAt: t.field({ type: 'DateTime', resolve: (error) => error.startedAt }),
}));

/** Errors that any use of a license can meet. */
export const LICENSE_USE_ERRORS = [LicenseExpiredError, LicenseSuspendedError, LicenseRevokedError] as const;

/** Errors that any check of a login's password can meet: a wrong password, the failed-login lock-out. */
export const PASSWORD_CHECK_ERRORS = [InvalidCredentialsError, RateLimitedError] as const;

/** Errors that setting a new password can meet: its repetition differs, or it breaks the policy. */
export const NEW_PASSWORD_ERRORS = [PasswordsDoNotMatchError, WeakPasswordError] as const;
