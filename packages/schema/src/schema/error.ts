import { builder } from '../builder.ts';
import {
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
  NotFoundError,
  PasswordsDoNotMatchError,
  RateLimitedError,
  ReleaseLimitReachedError,
  ResetTokenInvalidError,
  SlotReleasedError,
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

function errorType(cls: new (...args: any[]) => DomainError, name: string, description: string) {
  return builder.objectType(cls, { name, description, interfaces: [ErrorInterface] });
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
errorType(ResetTokenInvalidError, 'ResetTokenInvalidError', 'The reset code is unknown, used or expired.');

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many attempts; nothing was checked or changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'A field of the input is malformed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(NoFreeSlotError, {
  name: 'NoFreeSlotError',
  description: 'Every seat is taken by another machine.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ seats: t.exposeInt('seats'), used: t.exposeInt('used') }),
});

builder.objectType(LicenseExpiredError, {
  name: 'LicenseExpiredError',
  description: 'The license has expired.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ expiredAt: t.field({ type: 'DateTime', resolve: (error) => error.expiredAt }) }),
});

builder.objectType(ReleaseLimitReachedError, {
  name: 'ReleaseLimitReachedError',
  description: "The product's remote releases per license per year are used up.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    limit: t.exposeInt('limit'),
    nextReleaseAt: t.field({ type: 'DateTime', resolve: (error) => error.nextReleaseAt }),
  }),
});

/** Errors that any use of a license can meet. */
export const LICENSE_USE_ERRORS = [LicenseExpiredError, LicenseSuspendedError, LicenseRevokedError] as const;
