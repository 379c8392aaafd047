// Expected outcomes of the product's rules. Services throw these; the GraphQL layer maps each class
// to a typed error result (packages/schema/src/schema/error.ts). Anything else is a bug and is masked.

export const ERROR_CODES = [
  'FORBIDDEN',
  'INVALID_CREDENTIALS',
  'INVALID_INPUT',
  'INVALID_TOKEN',
  'LICENSE_EXPIRED',
  'LICENSE_REVOKED',
  'LICENSE_SUSPENDED',
  'NOT_FOUND',
  'NO_FREE_SLOT',
  'PASSWORDS_DO_NOT_MATCH',
  'RATE_LIMITED',
  'RELEASE_LIMIT_REACHED',
  'RESET_TOKEN_INVALID',
  'SLOT_RELEASED',
  'URL_NOT_ALLOWED',
  'WEAK_PASSWORD',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

export class InvalidCredentialsError extends DomainError {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('The e-mail or password is wrong.');
  }
}

export class InvalidInputError extends DomainError {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidTokenError extends DomainError {
  readonly code = 'INVALID_TOKEN';
  constructor(message = 'The token is not a valid Slotkeeper token.') {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'You are not allowed to do this; log in first.') {
    super(message);
  }
}

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

export class LicenseSuspendedError extends DomainError {
  readonly code = 'LICENSE_SUSPENDED';
  constructor() {
    super('The license is suspended. Contact your reseller.');
  }
}

export class LicenseRevokedError extends DomainError {
  readonly code = 'LICENSE_REVOKED';
  constructor() {
    super('The license was revoked.');
  }
}

export class SlotReleasedError extends DomainError {
  readonly code = 'SLOT_RELEASED';
  constructor() {
    super("This machine's slot was released; activate it again.");
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

export class PasswordsDoNotMatchError extends DomainError {
  readonly code = 'PASSWORDS_DO_NOT_MATCH';
  constructor() {
    super('The new password and its repetition differ.');
  }
}

export class ResetTokenInvalidError extends DomainError {
  readonly code = 'RESET_TOKEN_INVALID';
  constructor() {
    super('This reset code is unknown, used or expired. Request a new one.');
  }
}

export class UrlNotAllowedError extends DomainError {
  readonly code = 'URL_NOT_ALLOWED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, a loopback, link-local or private address: webhooks may not reach it.`);
  }
}
