// Expected outcomes of the product's rules. Services throw these; the GraphQL layer maps each class
// to a typed error result (packages/schema/src/schema/error.ts). Anything else is a bug and is masked.

export const ERROR_CODES = [
  'BORROW_TOO_LONG',
  'FORBIDDEN',
  'INVALID_CREDENTIALS',
  'INVALID_INPUT',
  'INVALID_TOKEN',
  'LICENSE_EXPIRED',
  'LICENSE_REVOKED',
  'LICENSE_SUSPENDED',
  'NOT_FOUND',
  'NO_FREE_SLOT',
  'NO_TRIAL',
  'ORDER_CONFLICT',
  'PASSWORDS_DO_NOT_MATCH',
  'RATE_LIMITED',
  'RELEASE_LIMIT_REACHED',
  'RESET_TOKEN_INVALID',
  'SLOT_RELEASED',
  'TRIAL_NOT_RENEWABLE',
  'TRIAL_USED',
  'URL_NOT_ALLOWED',
  'WEAK_PASSWORD',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

/** The base of an error with a standing message (a thrower may word it for its case). */
function withMessage<C extends ErrorCode>(code: C, standing: string) {
  return class extends DomainError {
    readonly code: C = code;
    constructor(message = standing) {
      super(message);
    }
  };
}

export class InvalidCredentialsError extends withMessage('INVALID_CREDENTIALS', 'The e-mail or password is wrong.') {}

export class InvalidInputError extends DomainError {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidTokenError extends withMessage('INVALID_TOKEN', 'The token is not a valid Slotkeeper token.') {}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class ForbiddenError extends withMessage('FORBIDDEN', 'You are not allowed to do this; log in first.') {}

export class NoFreeSlotError extends DomainError {
  readonly code = 'NO_FREE_SLOT';
  constructor(
    readonly seats: number,
    readonly used: number,
  ) {
    super(`All ${seats} seats are in use. Deactivate another machine to free a slot.`);
  }
}

export class LicenseExpiredError extends DomainError {
  readonly code = 'LICENSE_EXPIRED';
  constructor(readonly expiredAt: Date) {
    super(`The license expired on ${expiredAt.toISOString().slice(0, 10)}.`);
  }
}

export class LicenseSuspendedError extends withMessage('LICENSE_SUSPENDED', 'The license is suspended. Contact your reseller.') {}

export class LicenseRevokedError extends withMessage('LICENSE_REVOKED', 'The license was revoked.') {}

export class SlotReleasedError extends withMessage('SLOT_RELEASED', "This machine's slot was released; activate it again.") {}

export class BorrowTooLongError extends DomainError {
  readonly code = 'BORROW_TOO_LONG';
  constructor(readonly maxBorrowSeconds: number) {
    super(
      maxBorrowSeconds > 0
        ? `This product lends a token for at most ${maxBorrowSeconds} seconds.`
        : 'This product does not allow borrowing.',
    );
  }
}

export class ReleaseLimitReachedError extends DomainError {
  readonly code = 'RELEASE_LIMIT_REACHED';
  constructor(
    readonly limit: number,
    readonly nextReleaseAt: Date,
  ) {
    super(
      `This license allows ${limit} remote releases a year; the next one is possible on ${nextReleaseAt.toISOString().slice(0, 10)}.`,
    );
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts. Try again in ${retryAfterSeconds} seconds.`);
  }
}

export class WeakPasswordError extends DomainError {
  readonly code = 'WEAK_PASSWORD';
}

export class PasswordsDoNotMatchError extends withMessage('PASSWORDS_DO_NOT_MATCH', 'The new password and its repetition differ.') {}

export class ResetTokenInvalidError extends withMessage('RESET_TOKEN_INVALID', 'This reset code is unknown, used or expired. Request a new one.') {}

export class UrlNotAllowedError extends DomainError {
  readonly code = 'URL_NOT_ALLOWED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a loopback, link-local or private address: webhooks may not reach it.`);
  }
}

export class NoTrialError extends DomainError {
  readonly code = 'NO_TRIAL';
  constructor(product: string) {
    super(`${product} offers no trial.`);
  }
}

export class TrialUsedError extends DomainError {
  readonly code = 'TRIAL_USED';
  constructor(readonly startedAt: Date) {
    super(`This machine already had its trial of this product (started ${startedAt.toISOString().slice(0, 10)}); buy a license to go on.`);
  }
}

export class TrialNotRenewableError extends withMessage('TRIAL_NOT_RENEWABLE', 'A trial token is not renewed: it lasts the trial. Activate a license to go on.') {}

export class OrderConflictError extends DomainError {
  readonly code = 'ORDER_CONFLICT';
  constructor(
    readonly orderId: string,
    readonly licenseId: string,
  ) {
    super(`Order ${orderId} was already issued as license ${licenseId}, for another e-mail, product or number of seats; nothing was changed.`);
  }
}
